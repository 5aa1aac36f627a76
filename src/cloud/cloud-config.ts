// What a cloud run needs to know about its infrastructure, and what a worker is told.
//
// The infrastructure outputs (bucket, queue, cluster, task definition, subnets) come from a
// JSON file written by the infrastructure step (cdktf outputs), read by `run --executor ecs`:
//   { "region": "us-east-1", "bucket": "...", "queueUrl": "...", "deadLetterQueueUrl": "...",
//     "cluster": "...", "taskDefinition": "...", "subnets": ["subnet-..."],
//     "securityGroups": ["sg-..."], "assignPublicIp": false, "containerName": "agent",
//     "logGroup": "/ecs/modelfleet", "logStreamPrefix": "agent" }
import type { SuccessSpec } from "../agent/realisation.ts";

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
}

/** How to read one worker's log, as a command, from the infrastructure outputs. */
export function workerLogHint(infra: InfrastructureOutputs, workerId: string): string | undefined {
  if (!infra.logGroup) return undefined;
  const taskId = workerId.split("/").pop() ?? workerId;
  return infra.logStreamPrefix
    ? `aws logs tail ${infra.logGroup} --log-stream-names ${infra.logStreamPrefix}/${infra.containerName}/${taskId} --since 1d`
    : `aws logs tail ${infra.logGroup} --since 1d (the worker's log stream ends in ${taskId})`;
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
} as const;
