// Where results live: the same layout on disk and in S3 (see docs/architecture.md).
//   <root>/<project>/<scenario>/plan.json                          the current plan
//   <root>/<project>/<scenario>/realisations/<id>/result.json      published last
//   <root>/<project>/<scenario>/realisations/<id>/attempts/<attempt>/files/<path>   kept files
//   <root>/<project>/<scenario>/realisations/<id>/attempts/<attempt>/log.txt
//   <root>/<project>/<scenario>/<name>                            summary.json, report.html, ...
// Each attempt writes its kept files and log under a folder of its own and names them in its
// result.json: an attempt that loses a publishing race, or that a later result replaces,
// never writes where the published result's files are.
import type { RealisationResult } from "../results/realisation-result.ts";
import type { NewPlan, PlanRecord } from "./plan-record.ts";
import type { PublishOptions } from "./result-rules.ts";

export interface RunSetRef {
  readonly project: string;
  readonly scenario: string;
}

export type PublishOutcome = "published" | "already-published";

/** A published result's id and a version that changes whenever its result.json is rewritten. */
export interface ResultVersion {
  readonly id: string;
  readonly version: string;
}

/** One file of one attempt of a realisation. */
export interface AttemptFile {
  readonly runSet: RunSetRef;
  readonly id: string;
  /** The attempt's name (RealisationResult.attempt). */
  readonly attempt: string;
}

export interface StoredFile {
  readonly size: number;
  readonly sha256: string;
  /** Where it is, relative to the realisation's folder. */
  readonly stored: string;
}

/** A run-set file's content: whole, or in chunks made as they are written (a file larger
 * than a string may be, such as parameters.csv of 10,000 x 8,000 values). */
export type RunSetFileContent = string | Uint8Array | Iterable<Uint8Array>;

export interface ResultStore {
  /** Human-readable location, e.g. a folder or s3://bucket/prefix. */
  readonly location: string;
  /** Location of a run set's folder, for messages and links. */
  runSetLocation(runSet: RunSetRef): string;
  /** The published result of a realisation, if any. */
  getResult(runSet: RunSetRef, id: string): Promise<RealisationResult | undefined>;
  /** Every published result of a run set (order not defined). */
  listResults(runSet: RunSetRef): Promise<RealisationResult[]>;
  /** The same results one at a time, read a few ahead: a caller that lets each go once it
   * has used it holds only those few (aggregating 10,000 results of 1,000 values each). */
  eachResult(runSet: RunSetRef): AsyncIterable<RealisationResult>;
  /** Every published result's id and version, without reading them: a follower reads only
   * the results that are new to it (S3: the listing's ETags; on disk: each file's inode, size
   * and modification time). */
  listResultVersions(runSet: RunSetRef): Promise<ResultVersion[]>;
  /** Copies a local file into the attempt's folder, as `files/<storedPath(path)>`. */
  putFile(file: AttemptFile & { readonly path: string; readonly localPath: string }): Promise<StoredFile>;
  /** Writes the attempt's log; returns where, relative to the realisation's folder. */
  putLog(log: AttemptFile & { readonly text: string }): Promise<string>;
  /**
   * Publishes result.json atomically and last, exactly once: of concurrent publishers of one
   * id and key, one is told "published" and the others "already-published". Which result
   * replaces which is `supersedes` (result-rules.ts). The files of an attempt that does not
   * end up published, and of a result that is replaced, are removed (best effort: they are
   * never referenced again either way).
   */
  publishResult(result: RealisationResult, options?: PublishOptions): Promise<PublishOutcome>;
  /** Removes what an attempt stored (its result was not published). */
  discardAttempt(attempt: AttemptFile): Promise<void>;
  /** Raises the run set's plan generation and records every realisation's key under it. */
  startPlan(runSet: RunSetRef, plan: NewPlan): Promise<PlanRecord>;
  /** The run set's current plan, if a run has started one. */
  currentPlan(runSet: RunSetRef): Promise<PlanRecord | undefined>;
  /** Writes a run-set level file (summary.json, report.md, ...), atomically. */
  putRunSetFile(runSet: RunSetRef, name: string, content: RunSetFileContent): Promise<void>;
  getRunSetFile(runSet: RunSetRef, name: string): Promise<Uint8Array | undefined>;
}
