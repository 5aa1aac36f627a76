// `modelfleet run --executor ecs`: the same plan as a local run, executed by cloud workers.
// Uploads the model bundle once (content-addressed) and the run configuration, records the
// run in the run set's folder (run-record.ts), puts one message per realisation on the queue,
// keeps enough workers running, watches results appear in the store, and turns dead-lettered
// messages into failed results. The signal ends this client only: the workers go on with
// what is queued. The run also ends when its record says it was stopped or replaced.
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { ObjectSource } from "../agent/cloud-agent.ts";
import type { Clock } from "../engine/clock.ts";
import { systemClock } from "../engine/clock.ts";
import type { EngineEvent } from "../engine/local-engine.ts";
import type { WorkQueue } from "../engine/work-queue.ts";
import { UserError } from "../errors.ts";
import type { IdSelection } from "../params/id-selection.ts";
import { transformList } from "../params/transforms.ts";
import { bundleKey, createBundleArchive, pathInBundle } from "../plan/bundle-archive.ts";
import { planRun, type RunPlan, runSetOf } from "../plan/plan.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import type { ResolvedSpec } from "../spec/load.ts";
import type { ResultStore } from "../store/result-store.ts";
import type { CloudRunConfig, WorkMessage } from "./cloud-config.ts";
import type { Launcher } from "./launcher.ts";
import { judgeMessage, parseRunRecord, type RunRecord, runRecordKey } from "./run-record.ts";
import { maintainWorkers, type WorkerPoolEvent, type WorkerPoolSummary } from "./worker-pool.ts";

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

export interface DeadLetter {
  readonly item: WorkMessage | undefined;
  readonly receiveCount: number;
}

export type CloudRunEvent =
  | EngineEvent
  | { type: "pool"; event: WorkerPoolEvent }
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
  readonly launcher: Launcher;
  /** Environment of every worker: queue URL, bucket, prefix, idle time. */
  readonly workerEnvironment: Readonly<Record<string, string>>;
  /** Also the bound on workers that may die in a row without a result: max(3, maxWorkers). */
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
  /** The command line, for the run record (default "modelfleet run"). */
  readonly command?: string;
  readonly signal?: AbortSignal;
  readonly onPlan?: (plan: RunPlan) => void;
  readonly onEvent?: (event: CloudRunEvent) => void;
}

export interface CloudRunReport {
  readonly plan: RunPlan;
  readonly runId: string;
  readonly published: number;
  readonly deadLettered: number;
  readonly pool: WorkerPoolSummary;
  readonly wallSeconds: number;
  /** The run set's results at the end; empty when the run was stopped (not read then). */
  readonly results: RealisationResult[];
  /** The signal ended the run before its work was done (the workers go on without it). */
  readonly stopped: boolean;
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
  const runSet = runSetOf(resolved);
  const runId = randomUUID();
  const recordKey = runRecordKey(options.runSetKey);
  // Read before planning: the record is then written only over this version, so a stop (or
  // a run taking the lock over) meanwhile is noticed rather than overwritten.
  const previous = await options.objects.readVersioned(recordKey);
  const plan = await planRun(resolved, options.store, {
    ...(options.ids ? { ids: options.ids } : {}),
    ...(options.retryFailed ? { retryFailed: true } : {}),
    image: options.image ?? "",
  });
  options.onPlan?.(plan);

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

