// Where results live: the same layout on disk and in S3 (see docs/architecture.md).
//   <root>/<project>/<scenario>/realisations/<id>/result.json   (published last)
//   <root>/<project>/<scenario>/realisations/<id>/files/<path>  (kept files)
//   <root>/<project>/<scenario>/realisations/<id>/log.txt
//   <root>/<project>/<scenario>/<name>                         (summary.json, report.html, ...)
import type { RealisationResult } from "../results/realisation-result.ts";

export interface RunSetRef {
  readonly project: string;
  readonly scenario: string;
}

export type PublishOutcome = "published" | "already-published";

export interface ResultStore {
  /** Human-readable location, e.g. a folder or s3://bucket/prefix. */
  readonly location: string;
  /** Location of a run set's folder, for messages and links. */
  runSetLocation(runSet: RunSetRef): string;
  /** The published result of a realisation, if any. */
  getResult(runSet: RunSetRef, id: string): Promise<RealisationResult | undefined>;
  /** Every published result of a run set (order not defined). */
  listResults(runSet: RunSetRef): Promise<RealisationResult[]>;
  /** Copies a local file to realisations/<id>/files/<relPath>; returns its size and sha256. */
  putFile(
    runSet: RunSetRef,
    id: string,
    relPath: string,
    localPath: string,
  ): Promise<{ size: number; sha256: string }>;
  putLog(runSet: RunSetRef, id: string, text: string): Promise<void>;
  /**
   * Publishes result.json atomically and last, exactly once: of concurrent publishers of one
   * id and key, one is told "published" and the others "already-published". A published
   * success or model failure with the same key is kept; a result with another key (stale, an
   * input changed) or an infrastructure failure with the same key is replaced.
   */
  publishResult(result: RealisationResult): Promise<PublishOutcome>;
  /** Writes a run-set level file (summary.json, report.md, ...), atomically. */
  putRunSetFile(runSet: RunSetRef, name: string, content: string | Uint8Array): Promise<void>;
  getRunSetFile(runSet: RunSetRef, name: string): Promise<Uint8Array | undefined>;
}
