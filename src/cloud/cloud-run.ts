// `modelfleet run --executor ecs`: the same plan as a local run, executed by cloud workers.
// Uploads the model bundle once (content-addressed) and the run configuration, records the
// run in the run set's folder (run-record.ts, and what it queued: run-manifest.ts), puts one
// message per realisation on the queue, and gets workers going: with ECS services (the cdktf
// stacks), by setting each region's desired count; otherwise by starting tasks and replacing
// lost ones (worker-pool.ts). Then it follows the run set (follow-run.ts) until every
// realisation has a result. The signal ends this client only: the workers go on with what is
// queued. The run also ends when its record says it was stopped, replaced or given up.
import { randomUUID } from "node:crypto";
import type { ObjectSource } from "../agent/cloud-agent.ts";
import type { Clock } from "../engine/clock.ts";
import { systemClock } from "../engine/clock.ts";
import type { EngineEvent } from "../engine/local-engine.ts";
import type { WorkQueue } from "../engine/work-queue.ts";
import { errorMessage, UserError } from "../errors.ts";
import type { IdSelection } from "../params/id-selection.ts";
import { transformList } from "../params/transforms.ts";
import { bundleKey, createBundleArchive, pathInBundle } from "../plan/bundle-archive.ts";
import { planRun, type RunPlan, runSetOf } from "../plan/plan.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import type { ResolvedSpec } from "../spec/load.ts";
import { attemptOf } from "../store/result-rules.ts";
import type { ResultStore } from "../store/result-store.ts";
import type { CloudRunConfig, WorkMessage } from "./cloud-config.ts";
import { giveUpRunSet, partyOf } from "./end-run-set.ts";
import { splitShares } from "./fleet-plan.ts";
import {
  createRunFollower,
  type DeadLetter,
  type FleetView,
  type FollowEvent,
  type FollowStep,
} from "./follow-run.ts";
import type { Launcher } from "./launcher.ts";
import { type RunManifest, runManifestKey } from "./run-manifest.ts";
import { judgeMessage, parseRunRecord, type RunRecord, runRecordKey } from "./run-record.ts";
import type { WorkerTask } from "./run-set-status.ts";
import { createTaskLedger, taskLedgerKey } from "./task-ledger.ts";
import { WorkersFailingError } from "./worker-deaths.ts";
import type { WorkerFleet } from "./worker-fleet.ts";
import { maintainWorkers, type WorkerPoolEvent, type WorkerPoolSummary } from "./worker-pool.ts";

export type { DeadLetter } from "./follow-run.ts";

/** Where the run puts its bundle and configuration (S3 in production). */
export interface ObjectSink extends ObjectSource {
  /** Uploads `localFile` to `key` unless an object is already there. */
  uploadOnce(key: string, localFile: string): Promise<"uploaded" | "present">;
  putText(key: string, text: string): Promise<void>;
  /** The object's text and version (ETag), or undefined when there is none. */
  readVersioned(key: string): Promise<{ readonly text: string; readonly etag: string } | undefined>;
  /** Writes only over version `etag` (undefined: only where there is no object). */
  putTextIf(key: string, text: string, etag: string | undefined): Promise<"written" | "changed">;
}

export type CloudRunEvent =
  | EngineEvent
  | { type: "pool"; event: WorkerPoolEvent }
  /** What the follower saw: regions scaled, stuck or unreadable (services only). */
  | { type: "fleet"; event: Exclude<FollowEvent, { type: "finished" } | { type: "queue" }> }
  | { type: "uploaded"; what: string; key: string; skipped: boolean }
  /** An earlier run had not finished: its queued work is replaced by this run's, and the
   * workers it left running are counted as this run's. */
  | { type: "replacing"; previous: RunRecord; workers: number }
  /** The queue now: messages waiting, and messages a worker holds (realisations running). */
  | { type: "queue"; visible: number; inFlight: number };