  const record: RunRecord = {
    schema: 1,
    run: runId,
    runConfigKey,
    image: options.image ?? "",
    started: {
      host: hostname(),
      pid: process.pid,
      command: options.command ?? "modelfleet run",
      at: new Date(clock.now()).toISOString(),
    },
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
  const adopted = (await options.launcher.list?.()) ?? [];
  if (earlier && !earlier.stopped) emit({ type: "replacing", previous: earlier, workers: adopted.length });

  const current = await options.store.startPlan(runSet, {
    fingerprint: plan.fingerprint,
    keys: Object.fromEntries(plan.keys),
  });
  const pending = new Map(plan.toRun.map((p) => [p.id, p.key]));
  // A result that was already there (an infrastructure failure being retried) is not news.
  const before = new Map([...plan.published].map(([id, r]) => [id, r.endedAt]));
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

  const poolStop = new AbortController();
  const stopPool = () => poolStop.abort();
  options.signal?.addEventListener("abort", stopPool, { once: true });
  let published = 0;
  let deadLettered = 0;

  const collect = async () => {
    for (const result of await options.store.listResults(runSet)) {
      const key = pending.get(result.id);
      if (key === undefined || result.key !== key || before.get(result.id) === result.endedAt) continue;
      pending.delete(result.id);
      published++;
      emit({ type: "finished", id: result.id, result, duplicate: false });
    }
    for (const letter of await options.deadLetters()) {
      const item = letter.item;
      if (!item || pending.get(item.id) !== item.key) continue;
      const result = {
        ...deadLetterResult(item, letter.receiveCount, runSet, clock),
        generation: current.generation,
      };
      const outcome = await options.store.publishResult(result);
      // Not published: a failure for this key is there already (an earlier run's). The
      // realisation is as done as this run can make it; waiting for it would never end.
      const kept = outcome === "published" ? result : await options.store.getResult(runSet, item.id);
      if (kept?.key === item.key) {
        deadLettered++;
        pending.delete(item.id);
        emit({ type: "finished", id: item.id, result: kept, duplicate: false });
      }
    }
  };

  /** Whether the run record still names this run as running; the record when it does not. */
  const replacedBy = async (): Promise<RunRecord | undefined> => {
    const text = await options.objects.getTextIfExists(recordKey);
    const now = text === undefined ? undefined : parseRunRecord(text);
    return judgeMessage(run, now).take ? undefined : now;
  };

  const pool = maintainWorkers({
    launcher: options.launcher,
    // No worker is launched for a run that was stopped or replaced meanwhile.
    // (A record that cannot be read now is read again at the next poll, which ends the run if
    // S3 keeps failing: the pool goes on meanwhile.)
    desired: async () =>
      poolStop.signal.aborted || (await replacedBy().catch(() => undefined))
        ? 0
        : Math.min(options.maxWorkers, pending.size),
    environment: options.workerEnvironment,
    initialWorkers: adopted,
    clock,
    ...(options.poolPollMs !== undefined ? { pollMs: options.poolPollMs } : {}),
    progress: () => published + deadLettered,
    maxDeathsWithoutProgress: Math.max(3, options.maxWorkers),
    ...(options.workerLogHint ? { logHint: options.workerLogHint } : {}),
    signal: poolStop.signal,
    onEvent: (event) => emit({ type: "pool", event }),
  });
  // A pool that gives up (a quota failure, say) ends the run with its error.
  const poolFailed = pool.then(
    () => undefined,
    (e: unknown) => e,
  );
  let replaced: RunRecord | undefined;
  let unfinished: string[] = [];
  let emptySince: number | undefined;
  const emptyQueueGraceMs = options.emptyQueueGraceMs ?? 3 * 60_000;
  try {
    while (pending.size > 0 && !options.signal?.aborted) {
      await collect();
      if (pending.size === 0) break;
      replaced = await replacedBy();
      if (replaced) break;
      // Realisations with no result and no message anywhere (work dropped or acked without a
      // new result) would keep workers starting and idling for ever: stop waiting for them.
      const counts = await options.queue.counts();
      emit({ type: "queue", visible: counts.visible, inFlight: counts.inFlight });
      if (counts.visible + counts.inFlight > 0) emptySince = undefined;
      else if (emptySince === undefined) emptySince = clock.now();
      else if (clock.now() - emptySince >= emptyQueueGraceMs) {
        unfinished = [...pending.keys()];
        break;
      }
      const failure = await Promise.race([
        poolFailed,
        clock.sleep(options.pollMs ?? 10_000, options.signal).then(() => undefined),
      ]);
      if (failure !== undefined) throw failure;
    }
  } finally {
    poolStop.abort();
    options.signal?.removeEventListener("abort", stopPool);
  }
  const poolSummary = await pool;
  const stopped = (options.signal?.aborted ?? false) && pending.size > 0;
  const wanted = new Map(plan.all.map((p) => [p.id, p.key]));
  const results =
    stopped || replaced
      ? []
      : (await options.store.listResults(runSet)).filter((r) => wanted.get(r.id) === r.key);
  return {
    plan,
    runId,
    published,
    deadLettered,
    pool: poolSummary,
    wallSeconds: (clock.now() - started) / 1000,
    results,
    stopped,
    ...(replaced ? { replacedBy: replaced } : {}),
    unfinished,
    pending: pending.size,
  };
}

function deadLetterResult(
  item: WorkMessage,
  receiveCount: number,
  runSet: { project: string; scenario: string },
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
    parameters: item.values,
    observations: {},
    files: [],
    logTail: "",
  };
}
