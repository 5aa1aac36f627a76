// The worker tasks a run has used, kept beside its run record (`runs/tasks-<run>.json` in the
// run set's folder): ECS lists a stopped task for only about an hour, so whoever follows the
// run (the client, each `modelfleet watch`) adds the tasks it sees, and the run's cost is
// known at its end however long it ran. A task counts for the run when its billing started at
// or after the run did.
import type { WorkerTask } from "./run-set-status.ts";

export function taskLedgerKey(runSetKey: string, runId: string): string {
  return `${runSetKey}/runs/tasks-${runId}.json`;
}

/** The known tasks with those seen now: a task seen again replaces what was known of it, except
 * that a stop, once seen, stays. Undefined when nothing changed. */
export function mergeTasks(
  known: readonly WorkerTask[],
  seen: readonly WorkerTask[],
  since: number,
): WorkerTask[] | undefined {
  const byId = new Map(known.map((t) => [t.id, t]));
  let changed = false;
  for (const task of seen) {
    if (Date.parse(task.startedAt) < since) continue;
    const before = byId.get(task.id);
    if (before?.stoppedAt !== undefined) continue;
    if (before && before.stoppedAt === task.stoppedAt) continue;
    byId.set(task.id, task);
    changed = true;
  }
  return changed ? [...byId.values()] : undefined;
}

export interface TaskLedger {
  /** The tasks known, read from S3 the first time. */
  known(): Promise<readonly WorkerTask[]>;
  /** Adds the tasks seen now, written to S3 when that changes what is known. */
  note(seen: readonly WorkerTask[]): Promise<readonly WorkerTask[]>;
}

export function createTaskLedger(options: {
  readonly objects: {
    getTextIfExists(key: string): Promise<string | undefined>;
    putText(key: string, text: string): Promise<void>;
  };
  readonly key: string;
  /** When the run started (ms since the epoch): earlier tasks are another run's. */
  readonly since: number;
}): TaskLedger {
  let tasks: readonly WorkerTask[] | undefined;
  const known = async () => {
    tasks ??= parseLedger(await options.objects.getTextIfExists(options.key));
    return tasks;
  };
  return {
    known,
    async note(seen) {
      const merged = mergeTasks(await known(), seen, options.since);
      if (!merged) return tasks!;
      await options.objects.putText(options.key, JSON.stringify({ schema: 1, tasks: merged }));
      tasks = merged;
      return merged;
    },
  };
}

function parseLedger(text: string | undefined): WorkerTask[] {
  if (text === undefined) return [];
  try {
    const v = JSON.parse(text) as { schema?: number; tasks?: WorkerTask[] };
    return v.schema === 1 && Array.isArray(v.tasks) ? v.tasks : [];
  } catch {
    return [];
  }
}
