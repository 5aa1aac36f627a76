// The foundation stack: the worker image's repository, GitHub's OIDC provider, the workflow
// roles and their permissions, the workers' permissions boundary.
import { Testing } from "cdktn";
import { describe, expect, it } from "vitest";
import { parseInfraConfig } from "../src/config.ts";
import type { Statement } from "../src/iam/policy-document.ts";
import { checkStack } from "../src/policy/check.ts";
import { all, CONFIG, only, RULE_CONTEXT, synthJson, synthStacks } from "./helpers.ts";

const json = synthJson(synthStacks([]).foundation);
const raw = Testing.synth(synthStacks([]).foundation, true);

function policyByName(name: string): Statement[] {
  return JSON.parse(all(json, "aws_iam_policy").find((p) => p.name === name)!.policy).Statement;
}

function actionsOf(statements: Statement[]): string[] {
  return statements
    .filter((s) => s.Effect === "Allow")
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}

/** The policy text with the partition and account filled in, as IAM measures it. */
function resolvedLength(policy: string): number {
  return policy
    .replaceAll("${data.aws_partition.partition.partition}", "aws")
    .replaceAll("${data.aws_caller_identity.account.account_id}", "123456789012")
    .replace(/\s/g, "").length;
}

describe("foundation stack", () => {
  it("keeps its own state key, in the same bucket, with S3's lock file", () => {
    expect(json.terraform.backend.s3).toMatchObject({
      key: "foundation/terraform.tfstate",
      use_lockfile: true,
    });
    expect(json.provider.aws[0]).toMatchObject({
      region: "eu-west-1",
      default_tags: [{ tags: { "managed-by": "modelfleet", component: "foundation" } }],
    });
  });

  it("makes the worker image repository immutable, scanned on push, with untagged images expiring", () => {
    expect(
      Testing.toHaveResourceWithProperties(raw, "aws_ecr_repository", {
        name: "modelfleet-agent",
        image_tag_mutability: "IMMUTABLE",
        image_scanning_configuration: { scan_on_push: true },
      }),
    ).toBe(true);
    const rules = JSON.parse(only(json, "aws_ecr_lifecycle_policy").policy).rules;
    expect(rules).toEqual([
      expect.objectContaining({
        selection: expect.objectContaining({ tagStatus: "untagged", countNumber: 7 }),
        action: { type: "expire" },
      }),
    ]);
  });

  it("trusts GitHub's OIDC provider, or looks up the one the account has", () => {
    expect(only(json, "aws_iam_openid_connect_provider")).toMatchObject({
      url: "https://token.actions.githubusercontent.com",
      client_id_list: ["sts.amazonaws.com"],
    });
    const existing = parseInfraConfig(
      "github: { repository: acme/models, create_oidc_provider: false }\nstate: { bucket: acme-state, region: eu-west-1 }\nfoundation_region: eu-west-1\n",
      "c.yaml",
    );
    const other = synthJson(synthStacks([], existing).foundation);
    expect(other.resource.aws_iam_openid_connect_provider).toBeUndefined();
    expect(Object.values(other.data.aws_iam_openid_connect_provider as object)).toHaveLength(1);
  });

  it("gives each workflow a role that only its own GitHub runs can assume", () => {
    const roles = Object.fromEntries(all(json, "aws_iam_role").map((r) => [r.name, r]));
    const subject = (name: string) =>
      JSON.parse(roles[name].assume_role_policy).Statement[0].Condition.StringEquals[
        "token.actions.githubusercontent.com:sub"
      ];
    expect(subject("modelfleet-github-plan")).toBe("repo:acme/models:pull_request");
    expect(subject("modelfleet-github-run")).toBe("repo:acme/models:ref:refs/heads/main");
    expect(subject("modelfleet-github-close")).toBe("repo:acme/models:environment:close-project");
    expect(roles["modelfleet-github-close"].tags).toEqual({ workflow: "close", access: "destructive" });
    expect(roles["modelfleet-github-run"].max_session_duration).toBe(6 * 3600);
    const attached = all(json, "aws_iam_role_policy_attachment").map((a) => [a.role, a.policy_arn]);
    expect(attached.filter(([role]) => role.includes("plan_role"))).toHaveLength(1);
    expect(attached.filter(([role]) => role.includes("run_role"))).toHaveLength(2);
    expect(attached.filter(([role]) => role.includes("close_role"))).toHaveLength(3);
  });

  it("lets plan read and take Terraform's lock, and nothing else", () => {
    const read = policyByName("modelfleet-github-read");
    const writes = actionsOf(read).filter((a) => !/:(Get|List|Describe|FilterLogEvents)/.test(a));
    expect(writes.sort()).toEqual(["s3:DeleteObject", "s3:PutObject"]);
    expect(read.find((s) => s.Sid === "LockTerraformState")!.Resource).toBe(
      "arn:${data.aws_partition.partition.partition}:s3:::acme-terraform-state/*.tflock",
    );
  });

  it("lets run create and update but never delete data, and create roles only within the boundary", () => {
    const write = policyByName("modelfleet-github-write");
    const allowed = actionsOf(write);
    expect(
      allowed.filter((a) =>
        /Delete(Bucket|Queue|Cluster|Service|LogGroup|Topic|Role$|Vpc|ObjectVersion)/.test(a),
      ),
    ).toEqual([]);
    // Ingress only on modelfleet's own groups (the calibration port; no-ingress allows no other).
    const ingress = write.filter((s) => [s.Action].flat().includes("ec2:AuthorizeSecurityGroupIngress"));
    expect(ingress.map((s) => s.Condition)).toEqual([
      { StringEquals: { "ec2:ResourceTag/managed-by": "modelfleet" } },
    ]);
    const createRole = write.find((s) => s.Sid === "CreateWorkerRolesWithinTheBoundary")!;
    expect(createRole.Condition).toEqual({
      StringEquals: {
        "iam:PermissionsBoundary":
          "arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.account.account_id}:policy/modelfleet-workload-boundary",
      },
    });
    expect(createRole.Resource).toBe(
      "arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.account.account_id}:role/modelfleet/*",
    );
    expect(write.find((s) => s.Sid === "KeepTheBoundary")!.Effect).toBe("Deny");
    expect(write.find((s) => s.Sid === "WriteProjectState")!.Resource).toMatch(
      /:::acme-terraform-state\/projects\/\*$/,
    );
  });

  it("lets close delete, EC2 resources only when modelfleet made them", () => {
    const destroy = policyByName("modelfleet-github-destroy");
    expect(actionsOf(destroy)).toEqual(
      expect.arrayContaining([
        "s3:DeleteBucket",
        "sqs:DeleteQueue",
        "ecs:DeleteCluster",
        "iam:DeleteRole",
        // what the close does before it destroys: abort leftover uploads, delete unused images
        "s3:ListBucketMultipartUploads",
        "s3:AbortMultipartUpload",
        "ecr:BatchDeleteImage",
      ]),
    );
    // no archive buckets configured: no archive permissions
    expect(destroy.find((s) => s.Sid === "BackUpToArchives")).toBeUndefined();
    expect(destroy.find((s) => s.Sid === "DeleteNetworkMadeByModelfleet")!.Condition).toEqual({
      StringEquals: { "ec2:ResourceTag/managed-by": "modelfleet" },
    });
  });

  it("lets close write and read back the archive buckets the configuration names, and only those", () => {
    const config = { ...CONFIG, archive: { buckets: ["acme-archive"] } };
    const withArchive = synthJson(synthStacks([], config).foundation);
    const policy = JSON.parse(
      all(withArchive, "aws_iam_policy").find((p) => p.name === "modelfleet-github-destroy")!.policy,
    ).Statement as Statement[];
    const archive = policy.find((s) => s.Sid === "BackUpToArchives")!;
    expect(archive.Action).toEqual(
      expect.arrayContaining(["s3:PutObject", "s3:GetObjectAttributes", "s3:ListBucket"]),
    );
    expect(archive.Resource).toEqual([
      expect.stringMatching(/:::acme-archive$/),
      expect.stringMatching(/:::acme-archive\/\*$/),
    ]);
  });

  it("bounds worker roles to results, queues, task protection, their services' counts, logs and the image", () => {
    const boundary = policyByName("modelfleet-workload-boundary");
    expect(boundary.map((s) => s.Sid)).toEqual([
      "Results",
      "ListResults",
      "Work",
      "TaskProtection",
      "ScaleOwnService",
      "Logs",
      "PullTheWorkerImage",
      "LogInToEcr",
    ]);
  });

  it("keeps every managed policy within IAM's 6,144 characters", () => {
    for (const policy of all(json, "aws_iam_policy")) {
      expect(resolvedLength(policy.policy), policy.name).toBeLessThanOrEqual(6144);
    }
  });

  it("outputs the role ARNs and the repository the workflows need", () => {
    expect(Object.keys(json.output).sort()).toEqual([
      "close_role_arn",
      "oidc_provider_arn",
      "plan_role_arn",
      "repository_arn",
      "repository_url",
      "run_role_arn",
      "workload_boundary_arn",
    ]);
  });

  it("passes every policy rule", () => {
    expect(checkStack(json, RULE_CONTEXT)).toEqual([]);
  });

  it("fails the trust rule when deployed for another repository's settings", () => {
    expect(checkStack(json, { ...RULE_CONTEXT, repository: "someone/else" }).map((f) => f.rule)).toContain(
      "trusted-principals",
    );
    expect(CONFIG.github.repository).toBe("acme/models");
  });
});
