// What a run set needs: every realisation with its key, which of them are done (a published
// result with the same key), and which must run.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { type IdSelection, selectIds } from "../params/id-selection.ts";
import type { Realisation } from "../params/types.ts";
import { type ParameterTable, tableOfValues } from "../results/parameter-table.ts";
import { isSettled, type RealisationResult } from "../results/realisation-result.ts";
import type { ResolvedSpec } from "../spec/load.ts";
import { attemptOf } from "../store/result-rules.ts";
import type { ResultStore, RunSetRef } from "../store/result-store.ts";
import { bundleExclusions, hashModelBundle, type ModelBundle } from "./bundle.ts";
import { legacyRealisationKey, realisationKey, runSetFingerprint } from "./key.ts";

export interface PlannedRealisation {
  readonly id: string;
  readonly key: string;
  readonly values: ReadonlyMap<string, number>;
  /** A deliberate re-run (`--retry-failed`): the `attempt` of the published result it
   * replaces (result-rules.ts attemptOf). */
  readonly replaces?: string;
}

export interface RunPlan {
  readonly runSet: RunSetRef;
  readonly bundle: ModelBundle;
  readonly fingerprint: string;
  /** Every realisation the spec (and an --ids filter) names, in spec order. */
  readonly all: readonly PlannedRealisation[];
  /** The key of every realisation the spec names (an --ids filter or not). */
  readonly keys: ReadonlyMap<string, string>;
  readonly toRun: readonly PlannedRealisation[];
  /** Published with the current key: successes and model failures. */
  readonly done: { readonly ok: number; readonly modelFailed: number };
  /** Published with an older key (an input changed since): they run again. */
  readonly stale: number;
  /** Published as infrastructure failures: they run again. */
  readonly infraRetry: number;
  /** Model failures that run again because of --retry-failed. */
  readonly retryFailed: number;
  /** Timeouts under a shorter model.timeout than today's: they run again with the longer one. */
  readonly longerTimeout: number;
  /** Median wall time of earlier successful runs of this run set, if any. */
  readonly medianWallSeconds: number | undefined;
  readonly published: ReadonlyMap<string, RealisationResult>;
  /** Realisations whose published result has this plan's key made the earlier way (key.ts
   * legacyRealisationKey): it ran with the same inputs, whatever its key says. */
  readonly earlierScheme: ReadonlySet<string>;
}

export interface PlanOptions {
  /** Only these ids (from --ids); an id the spec does not have is an error. */
  readonly ids?: IdSelection;
  /** Run model failures again too. */
  readonly retryFailed?: boolean;
  /** Worker image digest (cloud); empty locally. */
  readonly image?: string;
  /** Folders a run writes to (results, work folders): any inside the model folder are left
   * out of the model bundle, so a run never changes the model it runs. */
  readonly writesTo?: readonly string[];
}

export function runSetOf(resolved: ResolvedSpec): RunSetRef {
  return { project: resolved.spec.project, scenario: resolved.spec.scenario };
}

/** Each realisation's parameter values, as the spec's parameter source gives them. */
export function parameterTableOf(resolved: ResolvedSpec): ParameterTable {
  return tableOfValues(new Map(resolved.realisations.realisations.map((r) => [r.id, r.values])));
}

export async function planRun(
  resolved: ResolvedSpec,
  store: ResultStore,
  options: PlanOptions = {},
): Promise<RunPlan> {
  const runSet = runSetOf(resolved);
  const [bundle, templateHashes, instructionHashes, published] = await Promise.all([
    bundleExclusions(resolved.modelDir, options.writesTo ?? []).then((exclude) =>
      hashModelBundle(resolved.modelDir, resolved.root, { exclude }),
    ),
    Promise.all(
      resolved.templates.map(async (t) => ({ writes: t.writes, sha256: await sha256Of(t.source) })),
    ),
    Promise.all(
      resolved.instructions.map(async (i) => ({ reads: i.reads, sha256: await sha256Of(i.source) })),
    ),
    store.listResults(runSet),
  ]);
  const m = resolved.spec.model;
  const fingerprint = runSetFingerprint({
    bundleHash: bundle.hash,
    command: m.command,
    shell: m.shell,
    env: m.env,
    templates: templateHashes,
    instructions: instructionHashes,
    success: m.success,
    image: options.image ?? "",
    transforms: resolved.realisations.transforms,
  });
  const byId = new Map(published.map((r) => [r.id, r]));
  const keys = new Map(
    resolved.realisations.realisations.map((r) => [r.id, realisationKey(fingerprint, r.values)]),
  );
  let selected: readonly Realisation[] = resolved.realisations.realisations;
  if (options.ids) {
    const ids = selectIds(
      selected.map((r) => r.id),
      options.ids,
      `${runSet.project}/${runSet.scenario}`,
    );
    selected = selected.filter((r) => ids.has(r.id));
  }
  // A result published under the earlier way of keying (key.ts; it says no keyScheme) still
  // counts when that key matches: upgrading does not run anything again. It keeps its key until
  // it runs again.
  const earlierScheme = new Set<string>();
  const sameKey = (prior: RealisationResult, r: Realisation, key: string) => {
    if (prior.key === key) return true;
    if (prior.keyScheme !== undefined || prior.key !== legacyRealisationKey(fingerprint, r.values))
      return false;
    earlierScheme.add(r.id);
    return true;
  };

  const all: PlannedRealisation[] = [];
  const toRun: PlannedRealisation[] = [];
  let ok = 0;
  let modelFailed = 0;
  let stale = 0;
  let infraRetry = 0;
  let retryFailed = 0;
  let longerTimeout = 0;
  for (const r of selected) {
    const p: PlannedRealisation = { id: r.id, key: keys.get(r.id)!, values: r.values };
    const prior = byId.get(p.id);
    if (!prior) {
      toRun.push(p);
    } else if (!sameKey(prior, r, p.key)) {
      stale++;
      toRun.push(p);
    } else if (!isSettled(prior, prior.key)) {
      infraRetry++;
      toRun.push(p);
    } else if (ranOutOfTime(prior, resolved.spec.model.timeout)) {
      longerTimeout++;
      toRun.push({ ...p, replaces: attemptOf(prior) });
    } else if (prior.status === "failed" && options.retryFailed) {
      retryFailed++;
      toRun.push({ ...p, replaces: attemptOf(prior) });
    } else {
      if (prior.status === "ok") ok++;
      else modelFailed++;
      if (prior.key !== p.key) {
        keys.set(p.id, prior.key);
        all.push({ ...p, key: prior.key });
        continue;
      }
    }
    all.push(p);
  }
  const walls = published.filter((r) => r.status === "ok").map((r) => r.wallSeconds);
  return {
    runSet,
    bundle,
    fingerprint,
    all,
    keys,
    toRun,
    done: { ok, modelFailed },
    stale,
    infraRetry,
    retryFailed,
    longerTimeout,
    medianWallSeconds: median(walls),
    published: byId,
    earlierScheme,
  };
}

/** A timeout under a shorter limit than the spec's now is worth another try. */
function ranOutOfTime(prior: RealisationResult, timeoutSeconds: number): boolean {
  return (
    prior.failure?.reason === "timeout" &&
    prior.timeoutSeconds !== undefined &&
    prior.timeoutSeconds < timeoutSeconds
  );
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function sha256Of(path: string): Promise<string> {
  return createHash("sha256")
    .update(await readFile(path))
    .digest("hex");
}
