import { describe, expect, it } from "vitest";
import { type PriceTable, pricesFor } from "./price-table.ts";
import { costSpent } from "./spent.ts";

const table: PriceTable = {
  date: "2026-03-10",
  source: "test",
  currency: "USD",
  regions: {
    "us-east-1": {
      onDemand: { vcpuHour: 0.04, gbHour: 0.004 },
      spot: { vcpuHour: 0.012, gbHour: 0.0012 },
      storageGbHour: 0.0001,
    },
  },
};
const prices = pricesFor("us-east-1", [table]);

describe("costSpent", () => {
  it("bills each task per second with a one-minute minimum, at its capacity's price", () => {
    const spent = costSpent(
      [
        // 1 h on Spot, 1 vCPU, 2 GB: 0.012 + 2 × 0.0012 = 0.0144
        {
          startedAt: "2026-01-01T00:00:00Z",
          stoppedAt: "2026-01-01T01:00:00Z",
          cpu: 1,
          memoryGb: 2,
          capacity: "FARGATE_SPOT",
        },
        // 10 s on-demand, billed as 60 s: (0.04 + 2 × 0.004) / 60 = 0.0008
        {
          startedAt: "2026-01-01T00:00:00Z",
          stoppedAt: "2026-01-01T00:00:10Z",
          cpu: 1,
          memoryGb: 2,
          capacity: "FARGATE",
        },
        // still running at `now` (30 min), 30 GB of disk: 0.5 × (0.012 + 0.0024 + 10 × 0.0001) = 0.0077
        { startedAt: "2026-01-01T00:30:00Z", cpu: 1, memoryGb: 2, diskGb: 30, capacity: "FARGATE_SPOT" },
      ],
      () => prices,
      new Date("2026-01-01T01:00:00Z"),
    );
    expect(spent.tasks).toBe(3);
    expect(spent.taskHours).toBeCloseTo(1 + 1 / 60 + 0.5, 6);
    expect(spent.cost).toBeCloseTo(0.0144 + 0.0008 + 0.0077, 6);
  });

  it("prices each task at its own region's prices, and has no cost when a region has none", () => {
    const other = pricesFor("eu-west-1", [
      { ...table, regions: { "eu-west-1": { onDemand: { vcpuHour: 0.1, gbHour: 0.01 }, storageGbHour: 0 } } },
    ]);
    const task = {
      startedAt: "2026-01-01T00:00:00Z",
      stoppedAt: "2026-01-01T01:00:00Z",
      cpu: 1,
      memoryGb: 1,
      capacity: "FARGATE" as const,
    };
    const byRegion = (r: string | undefined) =>
      r === "eu-west-1" ? other : r === "ap-east-1" ? undefined : prices;
    const spent = costSpent([task, { ...task, region: "eu-west-1" }], byRegion, new Date());
    // 1 h at home (0.04 + 0.004) and 1 h in eu-west-1 (0.1 + 0.01)
    expect(spent.cost).toBeCloseTo(0.044 + 0.11, 6);
    expect(spent.prices?.region).toBe("us-east-1");
    expect(costSpent([task, { ...task, region: "ap-east-1" }], byRegion, new Date()).cost).toBeUndefined();
  });

  it("gives hours without a cost when the region has no prices", () => {
    const spent = costSpent(
      [
        {
          startedAt: "2026-01-01T00:00:00Z",
          stoppedAt: "2026-01-01T02:00:00Z",
          cpu: 2,
          memoryGb: 4,
          capacity: "FARGATE",
        },
      ],
      () => undefined,
      new Date(),
    );
    expect(spent).toMatchObject({ vcpuHours: 4, gbHours: 8, cost: undefined });
  });
});
