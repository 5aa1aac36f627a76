// Logs do not pile up forever: every log group has a retention period.
import { type Finding, type PolicyRule, resources } from "../terraform-json.ts";

export const logRetention: PolicyRule = {
  id: "log-retention",
  description: "Every CloudWatch log group sets retention_in_days.",
  check(stack) {
    const findings: Finding[] = [];
    for (const group of resources(stack, "aws_cloudwatch_log_group")) {
      const days = group.body["retention_in_days"];
      if (typeof days !== "number" || days <= 0) {
        findings.push({
          rule: this.id,
          address: group.address,
          message: "keeps its logs forever (no retention_in_days)",
        });
      }
    }
    return findings;
  },
};
