// The permissions boundary every worker role must carry (see iam/workload-boundary.ts).
import { IamPolicy } from "@cdktn/provider-aws/lib/iam-policy/index.js";
import { Construct } from "constructs";
import type { Arns } from "../iam/policy-document.ts";
import { policyJson } from "../iam/policy-document.ts";
import { workloadBoundaryStatements } from "../iam/workload-boundary.ts";
import { WORKLOAD_BOUNDARY_POLICY } from "../names.ts";

export class WorkloadBoundary extends Construct {
  readonly policy: IamPolicy;

  constructor(scope: Construct, id: string, props: { readonly arns: Arns }) {
    super(scope, id);
    this.policy = new IamPolicy(this, "policy", {
      name: WORKLOAD_BOUNDARY_POLICY,
      description: "The most a modelfleet worker role may allow",
      policy: policyJson(workloadBoundaryStatements(props.arns)),
    });
  }
}
