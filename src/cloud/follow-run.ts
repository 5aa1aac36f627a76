// Follows a run set whose workers are ECS services, one step at a time: what the client does
// every poll while it runs, and what `modelfleet watch` does when run again at any time. Each
// step reads everything it needs from S3, SQS and ECS (the run record, the run's manifest,
// the results), so a follower started hours after the run judges the same way as the client
// that started it:
//
// - results in, and dead letters turned into failed results (so the run set completes);
// - the run record: a run stopped, replaced or given up is no longer followed;
// - crash loops: max(3, max_workers) workers stopped with a failure since the run started or
//   since its last result end the run (the caller scales to zero and says why);
// - regions that cannot start workers (stuck), and each region's desired count: raised to its
//   share, lowered as work runs out (fleet-plan.ts);
// - realisations with neither a message on the queue nor a result for a while (lost);
// - the worker tasks the run has used, for its cost (task-ledger.ts).

import pLimit from "p-limit";
import type { Clock } from "../engine/clock.ts";
import type { WorkQueue } from "../engine/work-queue.ts";
import { errorMessage } from "../errors.ts";
import { KEY_SCHEME } from "../plan/key.ts";
import { parameterValuesHash } from "../results/parameter-hash.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import { attemptOf, isInfrastructureFailure } from "../store/result-rules.ts";
import type { ResultStore, RunSetRef } from "../store/result-store.ts";
import type { WorkMessage } from "./cloud-config.ts";
import { judgeRegion, planDesiredCounts, type RegionHealth } from "./fleet-plan.ts";
import { answers, type RunManifest } from "./run-manifest.ts";
import { judgeMessage, type MessageRun, parseRunRecord, type RunRecord } from "./run-record.ts";
import type { WorkerTask } from "./run-set-status.ts";
import type { TaskLedger } from "./task-ledger.ts";
import { type CrashLoop, judgeCrashLoop } from "./worker-deaths.ts";
import type { FleetState, WorkerFleet } from "./worker-fleet.ts";

export interface DeadLetter {
  readonly item: WorkMessage | undefined;
  readonly receiveCount: number;
}

export type FollowEvent =
  | { readonly type: "finished"; readonly id: string; readonly result: RealisationResult }
  | { readonly type: "queue"; readonly visible: number; readonly inFlight: number }
  | { readonly type: "scaled"; readonly region: string; readonly from: number; readonly to: number }
  | { readonly type: "stuck"; readonly region: string; readonly why: string }
  | { readonly type: "unstuck"; readonly region: string }
  | { readonly type: "fleet_unreadable"; readonly region: string; readonly message: string }
  | { readonly type: "scale_failed"; readonly region: string; readonly message: string };

export interface FollowOptions {
  readonly runSet: RunSetRef;
  readonly store: ResultStore;
  /** Reads the run record (its text, or undefined when there is none). */
  readonly readRecord: () => Promise<string | undefined>;
  readonly run: MessageRun;
  readonly manifest: RunManifest;
  /** Reads (and removes) messages that crashed their workers too often. */
  readonly deadLetters: () => Promise<DeadLetter[]>;
  readonly queue: Pick<WorkQueue<WorkMessage>, "counts">;
  /** Every region's workers, home first; none when workers are started one by one. */
  readonly fleets: readonly WorkerFleet[];
  /** Per region; also the bound on workers that may die without a result: max(3, this). */
  readonly maxWorkers: number;
  /** When the run started (ms since the epoch). */
  readonly startedAt: number;
  readonly clock: Clock;
  /** How long a region may take to start a worker before it counts as stuck (default 10 min). */
  readonly startGraceMs?: number;
  /** How long the queue may hold no message while realisations have no result before they
   * count as lost (default 3 min: SQS's counts lag by a minute or so). */
  readonly emptyQueueGraceMs?: number;
  /** Where the run's worker tasks are kept; without it a step gives only those ECS lists now. */
  readonly ledger?: TaskLedger;
  readonly onEvent?: (event: FollowEvent) => void;
}

export interface FleetView extends FleetState {
  readonly health: RegionHealth;
}

export interface FollowStep {
  /** Realisations of the run with no result yet. */
  readonly pending: ReadonlyMap<string, string>;
  /** Results (and failures from dead letters) this follower has seen come in. */
  readonly published: number;
  readonly deadLettered: number;
  /** The record no longer names this run as running (stopped, replaced, given up). */
  readonly replacedBy?: RunRecord;
  readonly crashLoop?: CrashLoop;
  /** Realisations left with neither a message on the queue nor a result. */
  readonly unfinished?: readonly string[];
  readonly queue?: { readonly visible: number; readonly inFlight: number };
  readonly fleets: readonly FleetView[];
  /** The worker tasks the run has used so far (services only). */
  readonly tasks: readonly WorkerTask[];
}

export interface RunFollower {
  step(): Promise<FollowStep>;
  /** Results seen so far of the run's realisations (the latest, by id). */
  readonly pending: ReadonlyMap<string, string>;
}

/** result.json files read at once. */
const RESULT_READS = 32;

