// The workflows' permission sets (read, write, destroy) as managed policies, which the
// workflow roles attach (see iam/workflow-permissions.ts).
import { IamPolicy } from "@cdktn/provider-aws/lib/iam-policy/index.js";
import { Construct } from "constructs";
import { policyJson } from "../iam/policy-document.ts";
import { type PermissionSet, permissionStatements, type WorkflowScope } from "../iam/workflow-permissions.ts";
import { NAME_PREFIX, WORKFLOW_ROLE_PATH } from "../names.ts";

const DESCRIPTIONS: Readonly<Record<PermissionSet, string>> = {
  read: "Read modelfleet's resources and Terraform state (plan, status)",
  write: "Apply modelfleet's project stacks (create and update), run run sets, push the worker image",
  destroy: "Delete what modelfleet's project stacks created, and their state",
};

export class WorkflowPolicies extends Construct {
  readonly arns: Readonly<Record<PermissionSet, string>>;

  constructor(scope: Construct, id: string, props: { readonly scope: WorkflowScope }) {
    super(scope, id);
    const arn = (set: PermissionSet) =>
      new IamPolicy(this, set, {
        name: `${NAME_PREFIX}-github-${set}`,
        path: WORKFLOW_ROLE_PATH,
        description: DESCRIPTIONS[set],
        policy: policyJson(permissionStatements(set, props.scope)),
      }).arn;
    this.arns = { read: arn("read"), write: arn("write"), destroy: arn("destroy") };
  }
}
