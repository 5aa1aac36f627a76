// Launching workers: the `Launcher` interface the cloud run uses (ECS Fargate in production,
// the fake cloud in tests). Workers pull realisations from the queue and exit when it stays
// empty, so a launcher only has to start enough of them and replace the ones that are lost.

export interface LaunchWorkersRequest {
  /** How many workers to start now. */
  readonly count: number;
  /** Environment overrides for the agent container (queue URL, bucket, run-config key...). */
  readonly environment: Readonly<Record<string, string>>;
  /** A stable token for this launch round: a retried call must never start workers twice. */
  readonly token: string;
}

export interface LaunchedWorker {
  /** The task ARN (or a fake id). */
  readonly id: string;
}

export interface LaunchWorkersResult {
  readonly started: readonly LaunchedWorker[];
  /** Workers that could not be started, each with the reason in words. */
  readonly failures: ReadonlyArray<{
    readonly reason: string;
    readonly detail: string;
    readonly retryable: boolean;
  }>;
}

export type WorkerEnd =
  | "completed"
  | "spot_interruption"
  | "out_of_memory"
  | "image_pull_failed"
  | "resource_initialization_failed"
  | "stopped"
  | "failed";

export interface WorkerState {
  readonly id: string;
  readonly status: "pending" | "running" | "stopped";
  /** For stopped workers: why, classified from the stop code/reason and container exit code. */
  readonly end?: WorkerEnd;
  readonly reason?: string;
  readonly exitCode?: number;
}

export interface Launcher {
  launch(request: LaunchWorkersRequest): Promise<LaunchWorkersResult>;
  describe(ids: readonly string[]): Promise<WorkerState[]>;
  /** The run set's workers that are starting or running now, not those told to stop; so a new
   * run counts the workers an earlier one left running. */
  list?(): Promise<string[]>;
}

/** Finding and stopping a run set's workers, for `modelfleet stop`. */
export interface WorkerControl {
  list(): Promise<string[]>;
  describe(ids: readonly string[]): Promise<WorkerState[]>;
  /** Tells workers to stop: SIGTERM now, a kill after the task's stop timeout. */
  stop(
    ids: readonly string[],
    reason: string,
  ): Promise<{
    readonly told: readonly string[];
    readonly failures: ReadonlyArray<{ id: string; reason: string }>;
  }>;
}
