import { describe, expect, it } from "vitest";
import { logRetention } from "../../src/policy/rules/log-retention.ts";
import { RULE_CONTEXT } from "../helpers.ts";
import { stackOf } from "./fixtures.ts";

describe("log-retention", () => {
  it("passes log groups with a retention period", () => {
    expect(
      logRetention.check(
        stackOf({ aws_cloudwatch_log_group: { l: { retention_in_days: 30 } } }),
        RULE_CONTEXT,
      ),
    ).toEqual([]);
  });

  it("finds log groups kept forever", () => {
    const json = stackOf({
      aws_cloudwatch_log_group: { none: { name: "a" }, zero: { retention_in_days: 0 } },
    });
    expect(logRetention.check(json, RULE_CONTEXT)).toEqual([
      {
        rule: "log-retention",
        address: "aws_cloudwatch_log_group.none",
        message: "keeps its logs forever (no retention_in_days)",
      },
      {
        rule: "log-retention",
        address: "aws_cloudwatch_log_group.zero",
        message: "keeps its logs forever (no retention_in_days)",
      },
    ]);
  });
});
