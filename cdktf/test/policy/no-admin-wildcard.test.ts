import { describe, expect, it } from "vitest";
import { noAdminWildcard } from "../../src/policy/rules/no-admin-wildcard.ts";
import { RULE_CONTEXT } from "../helpers.ts";
import { rolePolicy, stackOf } from "./fixtures.ts";

const check = (json: ReturnType<typeof stackOf>) => noAdminWildcard.check(json, RULE_CONTEXT);

describe("no-admin-wildcard", () => {
  it("passes named actions on *, and service wildcards on named resources", () => {
    expect(
      check(
        stackOf(
          rolePolicy([
            { Effect: "Allow", Action: ["ec2:DescribeVpcs", "s3:GetBucket*"], Resource: "*" },
            { Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::modelfleet-x/*" },
            { Effect: "Deny", Action: "*", Resource: "*" },
          ]),
        ),
      ),
    ).toEqual([]);
  });

  it("finds * and service:* on every resource, and NotAction", () => {
    const found = check(
      stackOf({
        ...rolePolicy([
          { Sid: "Admin", Effect: "Allow", Action: "*", Resource: "*" },
          { Effect: "Allow", Action: ["sqs:SendMessage", "iam:*"], Resource: ["*"] },
        ]),
        aws_iam_policy: {
          q: {
            policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: { Effect: "Allow", NotAction: "iam:*", Resource: "*" },
            }),
          },
        },
      }),
    );
    expect(found.map((f) => `${f.address}: ${f.message}`)).toEqual([
      "aws_iam_role_policy.p: policy statement Admin allows * on every resource",
      "aws_iam_role_policy.p: policy statement 1 allows iam:* on every resource",
      "aws_iam_policy.q: policy statement 0 allows with NotAction/NotResource",
    ]);
  });
});
