// Workers take no inbound traffic: no security group has an ingress rule, but the calibration
// port: TCP PESTPP_PORT from a group to itself (PEST++'s agents to their manager), from no
// address range.
import { PESTPP_PORT } from "../../../../src/calibrate/pestpp/pestpp-port.ts";
import { asList, type Finding, type PolicyRule, resources } from "../terraform-json.ts";

export const noIngress: PolicyRule = {
  id: "no-ingress",
  description: `No security group allows inbound traffic, but TCP ${PESTPP_PORT} from its own members (PEST++'s agents to their manager).`,
  check(stack) {
    const findings: Finding[] = [];
    for (const r of resources(stack)) {
      const inline = asList(r.body["ingress"] as unknown[] | undefined);
      const isIngressRule =
        (r.type === "aws_vpc_security_group_ingress_rule" && !isCalibrationPort(r.body)) ||
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

function isCalibrationPort(body: Record<string, unknown>): boolean {
  return (
    body["ip_protocol"] === "tcp" &&
    body["from_port"] === PESTPP_PORT &&
    body["to_port"] === PESTPP_PORT &&
    body["referenced_security_group_id"] !== undefined &&
    body["referenced_security_group_id"] === body["security_group_id"] &&
    body["cidr_ipv4"] === undefined &&
    body["cidr_ipv6"] === undefined &&
    body["prefix_list_id"] === undefined
  );
}