export function createRunFollower(options: FollowOptions): RunFollower {
  const { clock, manifest, store, runSet } = options;
  const emit = options.onEvent ?? (() => {});
  const startGraceMs = options.startGraceMs ?? 10 * 60_000;
  const emptyQueueGraceMs = options.emptyQueueGraceMs ?? 3 * 60_000;
  const entries = new Map(manifest.queued.map((e) => [e[0], e] as const));
  const pending = new Map(manifest.queued.map(([id, key]) => [id, key]));
  let published = 0;
  let deadLettered = 0;
  let lastResultAt = options.startedAt;
  let emptySince: number | undefined;
  let sawMessages = false;
  /** When each region was last asked for more workers: from then on it may count as stuck. */
  const askedAt = new Map(options.fleets.map((f) => [f.region, options.startedAt]));
  const stuck = new Set<string>();
  let lastStates = new Map<string, FleetState>();

  /** Results read that do not answer the run (an earlier result of a realisation it queued
   * again), by id, with their version: read again only once rewritten. */
  const stale = new Map<string, string>();
  let progressRead = false;
  let progressChanged = false;
  const progressName = progressFileName(options.run.id);

  const readProgress = async () => {
    const saved = parseProgress(await store.getRunSetFile(runSet, progressName), options.run.id);
    for (const id of saved?.answered ?? []) {
      if (!pending.delete(id)) continue;
      published++;
    }
    for (const [id, version] of Object.entries(saved?.stale ?? {})) {
      if (pending.has(id)) stale.set(id, version);
    }
  };

  const answered = (id: string, result: RealisationResult) => {
    pending.delete(id);
    stale.delete(id);
    progressChanged = true;
    lastResultAt = Math.max(lastResultAt, Date.parse(result.endedAt) || 0);
  };

  const collect = async () => {
    if (!progressRead) {
      await readProgress();
      progressRead = true;
    }
    // The listing costs a page per thousand objects; only results new to this follower (or
    // rewritten since it read them) are read.
    const fresh = (await store.listResultVersions(runSet)).filter(
      (v) => pending.has(v.id) && stale.get(v.id) !== v.version,
    );
    await pLimit(RESULT_READS).map(fresh, async ({ id, version }) => {
      const result = await store.getResult(runSet, id);
      if (!pending.has(id) || result === undefined) return;
      if (!answers(entries.get(id)!, result)) {
        stale.set(id, version);
        progressChanged = true;
        return;
      }
      answered(id, result);
      published++;
      emit({ type: "finished", id, result });
    });
    for (const letter of await options.deadLetters()) {
      const item = letter.item;
      if (!item || pending.get(item.id) !== item.key) continue;
      const result = {
        // SQS counts this read from the dead-letter queue as a receive too: the workers had
        // one fewer.
        ...deadLetterResult(item, Math.max(1, letter.receiveCount - 1), runSet, clock),
        generation: manifest.generation,
      };
      // A failure for this key may be there already (an earlier run's): this one replaces it,
      // so the realisation has a result of this run.
      const existing = await store.getResult(runSet, item.id);
      const replaces =
        existing?.key === item.key && isInfrastructureFailure(existing) ? attemptOf(existing) : undefined;
      const outcome = await store.publishResult(result, replaces === undefined ? {} : { replaces });
      const kept = outcome === "published" ? result : await store.getResult(runSet, item.id);
      if (kept?.key === item.key) {
        answered(item.id, kept);
        deadLettered++;
        lastResultAt = Math.max(lastResultAt, clock.now());
        emit({ type: "finished", id: item.id, result: kept });
      }
    }
    if (progressChanged) {
      await store.putRunSetFile(runSet, progressName, progressText(options.run.id, manifest, pending, stale));
      progressChanged = false;
    }
  };

  const readFleets = async (): Promise<FleetState[]> => {
    const states = await Promise.all(
      options.fleets.map(async (fleet) => {
        try {
          const state = await fleet.state();
          lastStates.set(fleet.region, state);
          return state;
        } catch (e) {
          emit({ type: "fleet_unreadable", region: fleet.region, message: errorMessage(e) });
          return lastStates.get(fleet.region);
        }
      }),
    );
    return states.filter((s): s is FleetState => s !== undefined);
  };

  const noteTasks = async (states: readonly FleetState[]) => {
    const seen = states.flatMap((s) => s.tasks);
    return options.ledger ? options.ledger.note(seen) : seen;
  };
  const knownTasks = async () => (options.ledger ? options.ledger.known() : []);

  const step = async (): Promise<FollowStep> => {
    await collect();
    const counts = { pending, published, deadLettered };
    if (pending.size === 0) {
      // The last look at the workers: their stops so far, for the run's cost.
      return { ...counts, fleets: [], tasks: await noteTasks(await readFleets()) };
    }
    const base = { ...counts, tasks: await knownTasks() };

    const text = await options.readRecord();
    const record = text === undefined ? undefined : parseRunRecord(text);
    if (!judgeMessage(options.run, record).take) return { ...base, replacedBy: record!, fleets: [] };

    const queue = await options.queue.counts();
    emit({ type: "queue", visible: queue.visible, inFlight: queue.inFlight });
    const now = clock.now();
    if (queue.visible + queue.inFlight > 0) {
      sawMessages = true;
      emptySince = undefined;
    } else {
      // Seen empty at once: it has been empty at most since the run's last news.
      emptySince ??= sawMessages ? now : Math.max(options.startedAt, lastResultAt);
    }
    if (emptySince !== undefined && now - emptySince >= emptyQueueGraceMs) {
      return { ...base, unfinished: [...pending.keys()], queue, fleets: [] };
    }

    const states = await readFleets();
    lastStates = new Map(states.map((s) => [s.region, s]));
    base.tasks = await noteTasks(states);
    const crashLoop = judgeCrashLoop({
      stopped: states.flatMap((s) => s.stopped),
      since: Math.max(options.startedAt, lastResultAt),
      limit: Math.max(3, options.maxWorkers),
    });
    const views = states.map((s) => ({
      ...s,
      health: judgeRegion(s, { since: askedAt.get(s.region) ?? options.startedAt, now, startGraceMs }),
    }));
    if (crashLoop) return { ...base, crashLoop, queue, fleets: views };

    for (const v of views) {
      const isStuck = v.health.state === "stuck";
      if (isStuck && !stuck.has(v.region)) {
        stuck.add(v.region);
        emit({ type: "stuck", region: v.region, why: (v.health as { why: string }).why });
      } else if (!isStuck && stuck.delete(v.region)) {
        emit({ type: "unstuck", region: v.region });
      }
    }
    // Only regions that answered are planned for; the others keep their counts this step.
    const desired = planDesiredCounts({
      regions: views.map((v) => ({ desired: v.desired, stuck: v.health.state === "stuck" })),
      pending: pending.size,
      maxWorkers: options.maxWorkers,
    });
    await Promise.all(
      views.map(async (v, i) => {
        const to = desired[i]!;
        if (to === v.desired) return;
        const fleet = options.fleets.find((f) => f.region === v.region)!;
        try {
          await fleet.scaleTo(to);
          if (v.desired === 0 && to > 0) askedAt.set(v.region, now);
          emit({ type: "scaled", region: v.region, from: v.desired, to });
        } catch (e) {
          emit({ type: "scale_failed", region: v.region, message: errorMessage(e) });
        }
      }),
    );
    return { ...base, queue, fleets: views };
  };

  return { step, pending };
}

