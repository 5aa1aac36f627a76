// What a run queued, kept beside its run record so that whoever follows the run set later (the
// client, `modelfleet watch`, with no state of their own) can tell which realisations still
// wait for a result: `runs/queued-<run>.json` in the run set's folder, one entry per message,
// with its key and the attempt of the result it had when the run was planned (a result that is
// still that one is not news).
import type { RealisationResult } from "../results/realisation-result.ts";
import { attemptOf } from "../store/result-rules.ts";

export interface RunManifest {
  readonly schema: 1;
  readonly run: string;
  readonly generation: number;
  /** [id, key, the attempt of the result published when the run was planned, or null]. */
  readonly queued: ReadonlyArray<readonly [string, string, string | null]>;
  /** The median wall time of earlier successful runs when the run was planned (its cost
   * estimate's basis); absent when there were none. */
  readonly medianWallSeconds?: number;
}

export function runManifestKey(runSetKey: string, runId: string): string {
  return `${runSetKey}/runs/queued-${runId}.json`;
}

export function parseRunManifest(text: string): RunManifest | undefined {
  try {
    const v = JSON.parse(text) as Partial<RunManifest>;
    if (v?.schema === 1 && typeof v.run === "string" && Array.isArray(v.queued)) return v as RunManifest;
  } catch {
    // not JSON
  }
  return undefined;
}

/** A result that answers a queued realisation: its key, and not the one there before. */
export function answers(
  entry: readonly [string, string, string | null],
  result: RealisationResult | undefined,
): boolean {
  return result !== undefined && result.key === entry[1] && attemptOf(result) !== entry[2];
}
