// The role ECS itself uses to start a project's workers: pull the worker image and write the
// scenarios' logs. Carries the workload boundary, like every role the project stacks create.
import { IamRole } from "@cdktn/provider-aws/lib/iam-role/index.js";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy/index.js";
import { Construct } from "constructs";
import { policyJson } from "../iam/policy-document.ts";
import { ecsTasksTrust } from "../iam/trust.ts";
import { WORKLOAD_ROLE_PATH } from "../names.ts";

export interface ExecutionRoleProps {
  readonly name: string;
  readonly partition: string;
  readonly account: string;
  readonly region: string;
  readonly boundaryArn: string;
  readonly repositoryArn: string;
  /** ARNs of the log groups the workers write to. */
  readonly logGroupArns: readonly string[];
}

export class ExecutionRole extends Construct {
  readonly role: IamRole;

  constructor(scope: Construct, id: string, props: ExecutionRoleProps) {
    super(scope, id);
    this.role = new IamRole(this, "role", {
      name: props.name,
      path: WORKLOAD_ROLE_PATH,
      description: "ECS starts modelfleet workers with it: image pull, logs",
      assumeRolePolicy: policyJson(ecsTasksTrust(props)),
      permissionsBoundary: props.boundaryArn,
    });
    new IamRolePolicy(this, "permissions", {
      name: "start-workers",
      role: this.role.id,
      policy: policyJson([
        {
          Sid: "PullTheWorkerImage",
          Effect: "Allow",
          Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
          Resource: props.repositoryArn,
        },
        { Sid: "LogInToEcr", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
        {
          Sid: "WriteLogs",
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: props.logGroupArns.map((a) => `${a}:*`),
        },
      ]),
    });
  }
}
