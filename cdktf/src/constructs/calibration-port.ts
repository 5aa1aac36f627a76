// The calibration port: PEST++'s agents (worker tasks) reach its manager (a worker task too) by
// its private IP on one TCP port, so the workers' security group lets that port in from its own
// members and from nothing else. Made only for projects that calibrate (a scenario with
// observations), on a group of modelfleet's own.
import { VpcSecurityGroupIngressRule } from "@cdktn/provider-aws/lib/vpc-security-group-ingress-rule/index.js";
import { Construct } from "constructs";

export interface CalibrationPortProps {
  readonly securityGroupId: string;
  readonly port: number;
}

export class CalibrationPort extends Construct {
  constructor(scope: Construct, id: string, props: CalibrationPortProps) {
    super(scope, id);
    new VpcSecurityGroupIngressRule(this, "from-workers", {
      securityGroupId: props.securityGroupId,
      description: "PEST++ agents to their manager (modelfleet calibrate --engine pestpp-ies)",
      ipProtocol: "tcp",
      fromPort: props.port,
      toPort: props.port,
      referencedSecurityGroupId: props.securityGroupId,
    });
  }
}
