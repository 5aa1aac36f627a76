// What a cloud run needs to know about its infrastructure, and what a worker is told.
//
// The infrastructure outputs (bucket, queue, cluster, task definition, subnets) come from a
// JSON file written by the infrastructure step (cdktf outputs), read by `run --executor ecs`:
//   { "region": "us-east-1", "bucket": "...", "queueUrl": "...", "deadLetterQueueUrl": "...",
//     "cluster": "...", "taskDefinition": "...", "subnets": ["subnet-..."],
//     "securityGroups": ["sg-..."], "assignPublicIp": false, "containerName": "agent",
//     "logGroup": "/ecs/modelfleet", "logStreamPrefix": "agent" }
// With a `service` (the cdktf stacks), the run sets the service's desired count rather than
// starting tasks; with `regions`, workers run in each region listed (home first), all of them
// reading the home region's queue and writing its bucket.
import type { SuccessSpec } from "../agent/realisation.ts";

/** Where one region's workers run: its cluster, the scenario's service, and their network. */
export interface RegionOutputs {
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly taskDefinition?: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly assignPublicIp: boolean;
  readonly logGroup?: string;
  readonly logStreamPrefix?: string;
}

export interface InfrastructureOutputs {
  readonly region: string;
  readonly bucket: string;
  /** Key prefix inside the bucket (results live under <prefix><project>/<scenario>/). */
  readonly prefix?: string;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly cluster: string;
  readonly taskDefinition: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly assignPublicIp: boolean;
  readonly containerName: string;
  /** The scenario's ECS service, whose desired count the run sets (cdktf stacks). */
  readonly service?: string;
  /** The workers' CloudWatch log group (the task definition's awslogs-group), if known. */
  readonly logGroup?: string;
  /** Its awslogs-stream-prefix: a worker's stream is `<prefix>/<container>/<task id>`. */
  readonly logStreamPrefix?: string;
  /** The project's SNS topic for alerts. */
  readonly alertsTopicArn?: string;
  /** Every region workers run in, home (this file's `region`) first; absent with one region. */
  readonly regions?: readonly RegionOutputs[];
}

/** The regions whose services run the workers, home first: none when the outputs name no
 * service (workers are then started one by one with RunTask). */
export function serviceRegions(infra: InfrastructureOutputs): RegionOutputs[] {
  if (infra.regions !== undefined && infra.regions.length > 0) return [...infra.regions];
  if (infra.service === undefined) return [];
  return [
    {
      region: infra.region,
      cluster: infra.cluster,
      service: infra.service,
      taskDefinition: infra.taskDefinition,
      subnets: infra.subnets,
      securityGroups: infra.securityGroups,
      assignPublicIp: infra.assignPublicIp,
      ...(infra.logGroup === undefined ? {} : { logGroup: infra.logGroup }),
      ...(infra.logStreamPrefix === undefined ? {} : { logStreamPrefix: infra.logStreamPrefix }),
    },
  ];
}

/** How to read one worker's log, as a command, from the infrastructure outputs (or one
 * region's, whose log group is in that region). */
export function workerLogHint(
  infra: Pick<InfrastructureOutputs, "logGroup" | "logStreamPrefix" | "containerName"> & {
    readonly region?: string;
  },
  workerId: string,
): string | undefined {
  if (!infra.logGroup) return undefined;
  const taskId = workerId.split("/").pop() ?? workerId;
  const region = infra.region === undefined ? "" : ` --region ${infra.region}`;
  return infra.logStreamPrefix
    ? `aws logs tail ${infra.logGroup} --log-stream-names ${infra.logStreamPrefix}/${infra.containerName}/${taskId} --since 1d${region}`
    : `aws logs tail ${infra.logGroup} --since 1d${region} (the worker's log stream ends in ${taskId})`;
}

/** The run configuration a worker downloads (JSON in S3): everything but the model files,
 * which travel as the content-addressed bundle. Paths are relative to the bundle root. */
export interface CloudRunConfig {
  readonly schema: 1;
  readonly project: string;
  readonly scenario: string;
  readonly fingerprint: string;
  readonly bundle: { readonly hash: string; readonly key: string };
  readonly command: readonly string[] | string;
  readonly shell: boolean;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly templates: ReadonlyArray<{ readonly template: string; readonly writes: string }>;
  readonly instructions: ReadonlyArray<{ readonly file: string; readonly reads: string }>;
  readonly success: SuccessSpec;
  readonly keep: readonly string[];
  readonly retries: { readonly infrastructure: number; readonly model: number };
  /** Parameters' scale and offset, [name, scale, offset]: templates write value × scale + offset. */
  readonly transforms?: ReadonlyArray<readonly [string, number, number]>;
}

/** One SQS message: one realisation. */
export interface WorkMessage {
  readonly id: string;
  readonly key: string;
  readonly runConfigKey: string;
  readonly values: Readonly<Record<string, number>>;
  /** The run that queued it, and the key of its run set's record (see run-record.ts). */
  readonly run?: { readonly id: string; readonly record: string };
  /** The plan generation it was sent under (store/plan-record.ts). */
  readonly generation?: number;
  /** A deliberate re-run: the `attempt` of the published result it replaces. */
  readonly replaces?: string;
}

/** Environment a worker (the agent container) is started with. */
export const AGENT_ENV = {
  queueUrl: "MODELFLEET_QUEUE_URL",
  bucket: "MODELFLEET_BUCKET",
  prefix: "MODELFLEET_PREFIX",
  idleSeconds: "MODELFLEET_IDLE_SECONDS",
  workRoot: "MODELFLEET_WORK_ROOT",
  /** How long a received message stays hidden between heartbeats (default 300 s). */
  visibilitySeconds: "MODELFLEET_VISIBILITY_SECONDS",
  /** The region of the queue and the bucket, when the worker runs in another one. */
  homeRegion: "MODELFLEET_HOME_REGION",
  /** Set when the worker runs under an ECS service: its name, its cluster and their region.
   * Such a worker holds task scale-in protection while it runs a realisation, and scales its
   * own service to zero once the queue has stayed empty, instead of exiting by itself. */
  service: "MODELFLEET_SERVICE",
  cluster: "MODELFLEET_CLUSTER",
  serviceRegion: "MODELFLEET_SERVICE_REGION",
} as const;
