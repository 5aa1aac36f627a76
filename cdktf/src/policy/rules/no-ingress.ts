// Workers take no inbound traffic: no security group has an ingress rule.
import { asList, type Finding, type PolicyRule, resources } from "../terraform-json.ts";

export const noIngress: PolicyRule = {
  id: "no-ingress",
  description: "No security group allows inbound traffic.",
  check(stack) {
    const findings: Finding[] = [];
    for (const r of resources(stack)) {
      const inline = asList(r.body["ingress"] as unknown[] | undefined);
      const isIngressRule =
        r.type === "aws_vpc_security_group_ingress_rule" ||
        (r.type === "aws_security_group_rule" && r.body["type"] === "ingress");
      if (
        isIngressRule ||
        ((r.type === "aws_security_group" || r.type === "aws_default_security_group") && inline.length > 0)
      ) {
        findings.push({ rule: this.id, address: r.address, message: "allows inbound traffic" });
      }
    }
    return findings;
  },
};
