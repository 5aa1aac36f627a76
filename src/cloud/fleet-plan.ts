// How many workers each region's service should have: pure rules, tested on their own.
//
// - A run splits its workers over the regions, home first, at most `cloud.max_workers` in
//   each (the limit is per region: Fargate's quotas are).
// - A region that cannot start workers (no capacity, a quota, tasks that never start) is
//   stuck: its share goes to the regions that can, as far as their own limit allows. Its own
//   desired count is left as it is, so it joins in if capacity comes back; that costs nothing
//   while no task runs.
// - As work runs out (fewer realisations without a result than workers wanted), the counts
//   are lowered; scaling in stops only idle workers (the busy ones hold scale-in protection).
import type { FleetState } from "./worker-fleet.ts";

/** `total` workers over `regions` regions, at most `perRegionMax` each, home first:
 * 5 over 2 regions → [3, 2]. */
export function splitShares(total: number, regions: number, perRegionMax: number): number[] {
  if (regions <= 0) return [];
  const capped = Math.max(0, Math.min(Math.floor(total), regions * perRegionMax));
  const base = Math.floor(capped / regions);
  const extra = capped % regions;
  return Array.from({ length: regions }, (_, i) => base + (i < extra ? 1 : 0));
}

/** Service events and stop reasons that say a region cannot place tasks. */
const CANNOT_PLACE =
  /unable to place a task|capacity is unavailable|insufficient capacity|no capacity|limit on the number of|quota|unable to consistently start tasks/i;

export type RegionHealth =
  | { readonly state: "idle" | "working" | "starting" }
  | { readonly state: "stuck"; readonly why: string };

/** Whether a region's service is starting workers: `since` is when it was last asked for
 * more (ms since the epoch), `startGraceMs` how long tasks may take to run before the region
 * counts as stuck. */
export function judgeRegion(
  state: FleetState,
  options: { readonly since: number; readonly now: number; readonly startGraceMs: number },
): RegionHealth {
  if (state.running > 0) return { state: "working" };
  if (state.desired === 0) return { state: "idle" };
  const event = state.events.find((e) => e.at >= options.since && CANNOT_PLACE.test(e.message));
  if (event) return { state: "stuck", why: event.message };
  const stop = state.stopped.find(
    (s) =>
      s.stoppedAt >= options.since &&
      (s.end === "resource_initialization_failed" || CANNOT_PLACE.test(s.reason ?? "")),
  );
  if (stop) return { state: "stuck", why: stop.reason ?? stop.end ?? "a task could not start" };
  if (options.now - options.since >= options.startGraceMs) {
    return {
      state: "stuck",
      why: `no worker has started in ${Math.round((options.now - options.since) / 60_000)} min (${state.pending} pending)`,
    };
  }
  return { state: "starting" };
}

/** The desired count of each region (same order as `regions`, home first) for `pending`
 * realisations without a result: each region that can start workers gets its share of
 * min(pending, max_workers × such regions). That raises a region below its share (a start, a
 * share moved from a stuck region, a count set to zero too early) and lowers one above it as
 * work runs out: autoscaling never takes a region past max_workers, so above the share means
 * more workers than work. */
export function planDesiredCounts(options: {
  readonly regions: ReadonlyArray<{ readonly desired: number; readonly stuck: boolean }>;
  readonly pending: number;
  readonly maxWorkers: number;
}): number[] {
  const { regions, pending, maxWorkers } = options;
  if (pending <= 0) return regions.map(() => 0);
  const anyHealthy = regions.some((r) => !r.stuck);
  const healthy = regions.map((r) => !anyHealthy || !r.stuck);
  const count = healthy.filter(Boolean).length;
  const shares = splitShares(Math.min(pending, maxWorkers * count), count, maxWorkers);
  let k = 0;
  return regions.map((r, i) => (healthy[i] ? shares[k++]! : r.desired));
}
