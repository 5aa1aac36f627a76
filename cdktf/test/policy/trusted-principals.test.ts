import { describe, expect, it } from "vitest";
import { policyJson } from "../../src/iam/policy-document.ts";
import { ecsTasksTrust, githubSubject, githubTrust } from "../../src/iam/trust.ts";
import { trustedPrincipals } from "../../src/policy/rules/trusted-principals.ts";
import { RULE_CONTEXT } from "../helpers.ts";
import { stackOf } from "./fixtures.ts";

const provider = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
const role = (trust: object, tags: Record<string, string> = {}) => ({
  assume_role_policy: JSON.stringify(trust),
  tags,
});
const check = (roles: Record<string, object>) =>
  trustedPrincipals
    .check(stackOf({ aws_iam_role: roles as Record<string, Record<string, unknown>> }), RULE_CONTEXT)
    .map((f) => `${f.address}: ${f.message}`);

describe("trusted-principals", () => {
  it("passes workflow roles of this repository and ECS tasks of this account", () => {
    expect(
      check({
        plan: role({
          Version: "2012-10-17",
          Statement: githubTrust(provider, [githubSubject.pullRequest("acme/models")]),
        }),
        close: role(
          {
            Version: "2012-10-17",
            Statement: githubTrust(provider, [githubSubject.environment("acme/models", "close-project")]),
          },
          { access: "destructive" },
        ),
        task: role({
          Version: "2012-10-17",
          Statement: ecsTasksTrust({ partition: "aws", account: "1", region: "us-east-1" }),
        }),
      }),
    ).toEqual([]);
  });

  it("finds other repositories, wildcards, missing audience, open principals and unscoped services", () => {
    const federated = { Federated: provider };
    const found = check({
      fork: role({
        Version: "2012-10-17",
        Statement: githubTrust(provider, ["repo:someone/models:ref:refs/heads/main"]),
      }),
      like: role({
        Statement: [
          {
            Effect: "Allow",
            Principal: federated,
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
              StringLike: { "token.actions.githubusercontent.com:sub": "repo:acme/*" },
            },
          },
        ],
      }),
      noAud: role({
        Statement: [
          {
            Effect: "Allow",
            Principal: federated,
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: { "token.actions.githubusercontent.com:sub": "repo:acme/models:pull_request" },
            },
          },
        ],
      }),
      open: role({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] }),
      service: role({
        Statement: [
          { Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
      destructiveFromBranch: role(
        { Statement: githubTrust(provider, [githubSubject.branch("acme/models", "main")]) },
        { access: "destructive" },
      ),
    });
    expect(found).toEqual([
      "aws_iam_role.fork: trusts repo:someone/models:ref:refs/heads/main, outside repo:acme/models",
      "aws_iam_role.like: GitHub trust with StringLike (wildcards) on its claims",
      "aws_iam_role.like: GitHub trust without an exact sub: any repository could assume it",
      "aws_iam_role.noAud: GitHub trust without aud sts.amazonaws.com",
      'aws_iam_role.open: trusts {"AWS":"*"}',
      "aws_iam_role.service: trusts ecs-tasks.amazonaws.com without aws:SourceAccount",
      "aws_iam_role.destructiveFromBranch: a destructive role must trust only repo:acme/models:environment:close-project",
    ]);
  });

  it("ignores policies that are not trust policies", () => {
    const json = stackOf({
      aws_iam_role_policy: {
        p: { policy: policyJson([{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }]) },
      },
    });
    expect(trustedPrincipals.check(json, RULE_CONTEXT)).toEqual([]);
  });
});
