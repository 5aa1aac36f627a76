// What one scenario's workers are in one region: the task definition (size from the project
// file, the worker image, the environment the agent reads, two minutes to stop for Spot), its
// log group, and its task role, which reaches only this scenario's results prefix and queue
// (in its home region, wherever the workers run), protects its own tasks from scale-in, and
// may set its own service's desired count (the workers set it to zero when the queue is empty).
import { CloudwatchLogGroup } from "@cdktn/provider-aws/lib/cloudwatch-log-group/index.js";
import { EcsTaskDefinition } from "@cdktn/provider-aws/lib/ecs-task-definition/index.js";
import { IamRole } from "@cdktn/provider-aws/lib/iam-role/index.js";
import { IamRolePolicy } from "@cdktn/provider-aws/lib/iam-role-policy/index.js";
import { Construct } from "constructs";
import { AGENT_ENV } from "../../../src/cloud/cloud-config.ts";
import type { ProjectSpec } from "../../../src/spec/schema.ts";
import { policyJson } from "../iam/policy-document.ts";
import { ecsTasksTrust } from "../iam/trust.ts";
import { CONTAINER_NAME, type ScenarioNames, WORKLOAD_ROLE_PATH } from "../names.ts";
import { ephemeralStorageGib, fargateTaskSize } from "../scenario-settings.ts";

/** Seconds a worker has between SIGTERM and SIGKILL: Fargate Spot's two-minute warning. */
export const STOP_TIMEOUT_SECONDS = 120;
export const LOG_STREAM_PREFIX = "worker";

export interface ScenarioWorkerProps {
  readonly spec: ProjectSpec;
  readonly names: ScenarioNames;
  readonly partition: string;
  readonly account: string;
  readonly region: string;
  /** Where the scenario's queue and bucket are: `region`, or another when only workers run here. */
  readonly homeRegion: string;
  readonly image: string;
  readonly bucketName: string;
  readonly bucketArn: string;
  /** The scenario's results: `<prefix><project>/<scenario>/`. */
  readonly resultsPrefix: string;
  readonly bucketPrefix: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly clusterName: string;
  readonly executionRoleArn: string;
  readonly boundaryArn: string;
  readonly tags: Readonly<Record<string, string>>;
}

export class ScenarioWorker extends Construct {
  readonly logGroup: CloudwatchLogGroup;
  readonly taskRole: IamRole;
  readonly taskDefinition: EcsTaskDefinition;

  constructor(scope: Construct, id: string, props: ScenarioWorkerProps) {
    super(scope, id);
    const { spec, names } = props;
    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      name: names.logGroup,
      retentionInDays: spec.cloud.log_retention_days,
      tags: { ...props.tags },
    });
    this.taskRole = new IamRole(this, "task-role", {
      name: names.taskRole,
      path: WORKLOAD_ROLE_PATH,
      description: `modelfleet workers of ${spec.project}/${spec.scenario}`,
      assumeRolePolicy: policyJson(ecsTasksTrust(props)),
      permissionsBoundary: props.boundaryArn,
      tags: { ...props.tags },
    });
    new IamRolePolicy(this, "task-permissions", {
      name: "run-realisations",
      role: this.taskRole.id,
      policy: policyJson([
        {
          Sid: "Results",
          Effect: "Allow",
          Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
          Resource: `${props.bucketArn}/${props.resultsPrefix}*`,
        },
        {
          Sid: "ListResults",
          Effect: "Allow",
          Action: "s3:ListBucket",
          Resource: props.bucketArn,
          Condition: { StringLike: { "s3:prefix": `${props.resultsPrefix}*` } },
        },
        {
          Sid: "Work",
          Effect: "Allow",
          Action: [
            "sqs:ReceiveMessage",
            "sqs:DeleteMessage",
            "sqs:ChangeMessageVisibility",
            "sqs:GetQueueAttributes",
          ],
          Resource: props.queueArn,
        },
        {
          Sid: "ScaleInProtection",
          Effect: "Allow",
          Action: ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"],
          Resource: `arn:${props.partition}:ecs:${props.region}:${props.account}:task/${props.clusterName}/*`,
        },
        {
          Sid: "ScaleOwnServiceToZero",
          Effect: "Allow",
          Action: "ecs:UpdateService",
          Resource: `arn:${props.partition}:ecs:${props.region}:${props.account}:service/${props.clusterName}/${names.service}`,
        },
      ]),
    });
    const environment: Record<string, string> = {
      [AGENT_ENV.queueUrl]: props.queueUrl,
      [AGENT_ENV.bucket]: props.bucketName,
      [AGENT_ENV.prefix]: props.bucketPrefix,
      [AGENT_ENV.idleSeconds]: String(spec.cloud.idle_timeout),
      [AGENT_ENV.homeRegion]: props.homeRegion,
      [AGENT_ENV.service]: names.service,
      [AGENT_ENV.cluster]: props.clusterName,
      [AGENT_ENV.serviceRegion]: props.region,
      AWS_REGION: props.region,
    };
    const disk = ephemeralStorageGib(spec.resources);
    this.taskDefinition = new EcsTaskDefinition(this, "task", {
      family: names.taskFamily,
      requiresCompatibilities: ["FARGATE"],
      networkMode: "awsvpc",
      ...fargateTaskSize(spec.resources),
      ...(disk === undefined ? {} : { ephemeralStorage: { sizeInGib: disk } }),
      runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" },
      executionRoleArn: props.executionRoleArn,
      taskRoleArn: this.taskRole.arn,
      containerDefinitions: JSON.stringify([
        {
          name: CONTAINER_NAME,
          image: props.image,
          essential: true,
          stopTimeout: STOP_TIMEOUT_SECONDS,
          // An init process reaps the models' orphaned children.
          linuxParameters: { initProcessEnabled: true },
          environment: Object.entries(environment)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([name, value]) => ({ name, value })),
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": this.logGroup.name,
              "awslogs-region": props.region,
              "awslogs-stream-prefix": LOG_STREAM_PREFIX,
            },
          },
        },
      ]),
      tags: { ...props.tags },
    });
  }
}
