// The record of one finished realisation: what `result.json` holds, on disk and in S3.

export type FailureKind = "model" | "infrastructure";

/** Why a realisation failed. Model reasons are final results; infrastructure reasons are
 * retried up to `retries.infrastructure` and re-run on the next `run` if still failed. */
export type FailureReason =
  | "exit_code"
  | "timeout"
  | "success_check"
  | "instructions"
  | "template"
  | "killed"
  | "out_of_memory"
  | "disk_full"
  | "workdir"
  | "spawn"
  | "worker_lost"
  | "publish";

export interface Failure {
  readonly kind: FailureKind;
  readonly reason: FailureReason;
  /** One or two sentences a person can act on. */
  readonly message: string;
}

export interface KeptFile {
  /** Relative to the work directory, with forward slashes, as the model named it. */
  readonly path: string;
  /** Where it is stored, relative to the realisation's folder
   * (`attempts/<attempt>/files/<path>`, with any character a store cannot hold escaped).
   * Absent in results written before attempts had folders of their own (`files/<path>`). */
  readonly stored?: string;
  readonly size: number;
  readonly sha256: string;
}

export interface RealisationResult {
  readonly schema: 1;
  readonly project: string;
  readonly scenario: string;
  readonly id: string;
  /** Hash of everything that determines the realisation's outcome (see plan/key.ts). */
  readonly key: string;
  readonly status: "ok" | "failed";
  readonly failure?: Failure;
  /** Attempts made, including this one. */
  readonly attempts: number;
  /** This attempt's own name: its kept files and log are stored under `attempts/<attempt>/`,
   * so an attempt that loses a race never writes where the winner's files are. */
  readonly attempt?: string;
  /** The run set's plan generation the attempt ran for (see store/plan-record.ts): work of
   * an older plan never replaces a newer plan's result. */
  readonly generation?: number;
  readonly worker: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly wallSeconds: number;
  /** CPU time of the model's process tree, sampled while it ran; null when not measured. */
  readonly cpuSeconds: number | null;
  readonly peakMemoryMb: number | null;
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** The model timeout it ran with: a timeout under a shorter one runs again once it is raised. */
  readonly timeoutSeconds?: number;
  /** SHA-256 of the parameter values it ran with (parameter-hash.ts). The values themselves
   * are the spec's: parameters.csv is written from its parameter source. */
  readonly parametersHash?: string;
  /** How `key` was made (plan/key.ts KEY_SCHEME); absent in results keyed the earlier way. */
  readonly keyScheme?: 2;
  /** The values themselves, in results written before they carried only their hash. */
  readonly parameters?: Readonly<Record<string, number>>;
  readonly observations: Readonly<Record<string, number>>;
  readonly files: readonly KeptFile[];
  /** Files `model.keep` matched that were not kept, with why (a name no store can hold, a
   * link leading out of the work folder, a pipe). */
  readonly notKept?: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  /** Last lines of the model's stdout and stderr (the whole tail is in the log). */
  readonly logTail: string;
  /** Where the log is stored, relative to the realisation's folder (`attempts/<attempt>/log.txt`);
   * absent when the model wrote nothing. Results written before attempts had folders of
   * their own keep it in `log.txt`. */
  readonly log?: string;
  /** Where a failed realisation's work directory was kept, for debugging. */
  readonly workdir?: string;
}

/** A published result that needs no re-run: a success, or a model failure (the model
 * will fail the same way again). Infrastructure failures are worth another try. */
export function isSettled(result: RealisationResult, key: string): boolean {
  if (result.key !== key) return false;
  return result.status === "ok" || result.failure?.kind === "model";
}