/** The follower's progress, kept beside the run's manifest so that the next follower (a
 * `watch --once` a schedule starts) reads only what is new: the realisations whose result
 * answered the run, and the version of each stale result it read. Only a cache: a follower
 * that cannot read it reads every result once. */
interface SavedProgress {
  readonly schema: 1;
  readonly run: string;
  readonly answered: readonly string[];
  readonly stale: Readonly<Record<string, string>>;
}

function progressFileName(runId: string): string {
  return `runs/progress-${runId}.json`;
}

function progressText(
  runId: string,
  manifest: RunManifest,
  pending: ReadonlyMap<string, string>,
  stale: ReadonlyMap<string, string>,
): string {
  const saved: SavedProgress = {
    schema: 1,
    run: runId,
    answered: manifest.queued.flatMap(([id]) => (pending.has(id) ? [] : [id])),
    stale: Object.fromEntries(stale),
  };
  return `${JSON.stringify(saved)}\n`;
}

function parseProgress(bytes: Uint8Array | undefined, runId: string): SavedProgress | undefined {
  if (bytes === undefined) return undefined;
  try {
    const v = JSON.parse(new TextDecoder().decode(bytes)) as Partial<SavedProgress>;
    const ok =
      v?.schema === 1 &&
      v.run === runId &&
      Array.isArray(v.answered) &&
      v.answered.every((id) => typeof id === "string") &&
      typeof v.stale === "object" &&
      v.stale !== null &&
      Object.values(v.stale).every((x) => typeof x === "string");
    return ok ? (v as SavedProgress) : undefined;
  } catch {
    return undefined;
  }
}

/** The result of a realisation whose every delivery ended without one (a dead letter). */
export function deadLetterResult(
  item: WorkMessage,
  receiveCount: number,
  runSet: RunSetRef,
  clock: Clock,
): RealisationResult {
  const now = new Date(clock.now()).toISOString();
  return {
    schema: 1,
    project: runSet.project,
    scenario: runSet.scenario,
    id: item.id,
    key: item.key,
    status: "failed",
    failure: {
      kind: "infrastructure",
      reason: "worker_lost",
      message: `it was delivered ${receiveCount} times and no worker published a result for it, so it went to the dead-letter queue: each time its worker was lost (a model that exhausts the worker's memory or disk does this), or could not fetch its inputs or publish. The workers' logs say which`,
    },
    attempts: receiveCount,
    worker: "",
    startedAt: now,
    endedAt: now,
    wallSeconds: 0,
    cpuSeconds: null,
    peakMemoryMb: null,
    exitCode: null,
    signal: null,
    parametersHash: parameterValuesHash(new Map(Object.entries(item.values))),
    keyScheme: KEY_SCHEME,
    observations: {},
    files: [],
    logTail: "",
  };
}
