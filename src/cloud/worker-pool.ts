// Keeps the right number of workers alive while a cloud run has work left.
//
// Each cycle: describe the live workers, note the ones that stopped (and why), ask `desired()`
// how many workers the run wants now (min(max_workers, remaining work)), and launch the
// difference. Workers lost before their work was done (Spot interruption, out of memory, a
// failed start...) are replaced only while work remains; once `desired()` is 0 nothing is
// launched and the pool returns when the last worker has stopped.
//
// Failing launches end in bounded time:
// - non-retryable failures (a quota, a missing cluster) while no worker is alive: an error after
//   `maxLaunchFailures` rounds in a row (default 2, the second a short wait later, because a
//   cluster or task definition created a moment ago may not be visible yet);
// - retryable failures (no capacity, throttling) while no worker is alive: launches are retried
//   with exponential backoff, and an error follows once `deadlineMs` has passed without any worker
//   starting;
// - with workers alive, the run goes on with them and launches are retried with backoff (our own
//   workers stopping frees quota).
//
// Workers that start and die end in bounded time too: once `maxDeathsWithoutProgress` workers
// have died with no result in between (a crash at start, a bad image, a worker killed by its
// model), no more are launched and the pool fails with the stop reasons it saw, grouped.
// Spot interruptions, workers stopped by ECS or a person, and workers that exit after their
// work are not deaths.
import { type Clock, systemClock } from "../engine/clock.ts";
import { errorMessage, UserError } from "../errors.ts";
import type { Launcher, WorkerEnd, WorkerState } from "./launcher.ts";
import { groupDeaths, NOT_A_DEATH, WorkersFailingError } from "./worker-deaths.ts";

export { WorkersFailingError } from "./worker-deaths.ts";

export type WorkerPoolEvent =
  /** Workers started (`count` of `requested`); `live` counts pending and running workers. */
  | { readonly type: "launched"; readonly count: number; readonly requested: number; readonly live: number }
  /** Of the workers just launched, `count` replace lost ones. */
  | { readonly type: "replaced"; readonly count: number }
  /** A worker exited after its work (the queue stayed empty). */
  | { readonly type: "worker_finished"; readonly id: string }
  /** A worker stopped before its work was done. */
  | { readonly type: "worker_lost"; readonly id: string; readonly end: WorkerEnd; readonly reason?: string }
  /** `missing` workers could not be started; `message` says why and what to do. */
  | {
      readonly type: "launch_failed";
      readonly message: string;
      readonly retryable: boolean;
      readonly missing: number;
      readonly retryInMs: number;
    }
  /** The launcher could not say how the workers are; asked again next cycle. */
  | { readonly type: "describe_failed"; readonly message: string };

export interface WorkerPoolSummary {
  /** Workers started over the whole run. */
  readonly launched: number;
  readonly finished: number;
  readonly lost: number;
  readonly lostBy: Readonly<Partial<Record<WorkerEnd, number>>>;
  readonly replaced: number;
  readonly launchRounds: number;
  /** True when the signal ended the pool before the workers had all stopped. */
  readonly aborted: boolean;
  /** Workers still starting or running when the pool returned. */
  readonly live: number;
}

export interface MaintainWorkersOptions {
  readonly launcher: Launcher;
  /** How many workers the run wants now: min(max_workers, remaining work). */
  readonly desired: () => Promise<number>;
  /** Environment for every worker (queue URL, bucket...). */
  readonly environment: Readonly<Record<string, string>>;
  /** Workers already running for this work (left by an earlier run): counted, not launched. */
  readonly initialWorkers?: readonly string[];
  readonly clock?: Clock;
  /** Time between cycles (default 15 s). */
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: WorkerPoolEvent) => void;
  /** Prefix of the launch tokens (default: random); round n uses `<token>-<n>`. */
  readonly token?: string;
  /** Non-retryable launch rounds in a row, with no worker alive, before giving up (default 2). */
  readonly maxLaunchFailures?: number;
  /** How long retryable launch failures may keep the run without any worker (default 15 min). */
  readonly deadlineMs?: number;
  /** First wait after a failed launch round, doubled each time up to 2 min (default 5 s). */
  readonly launchBackoffMs?: number;
  /** Describe failures in a row before giving up (default 5). */
  readonly maxDescribeFailures?: number;
  /** Results the run has had so far; a change means the workers are doing their work. */
  readonly progress?: () => number;
  /** Worker deaths with no progress in between before giving up (default 3). */
  readonly maxDeathsWithoutProgress?: number;
  /** Where to read a worker's log, in words (a command), for the message when giving up. */
  readonly logHint?: (workerId: string) => string | undefined;
}

const MAX_LAUNCH_BACKOFF_MS = 120_000;

