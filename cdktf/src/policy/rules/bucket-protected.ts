// Every bucket blocks public access, encrypts what it stores, and refuses requests without TLS.
import type { Statement } from "../../iam/policy-document.ts";
import { asList, type Finding, type PolicyRule, policies, refersTo, resources } from "../terraform-json.ts";

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];

function deniesPlainHttp(s: Statement): boolean {
  const secure = s.Condition?.["Bool"]?.["aws:SecureTransport"];
  return (
    s.Effect === "Deny" &&
    s.Principal === "*" &&
    asList(s.Action).includes("s3:*") &&
    (secure === "false" || (Array.isArray(secure) && secure.includes("false")))
  );
}

export const bucketProtected: PolicyRule = {
  id: "bucket-protected",
  description:
    "Every S3 bucket has all four public access blocks, default encryption, and a policy denying requests without TLS.",
  check(stack) {
    const findings: Finding[] = [];
    const all = resources(stack);
    const docs = policies(stack).found;
    for (const bucket of resources(stack, "aws_s3_bucket")) {
      const add = (message: string) => findings.push({ rule: this.id, address: bucket.address, message });
      const of = (type: string) => all.filter((r) => r.type === type && refersTo(r.body["bucket"], bucket));
      const block = of("aws_s3_bucket_public_access_block")[0];
      const flags = [
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
      ];
      const open = block === undefined ? flags : flags.filter((f) => block.body[f] !== true);
      if (open.length > 0) add(`public access not blocked: ${open.join(", ")}`);
      if (of("aws_s3_bucket_server_side_encryption_configuration").length === 0) add("no default encryption");
      const tlsOnly = docs.some(
        (d) =>
          d.resource.type === "aws_s3_bucket_policy" &&
          refersTo(d.resource.body["bucket"], bucket) &&
          d.statements.some(deniesPlainHttp),
      );
      if (!tlsOnly) add("no bucket policy denying requests without TLS (aws:SecureTransport false)");
      const acl = bucket.body["acl"];
      if (typeof acl === "string" && PUBLIC_ACLS.includes(acl)) add(`public ACL ${acl}`);
      for (const a of of("aws_s3_bucket_acl")) {
        if (PUBLIC_ACLS.includes(String(a.body["acl"]))) add(`public ACL ${a.body["acl"]} (${a.address})`);
      }
    }
    return findings;
  },
};