export interface CloudRunOptions {
  readonly resolved: ResolvedSpec;
  readonly store: ResultStore;
  readonly objects: ObjectSink;
  /** Key of the run set's folder in the bucket (`<prefix><project>/<scenario>`). */
  readonly runSetKey: string;
  readonly queue: WorkQueue<WorkMessage>;
  /** Reads (and removes) messages that crashed their workers too often. */
  readonly deadLetters: () => Promise<DeadLetter[]>;
  /** Starts workers one by one (outputs without a service). */
  readonly launcher: Launcher;
  /** Every region's service, home first: the run sets their desired counts instead of
   * starting workers itself. Empty or absent: the launcher starts them. */
  readonly fleets?: readonly WorkerFleet[];
  /** One pass over the queue deleting the messages `remove` picks (to give a run up). */
  readonly drain?: (remove: (message: WorkMessage | undefined) => boolean) => Promise<{ removed: number }>;
  /** Environment of every worker: queue URL, bucket, prefix, idle time. */
  readonly workerEnvironment: Readonly<Record<string, string>>;
  /** Per region; also the bound on workers that may die without a result: max(3, maxWorkers). */
  readonly maxWorkers: number;
  /** How to read a worker's log (a command), when workers keep dying. */
  readonly workerLogHint?: (workerId: string) => string | undefined;
  readonly ids?: IdSelection;
  readonly retryFailed?: boolean;
  /** The worker image digest: part of every realisation key in the cloud. */
  readonly image?: string;
  readonly clock?: Clock;
  /** How often results and dead letters are checked (default 10 s). */
  readonly pollMs?: number;
  /** Passed to the worker pool (default 15 s). */
  readonly poolPollMs?: number;
  /** How long the queue may hold no message while realisations still have no result before
   * the run stops waiting for them (default 3 min: SQS's counts lag by a minute or so). */
  readonly emptyQueueGraceMs?: number;
  /** How long a region may take to start a worker before its share goes elsewhere (10 min). */
  readonly startGraceMs?: number;
  /** The command line, for the run record (default "modelfleet run"). */
  readonly command?: string;
  readonly signal?: AbortSignal;
  /** With services: return once the run set is started (queued, each region's count set, and
   * one look at it), leaving the following to `modelfleet watch`. */
  readonly detach?: boolean;
  readonly onPlan?: (plan: RunPlan) => void;
  readonly onEvent?: (event: CloudRunEvent) => void;
}

export interface CloudRunReport {
  readonly plan: RunPlan;
  readonly runId: string;
  /** The run record's key, and the run as its messages name it. */
  readonly run: { readonly id: string; readonly record: string };
  readonly published: number;
  readonly deadLettered: number;
  /** Workers started one by one (without services); with services, the most seen running. */
  readonly pool: WorkerPoolSummary;
  /** With services: each region's service as last seen. */
  readonly fleets: readonly FleetView[];
  /** With services: the worker tasks the run has used so far. */
  readonly tasks: readonly WorkerTask[];
  /** The queue as last seen. */
  readonly queue?: { readonly visible: number; readonly inFlight: number };
  readonly wallSeconds: number;
  /** The run set's results at the end; empty when the run was stopped (not read then). */
  readonly results: RealisationResult[];
  /** The signal ended the run before its work was done (the workers go on without it). */
  readonly stopped: boolean;
  /** Started with `detach` and left to the services and `watch`. */
  readonly detached: boolean;
  /** The run record no longer names this run as running: `modelfleet stop` stopped it, or
   * another run replaced it. */
  readonly replacedBy?: RunRecord;
  /** Realisations left with neither a message on the queue nor a new result. */
  readonly unfinished: readonly string[];
  /** Not yet done when the run ended. */
  readonly pending: number;
}

