// The engine: a pool of workers that lease realisations from a work queue, run each through
// the agent, retry infrastructure failures, duplicate stragglers, and stop gracefully.
//
// Each worker is pipelined so that file-system work stays off the models' critical path:
// while one model runs, the worker leases the next realisation and prepares its work folder;
// when a model exits, its outputs are read and published in the background while the next
// model already runs. An item is acked only once its result is published, so a crash at any
// point leaves it on the queue (and unpublished) for the next run.
import { join } from "node:path";
import type { DiskSpace } from "../agent/disk-space.ts";
import type { ModelProcessResult } from "../agent/model-process.ts";
import {
  type AttemptInput,
  type AttemptOutcome,
  completeAttempt,
  executeAttempt,
  prepareAttempt,
  publishAttempt,
  type RunConfig,
  runAttempt,
} from "../agent/realisation.ts";
import { createShellLauncher, type ShellLauncher, shellLauncherAvailable } from "../agent/shell-launcher.ts";
import { createWorkFolders } from "../agent/work-folders.ts";
import { workdirName } from "../agent/workdir-name.ts";
import { errorMessage } from "../errors.ts";
import { type LongTimeout, setLongTimeout } from "../long-timeout.ts";
import { median, type PlannedRealisation } from "../plan/plan.ts";
import type { Failure, RealisationResult } from "../results/realisation-result.ts";
import type { ResultStore } from "../store/result-store.ts";
import { type Clock, systemClock } from "./clock.ts";
import { createMemoryQueue } from "./memory-queue.ts";
import { createTrash } from "./trash.ts";
import type { Lease, WorkQueue } from "./work-queue.ts";

/** Runs a command (the trash's `rm -rf`) through the launcher shell, to its end. */
async function runThrough(launcher: ShellLauncher, argv: readonly string[]): Promise<void> {
  const launched = await launcher.launch({ argv, cwd: "/", logFile: "/dev/null" });
  if ((await launched.exit).lost) throw new Error("the launcher shell exited");
}

/** Errors that say the store cannot take writes at all, rather than this one. */
const STORE_REFUSALS = new Set(["ENOSPC", "EDQUOT", "EROFS", "EACCES", "EPERM", "ENOTDIR"]);

function isStoreRefusal(e: unknown): boolean {
  for (let c: unknown = e, depth = 0; c instanceof Error && depth < 5; c = c.cause, depth++) {
    const code = (c as NodeJS.ErrnoException).code;
    if (code !== undefined && STORE_REFUSALS.has(code)) return true;
    if (c.name === "StoreRefusedError") return true;
  }
  return false;
}

export interface WorkItem {
  readonly id: string;
  readonly key: string;
  /** The published result a deliberate re-run replaces (see PlannedRealisation). */
  readonly replaces?: string;
}

export type EngineEvent =
  | { type: "started"; id: string; worker: string; attempt: number; duplicate: boolean }
  /** The model process ended (its outputs are still to be read and published). */
  | { type: "exited"; id: string; worker: string; duplicate: boolean }
  | { type: "finished"; id: string; result: RealisationResult; duplicate: boolean }
  | { type: "retrying"; id: string; attempt: number; failure: Failure }
  | { type: "duplicated"; id: string; elapsedSeconds: number; medianSeconds: number }
  | { type: "abandoned"; id: string; reason: string }
  | { type: "stopping"; graceMs: number }
  /** The results store refused a write (full, read-only): no new runs start. */
  | { type: "store_failed"; id: string; reason: string }
  | { type: "killing"; running: number };

export interface EngineOptions {
  readonly config: RunConfig;
  readonly items: readonly PlannedRealisation[];
  readonly store: ResultStore;
  readonly workers: number;
  /** Work directories are made under here, one per attempt. */
  readonly workRoot: string;
  readonly keepWorkdirs?: boolean;
  readonly retries: { readonly infrastructure: number; readonly model: number };
  readonly slowRuns?: { readonly duplicateAfter: number; readonly minCompleted: number };
  readonly queue?: WorkQueue<WorkItem>;
  readonly clock?: Clock;
  readonly onEvent?: (event: EngineEvent) => void;
  /** Aborted: stop leasing; running realisations get `graceMs` to finish, then are killed. */
  readonly stop?: AbortSignal;
  /** Aborted: kill running realisations now; nothing half-done is published. */
  readonly kill?: AbortSignal;
  readonly graceMs?: number;
  /** Name prefix of the workers (host name locally, task id in the cloud). */
  readonly workerName?: string;
  /** Told the pid of every model as it starts (the journal the next run reaps from). */
  readonly onModelStarted?: (pid: number) => void;
  /** How full the work folders' disk is (default: the real file system). */
  readonly diskSpace?: DiskSpace;
  /** The plan generation results are published under (store/plan-record.ts). */
  readonly generation?: number;
}

