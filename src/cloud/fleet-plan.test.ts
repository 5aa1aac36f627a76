import { describe, expect, it } from "vitest";
import { judgeRegion, planDesiredCounts, splitShares } from "./fleet-plan.ts";
import type { FleetState } from "./worker-fleet.ts";

describe("splitting workers over regions", () => {
  it("splits evenly, home first, at most max_workers per region", () => {
    expect(splitShares(5, 2, 200)).toEqual([3, 2]);
    expect(splitShares(10, 2, 3)).toEqual([3, 3]);
    expect(splitShares(7, 3, 100)).toEqual([3, 2, 2]);
    expect(splitShares(1, 3, 100)).toEqual([1, 0, 0]);
    expect(splitShares(0, 2, 100)).toEqual([0, 0]);
    expect(splitShares(4, 1, 100)).toEqual([4]);
  });
});

const region = (over: Partial<FleetState> = {}): FleetState => ({
  region: "us-west-2",
  service: "base-workers",
  desired: 3,
  running: 0,
  pending: 0,
  events: [],
  stopped: [],
  tasks: [],
  ...over,
});

describe("judging a region", () => {
  const at = { since: 1_000, now: 2_000, startGraceMs: 60_000 };
  it("works while tasks run, idles at zero, and is starting for a while after being asked", () => {
    expect(judgeRegion(region({ running: 1 }), at)).toEqual({ state: "working" });
    expect(judgeRegion(region({ desired: 0 }), at)).toEqual({ state: "idle" });
    expect(judgeRegion(region({ pending: 3 }), at)).toEqual({ state: "starting" });
  });

  it("is stuck when ECS says it cannot place tasks, tasks stop for capacity, or none starts in time", () => {
    const unable =
      "(service base-workers) was unable to place a task. Reason: Capacity is unavailable at this time.";
    expect(judgeRegion(region({ events: [{ at: 1_500, message: unable }] }), at)).toEqual({
      state: "stuck",
      why: unable,
    });
    // An event from before the region was asked says nothing about now.
    expect(judgeRegion(region({ events: [{ at: 500, message: unable }] }), at)).toEqual({
      state: "starting",
    });
    expect(
      judgeRegion(
        region({
          stopped: [
            {
              id: "t",
              status: "stopped",
              stoppedAt: 1_200,
              end: "resource_initialization_failed",
              reason: "ResourceInitializationError: unable to pull secrets",
            },
          ],
        }),
        at,
      ),
    ).toEqual({ state: "stuck", why: "ResourceInitializationError: unable to pull secrets" });
    expect(judgeRegion(region({ pending: 3 }), { ...at, now: 1_000 + 5 * 60_000 })).toEqual({
      state: "stuck",
      why: "no worker has started in 5 min (3 pending)",
    });
  });
});

describe("desired counts", () => {
  const healthy = (desired: number) => ({ desired, stuck: false });
  it("raises regions to their share of the work", () => {
    expect(planDesiredCounts({ regions: [healthy(0), healthy(0)], pending: 5, maxWorkers: 200 })).toEqual([
      3, 2,
    ]);
    expect(planDesiredCounts({ regions: [healthy(6), healthy(2)], pending: 100, maxWorkers: 10 })).toEqual([
      10, 10,
    ]);
  });

  it("lowers counts as work runs out, and to zero when none is left", () => {
    expect(planDesiredCounts({ regions: [healthy(3), healthy(3)], pending: 2, maxWorkers: 3 })).toEqual([
      1, 1,
    ]);
    expect(planDesiredCounts({ regions: [healthy(3), healthy(3)], pending: 0, maxWorkers: 3 })).toEqual([
      0, 0,
    ]);
  });

  it("moves a stuck region's share to the others as far as their limit allows, and keeps its count", () => {
    expect(
      planDesiredCounts({ regions: [healthy(2), { desired: 2, stuck: true }], pending: 4, maxWorkers: 3 }),
    ).toEqual([3, 2]);
    expect(
      planDesiredCounts({ regions: [{ desired: 2, stuck: true }, healthy(2)], pending: 4, maxWorkers: 10 }),
    ).toEqual([2, 4]);
    // Every region stuck: keep asking everywhere.
    expect(
      planDesiredCounts({
        regions: [
          { desired: 0, stuck: true },
          { desired: 1, stuck: true },
        ],
        pending: 4,
        maxWorkers: 10,
      }),
    ).toEqual([2, 2]);
  });
});
