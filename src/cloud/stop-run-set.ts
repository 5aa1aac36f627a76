// `modelfleet stop`: stops a cloud run set cleanly, whether or not a client is following it.
//
// 1. The run record is marked stopped (a conditional write, so a run starting at the same
//    moment is noticed). From then on no worker starts a realisation of that run: each reads
//    the record before it takes a message, and deletes the message instead.
// 2. With services, every region's service is set to zero, so ECS does not start others in
//    their place. The run set's workers are told to stop (ECS StopTask: SIGTERM, then a kill
//    after the task's stop timeout; scale-in protection does not hold StopTask back). A worker on SIGTERM kills its model and puts its message back;
//    nothing half-done is published.
// 3. The queue is emptied of the stopped work, pass after pass, until the workers are gone
//    (or the wait runs out). What a worker still holds comes back after its visibility timeout
//    and is deleted by whichever worker receives it then.
// A later `modelfleet run` writes a record of its own, so it is not held back by the stop, and
// it queues exactly the realisations that still have no result.
import { type Clock, systemClock } from "../engine/clock.ts";
import type { WorkMessage } from "./cloud-config.ts";
import type { ObjectSink } from "./cloud-run.ts";
import type { WorkerControl } from "./launcher.ts";
import {
  judgeMessage,
  type RunRecord,
  type RunRecordParty,
  runRecordKey,
  updateRunRecord,
} from "./run-record.ts";

export interface StopRunSetOptions {
  readonly objects: Pick<ObjectSink, "readVersioned" | "putTextIf">;
  readonly runSetKey: string;
  readonly workers: WorkerControl;
  /** Sets every region's service to zero (with services); returns the regions that refused. */
  readonly scaleDown?: () => Promise<readonly string[]>;
  /** One pass over the queue: deletes the messages `remove` picks; returns how many. */
  readonly drain: (remove: (message: WorkMessage | undefined) => boolean) => Promise<{ removed: number }>;
  /** Messages on the queue now: visible, and held by a worker. */
  readonly counts: () => Promise<{ visible: number; inFlight: number }>;
  /** Who stops it (the record says so). */
  readonly by: Omit<RunRecordParty, "at">;
  readonly clock?: Clock;
  /** How long to wait for the workers to go (default 150 s: ECS allows a task up to 120 s). */
  readonly waitMs?: number;
  /** Between passes (default 2 s). */
  readonly pollMs?: number;
  readonly onEvent?: (event: StopEvent) => void;
}

export type StopEvent =
  | { readonly type: "marked"; readonly record: RunRecord; readonly already: boolean }
  | { readonly type: "scaled_down"; readonly problems: readonly string[] }
  | {
      readonly type: "told";
      readonly workers: number;
      readonly failures: ReadonlyArray<{ id: string; reason: string }>;
    }
  | { readonly type: "waiting"; readonly workers: number; readonly removed: number };

export interface StopReport {
  /** The run as recorded now (stopped); undefined when the run set has no run record. */
  readonly record: RunRecord | undefined;
  readonly alreadyStopped: boolean;
  /** Workers told to stop. */
  readonly told: number;
  readonly tellFailures: ReadonlyArray<{ id: string; reason: string }>;
  /** Workers told to stop that had not stopped when the wait ended. */
  readonly stillStopping: number;
  readonly waitedSeconds: number;
  /** Messages of stopped work deleted from the queue. */
  readonly removed: number;
  /** Messages a worker still held at the end: deleted when they come back. */
  readonly held: number;
}

export async function stopRunSet(options: StopRunSetOptions): Promise<StopReport> {
  const clock = options.clock ?? systemClock;
  const emit = options.onEvent ?? (() => {});
  const key = runRecordKey(options.runSetKey);
  const { record, alreadyStopped } = await markStopped(options, key, clock);
  if (record) emit({ type: "marked", record, already: alreadyStopped });

  if (options.scaleDown) emit({ type: "scaled_down", problems: await options.scaleDown() });

  const reason = `modelfleet stop: ${options.by.command} (pid ${options.by.pid} on ${options.by.host})`;
  const told: string[] = [];
  const failures: Array<{ id: string; reason: string }> = [];
  /** Tells the workers running now and not told yet: a client that launched one just before
   * it saw the stop leaves no worker behind. */
  const tellNew = async () => {
    const fresh = (await options.workers.list()).filter((id) => !told.includes(id));
    if (fresh.length === 0) return 0;
    const outcome = await options.workers.stop(fresh, reason);
    told.push(...outcome.told);
    failures.push(...outcome.failures);
    return outcome.told.length;
  };
  await tellNew();
  emit({ type: "told", workers: told.length, failures: [...failures] });

  // Messages of this run set's record that no worker may take any more. Without a record
  // nothing tells this run set's messages from others', so none are removed.
  const remove = (message: WorkMessage | undefined) =>
    record !== undefined &&
    message?.run !== undefined &&
    message.run.record === key &&
    !judgeMessage(message.run, record).take;

  const started = clock.now();
  const deadline = started + (options.waitMs ?? 150_000);
  let removed = 0;
  let stillStopping = told.length;
  for (;;) {
    removed += (await options.drain(remove)).removed;
    if ((await tellNew()) > 0) stillStopping = told.length;
    if (stillStopping === 0) break;
    const states = await options.workers.describe(told);
    const left = states.filter((s) => s.status !== "stopped").length;
    if (left === 0) {
      stillStopping = 0;
      continue; // one more pass: the last workers put their messages back as they went
    }
    stillStopping = left;
    if (clock.now() >= deadline) break;
    emit({ type: "waiting", workers: left, removed });
    await clock.sleep(options.pollMs ?? 2_000);
  }
  const counts = await options.counts();
  return {
    record,
    alreadyStopped,
    told: told.length,
    tellFailures: failures,
    stillStopping,
    waitedSeconds: (clock.now() - started) / 1000,
    removed,
    held: counts.inFlight,
  };
}

/** Marks the run record stopped (unless it is already), over the version it read. */
async function markStopped(
  options: StopRunSetOptions,
  key: string,
  clock: Clock,
): Promise<{ record: RunRecord | undefined; alreadyStopped: boolean }> {
  let already = false;
  const { record } = await updateRunRecord(options.objects, key, (r) => {
    if (r.stopped) {
      already = true;
      return undefined;
    }
    return { ...r, stopped: { ...options.by, at: new Date(clock.now()).toISOString() } };
  });
  return { record, alreadyStopped: already };
}