/** A realisation that ran but whose result could not be published. */
export interface Unpublished {
  readonly id: string;
  readonly reason: string;
  /** Its work folder, kept so that nothing it produced is lost. */
  readonly workdir?: string;
}

export interface EngineSummary {
  readonly published: number;
  readonly ok: number;
  readonly failed: number;
  /** Realisations left unpublished by a stop (they run on the next `run`). */
  readonly interrupted: number;
  /** Kept work directories of failed realisations. */
  readonly keptWorkdirs: string[];
  readonly wallSeconds: number;
  readonly stopped: boolean;
  /** Realisations that ran but could not be published (they run again on the next `run`). */
  readonly unpublished: readonly Unpublished[];
  /** Why the results store refused writes, when it did: the run stopped starting models. */
  readonly storeFailure?: string;
}

/** One realisation in a worker's hands, from lease to ack. */
interface Job {
  readonly lease: Lease<WorkItem>;
  readonly input: AttemptInput;
  readonly controller: AbortController;
  readonly heartbeat: NodeJS.Timeout;
  /** A failure while preparing its work folder, if any. */
  readonly early: Pick<AttemptOutcome, "status" | "failure" | "observations"> | undefined;
}

/** What the engine knows of a realisation being run (possibly twice, when duplicated). */
interface Running {
  readonly id: string;
  readonly key: string;
  readonly replaces: string | undefined;
  readonly started: number;
  readonly controllers: AbortController[];
  duplicated: boolean;
  /** Set once any copy has published: the others are superseded. */
  settled: boolean;
}

const LEASE_MS = 60_000;
const IDLE_POLL_MS = 50;
/** Results a worker may have in flight to the store before it waits. */
const MAX_PENDING_PUBLISHES = 4;

