// How a scenario's project file becomes queue, task and scaling settings. Pure, so each rule
// is tested on its own.
import type { ProjectSpec } from "../../src/spec/schema.ts";

/** SQS holds a received message invisible for at most 12 hours. */
export const SQS_MAX_VISIBILITY_SECONDS = 12 * 3600;
/** SQS keeps a message at most 14 days: a run set may take days, and no message may expire. */
export const SQS_MAX_RETENTION_SECONDS = 14 * 24 * 3600;
/** Time after a model's timeout to kill it, read its outputs and publish. */
const PUBLISH_MARGIN_SECONDS = 300;

/** Receives before SQS moves a message to the dead-letter queue. A worker retries a failed
 * realisation by returning it to the queue, so a retry costs a receive: the last allowed
 * attempt is receive max(infrastructure, model) + 1, and only receives beyond it (workers
 * lost on every try) go to the dead letters. */
export function maxReceiveCount(retries: ProjectSpec["retries"]): number {
  return Math.max(retries.infrastructure, retries.model) + 1;
}

/** The queue's default visibility: the model's timeout and time to publish, at most 12 h.
 * Workers extend it while a model runs; this covers a receive that does not ask. */
export function queueVisibilitySeconds(modelTimeoutSeconds: number): number {
  return Math.min(Math.ceil(modelTimeoutSeconds) + PUBLISH_MARGIN_SECONDS, SQS_MAX_VISIBILITY_SECONDS);
}

/** Fargate's task size strings: CPU units (1024 per vCPU) and memory in MiB. */
export function fargateTaskSize(resources: ProjectSpec["resources"]): { cpu: string; memory: string } {
  return {
    cpu: String(Math.round(resources.cpu * 1024)),
    memory: String(Math.round(resources.memory_gb * 1024)),
  };
}

/** Ephemeral storage to ask for: none when the 20 GiB every task gets is enough. */
export function ephemeralStorageGib(resources: ProjectSpec["resources"]): number | undefined {
  return resources.disk_gb > 20 ? resources.disk_gb : undefined;
}

export interface ScalingSettings {
  readonly maxWorkers: number;
  /** Scale-out doubles the workers each step, adding at least this many. */
  readonly minScaleOutStep: number;
  /** Minutes the queue must stay empty (nothing visible, nothing in flight) before scaling to 0. */
  readonly emptyMinutesBeforeScaleIn: number;
  readonly cooldownSeconds: number;
}

export function scalingSettings(spec: ProjectSpec): ScalingSettings {
  const maxWorkers = spec.cloud.max_workers;
  return {
    maxWorkers,
    minScaleOutStep: Math.max(1, Math.ceil(maxWorkers / 10)),
    // At least the workers' own idle time, so the scaler and the agents agree on "idle".
    emptyMinutesBeforeScaleIn: Math.max(5, Math.ceil(spec.cloud.idle_timeout / 60)),
    cooldownSeconds: 60,
  };
}
