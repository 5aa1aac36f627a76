// One GitHub workflow's role: assumable only by that workflow of this repository (the OIDC
// token's `sub`), holding that workflow's permission sets (iam/workflow-permissions.ts).
import { IamRole } from "@cdktn/provider-aws/lib/iam-role/index.js";
import { IamRolePolicyAttachment } from "@cdktn/provider-aws/lib/iam-role-policy-attachment/index.js";
import { Construct } from "constructs";
import { policyJson } from "../iam/policy-document.ts";
import { githubTrust } from "../iam/trust.ts";
import { type PermissionSet, WORKFLOW_PERMISSIONS, type WorkflowName } from "../iam/workflow-permissions.ts";
import { NAME_PREFIX, WORKFLOW_ROLE_PATH } from "../names.ts";

export interface WorkflowRoleProps {
  readonly workflow: WorkflowName;
  readonly oidcProviderArn: string;
  /** The `sub` claims allowed to assume it. */
  readonly subjects: readonly string[];
  readonly policyArns: Readonly<Record<PermissionSet, string>>;
  /** Longest session: a run is watched for up to a GitHub job's six hours. */
  readonly maxSessionSeconds: number;
  /** What the role may do to data: read, write, or destroy. */
  readonly access: "read-only" | "write" | "destructive";
}

export class WorkflowRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: WorkflowRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: `${NAME_PREFIX}-github-${props.workflow}`,
      path: WORKFLOW_ROLE_PATH,
      description: `modelfleet's ${props.workflow} workflow (${props.access})`,
      assumeRolePolicy: policyJson(githubTrust(props.oidcProviderArn, props.subjects)),
      maxSessionDuration: props.maxSessionSeconds,
      tags: { workflow: props.workflow, access: props.access },
    });
    for (const set of WORKFLOW_PERMISSIONS[props.workflow]) {
      new IamRolePolicyAttachment(this, set, { role: this.role.name, policyArn: props.policyArns[set] });
    }
  }
}
