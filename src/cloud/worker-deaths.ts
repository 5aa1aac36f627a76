// When workers that keep dying end a run set: which ends count as deaths, how they are
// grouped for a person to read, and the judgement itself: at most `limit` workers may stop
// with a failure (and no result published) since the run started or since its last result.
// Pure; the RunTask pool and the follower of service-run sets both use it.
import { UserError } from "../errors.ts";
import type { WorkerEnd, WorkerState } from "./launcher.ts";

/** Ends that are not the worker's failure: they do not count towards giving up. */
export const NOT_A_DEATH: ReadonlySet<WorkerEnd> = new Set(["completed", "spot_interruption", "stopped"]);

export function isDeath(end: WorkerEnd | undefined): boolean {
  return !NOT_A_DEATH.has(end ?? "stopped");
}

export interface DeathGroup {
  readonly end: WorkerEnd;
  readonly reason: string | undefined;
  readonly exitCode: number | undefined;
  readonly count: number;
  /** One worker that ended this way. */
  readonly example: string;
}

/** Groups deaths by end, reason and exit code, the most frequent first. */
export function groupDeaths(deaths: readonly WorkerState[]): DeathGroup[] {
  const groups = new Map<
    string,
    { end: WorkerEnd; reason?: string; exitCode?: number; count: number; example: string }
  >();
  for (const d of deaths) {
    const end = d.end ?? "failed";
    const key = JSON.stringify([end, d.reason, d.exitCode]);
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { end, reason: d.reason, exitCode: d.exitCode, count: 1, example: d.id });
  }
  return [...groups.values()]
    .sort((a, b) => b.count - a.count)
    .map((g) => ({ end: g.end, reason: g.reason, exitCode: g.exitCode, count: g.count, example: g.example }));
}

/** The grouped reasons, one line each: `  3 × failed (exit code 1): <reason>; e.g. <task>`. */
export function deathLines(groups: readonly DeathGroup[]): string[] {
  const width = Math.max(...groups.map((g) => String(g.count).length));
  return groups.map(
    (g) =>
      `  ${String(g.count).padStart(width)} × ${g.end}${g.exitCode === undefined ? "" : ` (exit code ${g.exitCode})`}: ${g.reason ?? "no reason given"}; e.g. ${g.example}`,
  );
}

/** Workers died one after another without a result; the message lists why, grouped. */
export class WorkersFailingError extends UserError {
  readonly deaths: number;
  readonly groups: readonly DeathGroup[];
  constructor(options: {
    deaths: number;
    limit: number;
    groups: readonly DeathGroup[];
    logHint?: string;
    /** What was done about it (default: no more are started). */
    consequence?: string;
  }) {
    const { deaths, limit, groups } = options;
    super(
      [
        `${deaths} workers in a row stopped without a result (the limit is max(3, cloud.max_workers) = ${limit}), ${options.consequence ?? "so no more are started"}:`,
        ...deathLines(groups),
        options.logHint === undefined
          ? "Look at a worker's log: the task definition's log configuration names its log group, and the log stream ends in the task id."
          : `Look at a worker's log: ${options.logHint}`,
      ].join("\n"),
    );
    this.name = "WorkersFailingError";
    this.deaths = deaths;
    this.groups = groups;
  }
}

/** A worker that stopped, and when (ms since the epoch). */
export interface StoppedWorker extends WorkerState {
  readonly status: "stopped";
  readonly stoppedAt: number;
}

export interface CrashLoop {
  readonly deaths: readonly StoppedWorker[];
  readonly groups: readonly DeathGroup[];
}

/** Whether workers are crash-looping: `limit` or more of them stopped with a failure after
 * `since` (the run's start, or its last result, whichever is later). */
export function judgeCrashLoop(options: {
  readonly stopped: readonly StoppedWorker[];
  readonly since: number;
  readonly limit: number;
}): CrashLoop | undefined {
  const deaths = options.stopped
    .filter((w) => w.stoppedAt > options.since && isDeath(w.end))
    .sort((a, b) => b.stoppedAt - a.stoppedAt);
  if (deaths.length < Math.max(1, options.limit)) return undefined;
  return { deaths, groups: groupDeaths(deaths) };
}