export async function runEngine(options: EngineOptions): Promise<EngineSummary> {
  const clock = options.clock ?? systemClock;
  const emit = options.onEvent ?? (() => {});
  const unpublished = new Map<string, Unpublished>();
  let storeFailure: string | undefined;
  // Publishing can fail too (disk full, store unreachable); past this many receives an item
  // is set aside, unpublished, rather than tried forever. The next `run` tries it again.
  const queue =
    options.queue ??
    createMemoryQueue<WorkItem>({
      clock,
      maxReceiveCount: options.retries.infrastructure + options.retries.model + 3,
      onDeadLetter: (item, receives) => {
        const last = unpublished.get(item.id);
        const reason = `set aside after ${receives} attempts that could not be published${last ? `: ${last.reason}` : ""}`;
        unpublished.set(item.id, { ...last, id: item.id, reason });
        emit({ type: "abandoned", id: item.id, reason });
      },
    });
  const values = new Map(options.items.map((p) => [p.id, p.values]));
  const started = clock.now();
  const running = new Map<string, Running>();
  const walls: number[] = [];
  const kept: string[] = [];
  const cleanups: Promise<unknown>[] = [];
  let ok = 0;
  let failed = 0;
  let acked = 0;
  let stopping = options.stop?.aborted ?? false;
  /** A stop asked for (Ctrl-C), as opposed to one forced by a store that refuses writes. */
  let stopAsked = stopping;

  await queue.enqueue(
    options.items.map((p) => ({
      id: p.id,
      key: p.key,
      ...(p.replaces === undefined ? {} : { replaces: p.replaces }),
    })),
  );
  const generation = options.generation === undefined ? {} : { generation: options.generation };

  // One shell starts every worker's models (see shell-launcher.ts), and the trash's `rm -rf`
  // too: forking the engine's own large process for each would block its event loop.
  const launcher = shellLauncherAvailable()
    ? createShellLauncher({ ...process.env, ...options.config.env })
    : undefined;
  const trash = createTrash(options.workRoot, launcher ? { run: (argv) => runThrough(launcher, argv) } : {});
  const removeLater = (dir: string) => cleanups.push(trash.discard(dir));
  // A finished realisation's folder is restored for another rather than removed, so the model
  // folder is copied once per folder, not once per realisation.
  const folders = createWorkFolders({
    config: options.config,
    root: options.workRoot,
    spare: Math.max(1, options.workers) + 2,
    discardNow: (path) => trash.discardNow(path),
  });
  const reuseLater = (dir: string) =>
    cleanups.push(
      folders.giveBack(dir).then((taken) => {
        if (!taken) return trash.discard(dir);
      }),
    );
  const killAll = () => {
    for (const r of running.values()) for (const c of r.controllers) c.abort();
  };
  let graceTimer: LongTimeout | undefined;
  const onStop = () => {
    if (stopAsked) return;
    stopAsked = true;
    stopping = true;
    const graceMs = options.graceMs ?? 10_000;
    emit({ type: "stopping", graceMs });
    graceTimer = setLongTimeout(() => {
      emit({ type: "killing", running: running.size });
      killAll();
    }, graceMs);
  };
  const onKill = () => {
    stopAsked = true;
    stopping = true;
    emit({ type: "killing", running: running.size });
    killAll();
  };
  options.stop?.addEventListener("abort", onStop, { once: true });
  options.kill?.addEventListener("abort", onKill, { once: true });
  if (options.kill?.aborted) onKill();

  /** Leases the next realisation and prepares its work folder; undefined when none is visible. */
  const prepareNext = async (worker: string): Promise<Job | undefined> => {
    if (stopping) return undefined;
    const lease = await queue.lease({ visibilityMs: LEASE_MS, waitMs: 0 });
    if (!lease) return undefined;
    const item = lease.item;
    const attempt = lease.receiveCount;
    const controller = new AbortController();
    const record: Running = running.get(item.id) ?? {
      id: item.id,
      key: item.key,
      replaces: item.replaces,
      started: clock.now(),
      controllers: [],
      duplicated: false,
      settled: false,
    };
    record.controllers.push(controller);
    running.set(item.id, record);
    const input: AttemptInput = {
      id: item.id,
      key: item.key,
      values: values.get(item.id) ?? new Map(),
      attempt,
      worker,
      workdir: join(options.workRoot, workdirName(item.id, attempt)),
      folders,
      signal: controller.signal,
      ...generation,
      ...(item.replaces === undefined ? {} : { replaces: item.replaces }),
      ...(options.onModelStarted ? { onSpawn: options.onModelStarted } : {}),
      ...(options.diskSpace ? { diskSpace: options.diskSpace } : {}),
    };
    const heartbeat = setInterval(() => queue.heartbeat(lease, LEASE_MS).catch(() => {}), LEASE_MS / 3);
    const early = await prepareAttempt(options.config, input);
    return { lease, input, controller, heartbeat, early };
  };

  /** Publishes a realisation's result (or sends it back for a retry) and acks its lease. */
  const settle = async (job: Job, outcome: AttemptOutcome, duplicate = false): Promise<void> => {
    const { lease, input } = job;
    const record = running.get(input.id);
    try {
      if (outcome.status === "aborted") {
        if (record?.settled) {
          await queue.ack(lease); // its duplicate published it
          acked++;
        } else {
          await queue.release(lease);
          emit({
            type: "abandoned",
            id: input.id,
            reason: "stopped before it finished; it runs on the next `run`",
          });
        }
        removeLater(input.workdir);
        return;
      }
      const failure = outcome.failure;
      const allowed =
        failure?.kind === "infrastructure" ? options.retries.infrastructure : options.retries.model;
      if (failure && input.attempt <= allowed && !stopping && !record?.settled) {
        emit({ type: "retrying", id: input.id, attempt: input.attempt + 1, failure });
        reuseLater(input.workdir);
        await queue.release(lease);
        return;
      }
      await publish(input, outcome, duplicate);
      unpublished.delete(input.id);
      await queue.ack(lease);
      acked++;
    } catch (e) {
      // Publishing failed: the work folder stays (nothing the model made is lost) and the
      // item goes back. A store that refuses writes (full, read-only) stops new runs: every
      // further result would be lost the same way.
      const reason = errorMessage(e);
      unpublished.set(input.id, { id: input.id, reason, workdir: input.workdir });
      if (isStoreRefusal(e)) {
        if (storeFailure === undefined) {
          storeFailure = reason;
          stopping = true;
        }
        emit({ type: "store_failed", id: input.id, reason });
      } else {
        emit({ type: "abandoned", id: input.id, reason: `could not publish: ${reason}` });
      }
      await queue.release(lease).catch(() => {});
    } finally {
      clearInterval(job.heartbeat);
      if (record && !record.duplicated) running.delete(input.id);
    }
  };

  const publish = async (input: AttemptInput, outcome: AttemptOutcome, duplicate: boolean) => {
    const record = running.get(input.id);
    if (record?.settled) return;
    if (record) {
      record.settled = true;
      // The other copy of a duplicated run (this one's own has ended: aborting it would only
      // cost an AbortError made for nobody).
      for (const c of record.controllers) if (c.signal !== input.signal) c.abort();
    }
    const keepDir = outcome.status !== "ok" || options.keepWorkdirs === true;
    const { result, publish } = await publishAttempt(
      options.store,
      options.config,
      input,
      outcome,
      outcome.status !== "ok" ? { keptWorkdir: input.workdir } : {},
    );
    if (publish === "published") {
      if (result.status === "ok") {
        ok++;
        walls.push(result.wallSeconds);
      } else {
        failed++;
        kept.push(input.workdir);
      }
      emit({ type: "finished", id: input.id, result, duplicate });
    }
    if (!keepDir) reuseLater(input.workdir);
    if (record?.duplicated) running.delete(input.id);
  };

  /** An idle worker starts a second copy of a run that takes far longer than the median. */
  const duplicateStraggler = async (worker: string): Promise<boolean> => {
    const slow = options.slowRuns;
    if (!slow || walls.length < slow.minCompleted || stopping) return false;
    const med = median(walls)!;
    const now = clock.now();
    for (const r of running.values()) {
      const elapsed = (now - r.started) / 1000;
      if (r.duplicated || r.settled || elapsed <= slow.duplicateAfter * med) continue;
      r.duplicated = true;
      emit({ type: "duplicated", id: r.id, elapsedSeconds: elapsed, medianSeconds: med });
      const controller = new AbortController();
      r.controllers.push(controller);
      const input: AttemptInput = {
        id: r.id,
        key: r.key,
        values: values.get(r.id) ?? new Map(),
        attempt: 1,
        worker,
        workdir: join(options.workRoot, workdirName(r.id, "dup")),
        signal: controller.signal,
        ...generation,
        ...(r.replaces === undefined ? {} : { replaces: r.replaces }),
        ...(options.onModelStarted ? { onSpawn: options.onModelStarted } : {}),
        ...(options.diskSpace ? { diskSpace: options.diskSpace } : {}),
      };
      emit({ type: "started", id: r.id, worker, attempt: 1, duplicate: true });
      const outcome = await runAttempt(options.config, input);
      emit({ type: "exited", id: r.id, worker, duplicate: true });
      // Only a success settles a straggler early; any other end is left to the original.
      if (outcome.status === "ok") await publish(input, outcome, true).catch(() => {});
      else removeLater(input.workdir);
      return true;
    }
    return false;
  };

  const workerLoop = async (n: number) => {
    const worker = `${options.workerName ?? "local"}-${n}`;
    const pending = new Set<Promise<void>>();
    const track = (p: Promise<void>) => {
      pending.add(p);
      void p.finally(() => pending.delete(p));
    };
    let next = prepareNext(worker);
    for (;;) {
      const job = await next;
      if (job && stopping) {
        // Prepared before the stop: nothing new starts after one.
        next = Promise.resolve(job);
        break;
      }
      if (!job) {
        if (stopping) break;
        const counts = await queue.counts();
        if (counts.visible === 0 && counts.inFlight === 0 && pending.size === 0) break;
        if (!(await duplicateStraggler(worker))) await clock.sleep(IDLE_POLL_MS, options.stop);
        next = prepareNext(worker);
        continue;
      }
      if (job.early) {
        next = prepareNext(worker);
        const now = new Date();
        track(settle(job, { ...job.early, startedAt: now, endedAt: now }));
        continue;
      }
      const startedAt = new Date();
      emit({ type: "started", id: job.input.id, worker, attempt: job.input.attempt, duplicate: false });
      const proc: Promise<ModelProcessResult> = executeAttempt(options.config, {
        ...job.input,
        ...(launcher ? { launcher } : {}),
      });
      // The next realisation's work folder is made while this model runs.
      next = prepareNext(worker);
      const result = await proc;
      emit({ type: "exited", id: job.input.id, worker, duplicate: false });
      track(completeAttempt(options.config, job.input, result, startedAt).then((o) => settle(job, o)));
      while (pending.size >= MAX_PENDING_PUBLISHES) await Promise.race(pending);
    }
    const leftover = await next;
    if (leftover) {
      // Prepared but never started (a stop): back on the queue, unpublished.
      clearInterval(leftover.heartbeat);
      running.delete(leftover.input.id);
      removeLater(leftover.input.workdir);
      await queue.release(leftover.lease);
    }
    await Promise.all(pending);
  };

  try {
    await Promise.all(Array.from({ length: Math.max(1, options.workers) }, (_, i) => workerLoop(i + 1)));
    graceTimer?.clear();
    options.stop?.removeEventListener("abort", onStop);
    options.kill?.removeEventListener("abort", onKill);
    await Promise.all(cleanups);
    await folders.close();
    await trash.drain();
  } finally {
    launcher?.close();
  }
  return {
    published: ok + failed,
    ok,
    failed,
    interrupted: Math.max(0, options.items.length - acked),
    keptWorkdirs: kept,
    wallSeconds: (clock.now() - started) / 1000,
    stopped: stopAsked,
    unpublished: [...unpublished.values()],
    ...(storeFailure === undefined ? {} : { storeFailure }),
  };
}
