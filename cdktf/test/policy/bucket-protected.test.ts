import { describe, expect, it } from "vitest";
import { policyJson } from "../../src/iam/policy-document.ts";
import { bucketProtected } from "../../src/policy/rules/bucket-protected.ts";
import { RULE_CONTEXT } from "../helpers.ts";
import { stackOf } from "./fixtures.ts";

const ref = "${aws_s3_bucket.b.id}";
const tlsOnly = policyJson([
  {
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: ["${aws_s3_bucket.b.arn}", "${aws_s3_bucket.b.arn}/*"],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  },
]);
const block = {
  block_public_acls: true,
  block_public_policy: true,
  ignore_public_acls: true,
  restrict_public_buckets: true,
};

describe("bucket-protected", () => {
  it("passes a bucket with all four blocks, encryption and a TLS-only policy", () => {
    const json = stackOf({
      aws_s3_bucket: { b: { bucket: "x" } },
      aws_s3_bucket_public_access_block: { pab: { bucket: ref, ...block } },
      aws_s3_bucket_server_side_encryption_configuration: { sse: { bucket: ref, rule: [] } },
      aws_s3_bucket_policy: { tls: { bucket: ref, policy: tlsOnly } },
    });
    expect(bucketProtected.check(json, RULE_CONTEXT)).toEqual([]);
  });

  it("names each protection a bucket lacks", () => {
    const json = stackOf({
      aws_s3_bucket: { b: { bucket: "x", acl: "public-read" } },
      aws_s3_bucket_public_access_block: { pab: { bucket: ref, ...block, restrict_public_buckets: false } },
      aws_s3_bucket_policy: {
        other: {
          bucket: ref,
          policy: policyJson([{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }]),
        },
      },
    });
    expect(bucketProtected.check(json, RULE_CONTEXT).map((f) => f.message)).toEqual([
      "public access not blocked: restrict_public_buckets",
      "no default encryption",
      "no bucket policy denying requests without TLS (aws:SecureTransport false)",
      "public ACL public-read",
    ]);
  });

  it("does not count another bucket's protections", () => {
    const otherRef = "${aws_s3_bucket.c.id}";
    const json = stackOf({
      aws_s3_bucket: { b: { bucket: "x" }, c: { bucket: "y" } },
      aws_s3_bucket_public_access_block: { pab: { bucket: otherRef, ...block } },
      aws_s3_bucket_server_side_encryption_configuration: { sse: { bucket: otherRef, rule: [] } },
      aws_s3_bucket_policy: { tls: { bucket: otherRef, policy: tlsOnly } },
    });
    expect(
      bucketProtected.check(json, RULE_CONTEXT).filter((f) => f.address === "aws_s3_bucket.b"),
    ).toHaveLength(3);
  });
});