export async function runOnCloud(options: CloudRunOptions): Promise<CloudRunReport> {
  const clock = options.clock ?? systemClock;
  const emit = options.onEvent ?? (() => {});
  const started = clock.now();
  const { resolved } = options;
  const fleets = options.fleets ?? [];
  const runSet = runSetOf(resolved);
  const runId = randomUUID();
  const recordKey = runRecordKey(options.runSetKey);
  const command = options.command ?? "modelfleet run";
  // Read before planning: the record is then written only over this version, so a stop (or
  // a run taking the lock over) meanwhile is noticed rather than overwritten.
  const previous = await options.objects.readVersioned(recordKey);
  const plan = await planRun(resolved, options.store, {
    ...(options.ids ? { ids: options.ids } : {}),
    ...(options.retryFailed ? { retryFailed: true } : {}),
    image: options.image ?? "",
  });
  options.onPlan?.(plan);

  const runConfigKey = await uploadRunInputs(options, plan, emit);
  const current = await options.store.startPlan(runSet, {
    fingerprint: plan.fingerprint,
    keys: Object.fromEntries(plan.keys),
  });
  const manifest: RunManifest = {
    schema: 1,
    run: runId,
    generation: current.generation,
    queued: plan.toRun.map((p) => {
      const before = plan.published.get(p.id);
      return [p.id, p.key, before ? attemptOf(before) : null] as const;
    }),
    ...(plan.medianWallSeconds === undefined ? {} : { medianWallSeconds: plan.medianWallSeconds }),
  };
  const manifestKey = runManifestKey(options.runSetKey, runId);
  await options.objects.putText(manifestKey, JSON.stringify(manifest));
  const record: RunRecord = {
    schema: 1,
    run: runId,
    runConfigKey,
    image: options.image ?? "",
    started: partyOf(command, clock),
    generation: current.generation,
    manifest: manifestKey,
  };
  const written = await options.objects.putTextIf(
    recordKey,
    `${JSON.stringify(record, null, 2)}\n`,
    previous?.etag,
  );
  if (written === "changed") {
    throw new UserError(
      `${recordKey} changed while this run was starting (\`modelfleet stop\`, or another run taking over); nothing was queued. Run again.`,
    );
  }
  const earlier = previous && parseRunRecord(previous.text);
  const adopted = fleets.length > 0 ? [] : ((await options.launcher.list?.()) ?? []);
  if (earlier && !earlier.stopped && !earlier.finished && !earlier.failed) {
    emit({ type: "replacing", previous: earlier, workers: adopted.length });
  }

  const run = { id: runId, record: recordKey };
  await options.queue.enqueue(
    plan.toRun.map((p) => ({
      id: p.id,
      key: p.key,
      runConfigKey,
      values: Object.fromEntries(p.values),
      run,
      generation: current.generation,
      ...(p.replaces === undefined ? {} : { replaces: p.replaces }),
    })),
  );
  if (fleets.length > 0 && plan.toRun.length > 0) await startFleets(fleets, plan.toRun.length, options, emit);

  const follower = createRunFollower({
    runSet,
    store: options.store,
    readRecord: () => options.objects.getTextIfExists(recordKey),
    run,
    manifest,
    deadLetters: options.deadLetters,
    queue: options.queue,
    fleets,
    maxWorkers: options.maxWorkers,
    startedAt: started,
    clock,
    ledger: createTaskLedger({
      objects: options.objects,
      key: taskLedgerKey(options.runSetKey, runId),
      since: started,
    }),
    ...(options.startGraceMs === undefined ? {} : { startGraceMs: options.startGraceMs }),
    ...(options.emptyQueueGraceMs === undefined ? {} : { emptyQueueGraceMs: options.emptyQueueGraceMs }),
    onEvent: (e) => {
      if (e.type === "finished") emit({ type: "finished", id: e.id, result: e.result, duplicate: false });
      else if (e.type === "queue") emit(e);
      else emit({ type: "fleet", event: e });
    },
  });

  /** Whether the run record still names this run as running. */
  const stillWanted = async () => {
    const text = await options.objects.getTextIfExists(recordKey);
    return judgeMessage(run, text === undefined ? undefined : parseRunRecord(text)).take;
  };
  const poolStop = new AbortController();
  const stopPool = () => poolStop.abort();
  options.signal?.addEventListener("abort", stopPool, { once: true });
  let last: FollowStep | undefined;
  let peakRunning = 0;
  // Without services: keep enough workers alive, replace lost ones, give up on crash loops.
  const pool =
    fleets.length > 0
      ? undefined
      : maintainWorkers({
          launcher: options.launcher,
          // No worker is launched for a run that was stopped or replaced meanwhile. (A record
          // that cannot be read now is read again at the next poll, which ends the run if S3
          // keeps failing: the pool goes on meanwhile.)
          desired: async () =>
            poolStop.signal.aborted || (await stillWanted().catch(() => true)) === false
              ? 0
              : Math.min(options.maxWorkers, follower.pending.size),
          environment: options.workerEnvironment,
          initialWorkers: adopted,
          clock,
          ...(options.poolPollMs !== undefined ? { pollMs: options.poolPollMs } : {}),
          progress: () => (last?.published ?? 0) + (last?.deadLettered ?? 0),
          maxDeathsWithoutProgress: Math.max(3, options.maxWorkers),
          ...(options.workerLogHint ? { logHint: options.workerLogHint } : {}),
          signal: poolStop.signal,
          onEvent: (event) => emit({ type: "pool", event }),
        });
  // A pool that gives up (a quota failure, say) ends the run with its error.
  const poolFailed = pool?.then(
    () => undefined,
    (e: unknown) => e,
  );
  try {
    while (!options.signal?.aborted) {
      last = await follower.step();
      peakRunning = Math.max(
        peakRunning,
        last.fleets.reduce((n, f) => n + f.running, 0),
      );
      if (last.pending.size === 0 || last.replacedBy || last.unfinished) break;
      if (last.crashLoop) {
        const loop = last.crashLoop;
        const example = loop.groups[0]!.example;
        const logHint = options.workerLogHint?.(example);
        const error = new WorkersFailingError({
          deaths: loop.deaths.length,
          limit: Math.max(3, options.maxWorkers),
          groups: loop.groups,
          ...(logHint ? { logHint } : {}),
          consequence: "so every region's workers were scaled to zero and the run was given up",
        });
        await giveUpRunSet({
          objects: options.objects,
          recordKey,
          run,
          fleets,
          reason: error.message,
          by: partyOf(command, clock),
          drain: options.drain ?? (async () => ({ removed: 0 })),
        });
        throw error;
      }
      if (options.detach && fleets.length > 0) break;
      const failure = await Promise.race([
        poolFailed ?? new Promise<undefined>(() => {}),
        clock.sleep(options.pollMs ?? 10_000, options.signal).then(() => undefined),
      ]);
      if (failure !== undefined) throw failure;
    }
  } finally {
    poolStop.abort();
    options.signal?.removeEventListener("abort", stopPool);
  }
  const pending = last?.pending.size ?? plan.toRun.length;
  const lastRunning = last?.fleets.reduce((n, f) => n + f.running + f.pending, 0) ?? 0;
  const poolSummary: WorkerPoolSummary = pool
    ? await pool
    : {
        launched: peakRunning,
        finished: 0,
        lost: 0,
        lostBy: {},
        replaced: 0,
        launchRounds: 0,
        aborted: options.signal?.aborted ?? false,
        live: lastRunning,
      };
  const stopped = (options.signal?.aborted ?? false) && pending > 0;
  const detached = (options.detach ?? false) && fleets.length > 0 && pending > 0 && !last?.replacedBy;
  const wanted = new Map(plan.all.map((p) => [p.id, p.key]));
  const results =
    stopped || detached || last?.replacedBy
      ? []
      : (await options.store.listResults(runSet)).filter((r) => wanted.get(r.id) === r.key);
  return {
    plan,
    runId,
    run,
    published: last?.published ?? 0,
    deadLettered: last?.deadLettered ?? 0,
    pool: poolSummary,
    fleets: last?.fleets ?? [],
    tasks: last?.tasks ?? [],
    ...(last?.queue ? { queue: last.queue } : {}),
    wallSeconds: (clock.now() - started) / 1000,
    results,
    stopped,
    detached,
    ...(last?.replacedBy ? { replacedBy: last.replacedBy } : {}),
    unfinished: last?.unfinished ?? [],
    pending,
  };
}

