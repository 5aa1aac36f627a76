// `modelfleet run` on this machine, start to finish: load and validate the spec, take the
// scenario's lock, plan (what is done, what runs), end processes a killed engine left behind,
// run the engine, and gather the run set's results.
import { cpus } from "node:os";
import { resolve } from "node:path";
import type { DiskSpace } from "../agent/disk-space.ts";
import { runConfigFromSpec } from "../agent/run-config.ts";
import { errorMessage, UserError } from "../errors.ts";
import type { IdSelection } from "../params/id-selection.ts";
import { parameterTableOf, planRun, type RunPlan, runSetOf } from "../plan/plan.ts";
import { type RunSetReport, reportRunSet } from "../report/report-run-set.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import { loadSpec, type ResolvedSpec } from "../spec/load.ts";
import { createFsResultStore } from "../store/fs-store.ts";
import type { ResultStore } from "../store/result-store.ts";
import { acquireRunLock, type RunLock } from "../store/run-lock.ts";
import { type EngineEvent, type EngineSummary, runEngine } from "./local-engine.ts";
import { type ModelJournal, openModelJournal, reapRecordedModels } from "./model-journal.ts";
import { removeLeftoverTrash } from "./trash.ts";

export const DEFAULT_RESULTS_ROOT = ".modelfleet/results";
export const DEFAULT_WORK_ROOT = ".modelfleet/work";

export interface LocalRunOptions {
  readonly specFile: string;
  /** The spec already loaded (a calibration's iteration: its own realisations and run set). */
  readonly resolved?: ResolvedSpec;
  readonly resultsRoot?: string;
  readonly workRoot?: string;
  /** Default: the number of cores. */
  readonly workers?: number;
  readonly ids?: IdSelection;
  readonly keepWorkdirs?: boolean;
  readonly retryFailed?: boolean;
  readonly graceMs?: number;
  readonly stop?: AbortSignal;
  readonly kill?: AbortSignal;
  readonly command?: string;
  readonly onPlan?: (plan: RunPlan, resolved: ResolvedSpec, workers: number) => void;
  readonly onEvent?: (event: EngineEvent) => void;
  readonly onOrphans?: (killed: number) => void;
  /** Aggregate and write the reports at the end (default true). */
  readonly report?: boolean;
  /** How full the work folders' disk is (default: the real file system). */
  readonly diskSpace?: DiskSpace;
}

export interface LocalRunReport {
  readonly resolved: ResolvedSpec;
  readonly plan: RunPlan;
  readonly engine: EngineSummary;
  /** The published results of every realisation the run covered (done before, or now). */
  readonly results: RealisationResult[];
  readonly store: ResultStore;
  readonly location: string;
  readonly workers: number;
  readonly report: RunSetReport | undefined;
  /** Why the reports could not be written, when they could not. */
  readonly reportError?: string;
}

export function defaultWorkers(): number {
  return Math.max(1, cpus().length);
}

export async function runLocal(options: LocalRunOptions): Promise<LocalRunReport> {
  const resolved = options.resolved ?? (await loadSpec(options.specFile));
  const runSet = runSetOf(resolved);
  const store = createFsResultStore(resolve(options.resultsRoot ?? DEFAULT_RESULTS_ROOT));
  const location = store.runSetLocation(runSet);
  const command = options.command ?? `modelfleet run ${options.specFile}`;
  const lock = await acquireRunLock(location, { command }).catch((e: unknown) => {
    if (e instanceof UserError) throw e;
    throw new UserError(
      `cannot write results to ${location}: ${errorMessage(e)}; choose another folder with --results`,
    );
  });
  const workRoot = resolve(options.workRoot ?? DEFAULT_WORK_ROOT, runSet.project, runSet.scenario);
  let workLock: RunLock | undefined;
  let journal: ModelJournal | undefined;
  try {
    // Work folders are shared by every results folder of the scenario: a second run of it
    // must not prepare, delete or reap in them, whatever results folder it writes to.
    workLock = await acquireRunLock(workRoot, {
      command,
      what: "the scenario's work folder; give this run its own with --work-dir",
    }).catch((e: unknown) => {
      if (e instanceof UserError) throw e;
      throw new UserError(
        `cannot use ${workRoot} as the work folder: ${errorMessage(e)}; choose another with --work-dir`,
      );
    });
    await removeLeftoverTrash(workRoot);
    const orphans = await reapRecordedModels(workRoot);
    if (orphans > 0) options.onOrphans?.(orphans);
    journal = openModelJournal(workRoot);
    const plan = await planRun(resolved, store, {
      writesTo: [store.location, resolve(options.workRoot ?? DEFAULT_WORK_ROOT)],
      ...(options.ids ? { ids: options.ids } : {}),
      ...(options.retryFailed ? { retryFailed: true } : {}),
    });
    const workers = Math.max(
      1,
      Math.min(options.workers ?? defaultWorkers(), Math.max(1, plan.toRun.length)),
    );
    options.onPlan?.(plan, resolved, workers);
    const config = await runConfigFromSpec(resolved, plan.bundle);
    const current = await store.startPlan(runSet, {
      fingerprint: plan.fingerprint,
      keys: Object.fromEntries(plan.keys),
    });
    const engine = await runEngine({
      config,
      items: plan.toRun,
      store,
      workers,
      workRoot,
      keepWorkdirs: options.keepWorkdirs ?? false,
      retries: resolved.spec.retries,
      ...(resolved.spec.slow_runs
        ? {
            slowRuns: {
              duplicateAfter: resolved.spec.slow_runs.duplicate_after,
              minCompleted: resolved.spec.slow_runs.min_completed,
            },
          }
        : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.stop ? { stop: options.stop } : {}),
      ...(options.kill ? { kill: options.kill } : {}),
      graceMs: options.graceMs ?? 10_000,
      onModelStarted: (pid) => journal?.record(pid),
      generation: current.generation,
      ...(options.diskSpace ? { diskSpace: options.diskSpace } : {}),
    });
    // Only results of the current plan: a result with another key is stale.
    const wanted = new Map(plan.all.map((p) => [p.id, p.key]));
    const results = (await store.listResults(runSet)).filter((r) => wanted.get(r.id) === r.key);
    // The report covers every realisation the spec names, not only an --ids subset.
    const everyId = resolved.realisations.realisations.map((r) => r.id);
    let report: RunSetReport | undefined;
    let reportError: string | undefined;
    if (options.report !== false && engine.storeFailure === undefined) {
      try {
        report = await reportRunSet({
          spec: resolved.spec,
          store,
          plannedIds: everyId,
          currentKeys: plan.keys,
          parameters: parameterTableOf(resolved),
        });
      } catch (e) {
        reportError = errorMessage(e);
      }
    } else if (engine.storeFailure !== undefined) {
      reportError = `the results folder refused writes (${engine.storeFailure})`;
    }
    return {
      resolved,
      plan,
      engine,
      results,
      store,
      location,
      workers,
      report,
      ...(reportError === undefined ? {} : { reportError }),
    };
  } finally {
    journal?.close();
    await workLock?.release();
    await lock.release();
  }
}