export async function maintainWorkers(options: MaintainWorkersOptions): Promise<WorkerPoolSummary> {
  const { launcher, signal } = options;
  const clock = options.clock ?? systemClock;
  const pollMs = options.pollMs ?? 15_000;
  const maxLaunchFailures = Math.max(1, options.maxLaunchFailures ?? 2);
  const deadlineMs = options.deadlineMs ?? 15 * 60_000;
  const launchBackoffMs = options.launchBackoffMs ?? 5_000;
  const maxDescribeFailures = Math.max(1, options.maxDescribeFailures ?? 5);
  const maxDeaths = Math.max(1, options.maxDeathsWithoutProgress ?? 3);
  const tokenPrefix = options.token ?? `mf-${crypto.randomUUID()}`;
  const emit = (event: WorkerPoolEvent) => options.onEvent?.(event);

  const live = new Set<string>(options.initialWorkers ?? []);
  const lostBy: Partial<Record<WorkerEnd, number>> = {};
  let launched = 0;
  let finished = 0;
  let lost = 0;
  let replaced = 0;
  let round = 0;
  /** Lost workers not yet replaced. */
  let owed = 0;
  let nextLaunchAt = Number.NEGATIVE_INFINITY;
  let failedRounds = 0;
  let hardFailuresInARow = 0;
  let failingSince: number | undefined;
  let describeFailures = 0;
  /** Deaths since the last progress. */
  let deaths: WorkerState[] = [];
  let lastProgress = options.progress?.();

  const summary = (aborted: boolean): WorkerPoolSummary => ({
    launched,
    finished,
    lost,
    lostBy: { ...lostBy },
    replaced,
    launchRounds: round,
    aborted,
    live: live.size,
  });

  while (!signal?.aborted) {
    const progress = options.progress?.();
    if (progress !== lastProgress) {
      lastProgress = progress;
      deaths = [];
    }
    if (live.size > 0) {
      try {
        const states = await options.launcher.describe([...live]);
        describeFailures = 0;
        for (const state of states) {
          if (state.status !== "stopped" || !live.delete(state.id)) continue;
          const end = state.end ?? "stopped";
          if (end === "completed") {
            finished++;
            emit({ type: "worker_finished", id: state.id });
          } else {
            lost++;
            owed++;
            lostBy[end] = (lostBy[end] ?? 0) + 1;
            if (!NOT_A_DEATH.has(end)) deaths.push(state);
            emit({
              type: "worker_lost",
              id: state.id,
              end,
              ...(state.reason === undefined ? {} : { reason: state.reason }),
            });
          }
        }
      } catch (error) {
        describeFailures++;
        const message = errorMessage(error);
        if (describeFailures >= maxDescribeFailures) {
          throw new UserError(
            `could not read the state of the workers ${describeFailures} times in a row: ${message}`,
            {
              cause: error,
            },
          );
        }
        emit({ type: "describe_failed", message });
      }
    }
    if (signal?.aborted) break;
    if (deaths.length >= maxDeaths) {
      const groups = groupDeaths(deaths);
      const logHint = options.logHint?.(groups[0]!.example);
      throw new WorkersFailingError({
        deaths: deaths.length,
        limit: maxDeaths,
        groups,
        ...(logHint ? { logHint } : {}),
      });
    }

    const want = Math.max(0, Math.floor(await options.desired()));
    if (want === 0 && live.size === 0) return summary(false);
    // Replacements are owed only while there is work for them.
    owed = Math.min(owed, Math.max(0, want - live.size));
    const need = want - live.size;

    if (need > 0 && clock.now() >= nextLaunchAt) {
      const token = `${tokenPrefix}-${round++}`;
      let result: Awaited<ReturnType<Launcher["launch"]>>;
      try {
        result = await launcher.launch({ count: need, environment: options.environment, token });
      } catch (error) {
        result = { started: [], failures: [{ reason: errorMessage(error), detail: "", retryable: false }] };
      }
      for (const w of result.started) live.add(w.id);
      const count = result.started.length;
      launched += count;
      if (count > 0) {
        emit({ type: "launched", count, requested: need, live: live.size });
        const r = Math.min(count, owed);
        if (r > 0) {
          owed -= r;
          replaced += r;
          emit({ type: "replaced", count: r });
        }
        hardFailuresInARow = 0;
        failingSince = undefined;
      }
      const missing = need - count;
      if (missing > 0) {
        const failures =
          result.failures.length > 0
            ? result.failures
            : [
                {
                  reason: `the launcher started ${count} of ${need} workers without saying why`,
                  detail: "",
                  retryable: true,
                },
              ];
        const hard = failures.find((f) => !f.retryable);
        const first = hard ?? failures[0]!;
        if (count === 0) {
          failingSince ??= clock.now();
          if (hard) hardFailuresInARow++;
        }
        failedRounds++;
        const retryInMs = Math.min(MAX_LAUNCH_BACKOFF_MS, launchBackoffMs * 2 ** (failedRounds - 1));
        if (live.size === 0) {
          if (hard && hardFailuresInARow >= maxLaunchFailures) throw new UserError(first.reason);
          if (failingSince !== undefined && clock.now() - failingSince >= deadlineMs) {
            throw new UserError(
              `no worker could be started in ${Math.round(deadlineMs / 60_000)} min: ${first.reason}`,
            );
          }
        }
        for (const f of failures) {
          emit({ type: "launch_failed", message: f.reason, retryable: f.retryable, missing, retryInMs });
        }
        nextLaunchAt = clock.now() + retryInMs;
      } else {
        failedRounds = 0;
        nextLaunchAt = Number.NEGATIVE_INFINITY;
      }
    }

    // Sleep until the next poll, or sooner when a launch retry falls due first.
    const untilLaunch = want - live.size > 0 ? nextLaunchAt - clock.now() : Number.POSITIVE_INFINITY;
    await clock.sleep(Math.max(0, Math.min(pollMs, untilLaunch)), signal);
  }
  return summary(true);
}