/** Sets each region's desired count at once, so workers start in seconds rather than after an
 * alarm period. The home region must answer; another region that does not is left to the
 * follower, which gives its share to the others. */
async function startFleets(
  fleets: readonly WorkerFleet[],
  toRun: number,
  options: CloudRunOptions,
  emit: (e: CloudRunEvent) => void,
): Promise<void> {
  const shares = splitShares(
    Math.min(toRun, options.maxWorkers * fleets.length),
    fleets.length,
    options.maxWorkers,
  );
  await Promise.all(
    fleets.map(async (fleet, i) => {
      try {
        await fleet.scaleTo(shares[i]!);
        emit({ type: "fleet", event: { type: "scaled", region: fleet.region, from: 0, to: shares[i]! } });
      } catch (e) {
        if (i === 0) throw e;
        emit({
          type: "fleet",
          event: { type: "scale_failed", region: fleet.region, message: errorMessage(e) },
        });
      }
    }),
  );
}

/** Uploads the model bundle (once) and the run configuration; returns the configuration's key. */
async function uploadRunInputs(
  options: CloudRunOptions,
  plan: RunPlan,
  emit: (e: CloudRunEvent) => void,
): Promise<string> {
  const { resolved } = options;
  const runSet = runSetOf(resolved);
  const outside = [...resolved.templates.map((t) => t.source), ...resolved.instructions.map((i) => i.source)];
  const archive = await createBundleArchive(plan.bundle, outside);
  const bundle = `${options.runSetKey}/${bundleKey(archive.hash)}`;
  let config: CloudRunConfig;
  try {
    const uploaded = await options.objects.uploadOnce(bundle, archive.file);
    emit({ type: "uploaded", what: "model bundle", key: bundle, skipped: uploaded === "present" });
    const m = resolved.spec.model;
    config = {
      schema: 1,
      project: runSet.project,
      scenario: runSet.scenario,
      fingerprint: plan.fingerprint,
      bundle: { hash: archive.hash, key: bundle },
      command: m.command,
      shell: m.shell,
      env: m.env,
      timeoutSeconds: m.timeout,
      templates: resolved.templates.map((t) => ({
        template: pathInBundle(resolved.modelDir, t.source, archive.placed),
        writes: t.writes,
      })),
      instructions: resolved.instructions.map((i) => ({
        file: pathInBundle(resolved.modelDir, i.source, archive.placed),
        reads: i.reads,
      })),
      success: m.success,
      keep: m.keep,
      retries: resolved.spec.retries,
      transforms: transformList(resolved.realisations.transforms),
    };
  } finally {
    await archive.cleanup();
  }
  const runConfigKey = `${options.runSetKey}/runs/${plan.fingerprint}.json`;
  await options.objects.putText(runConfigKey, `${JSON.stringify(config, null, 2)}\n`);
  emit({ type: "uploaded", what: "run configuration", key: runConfigKey, skipped: false });
  return runConfigKey;
}
