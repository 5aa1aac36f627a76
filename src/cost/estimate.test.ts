import { describe, expect, it } from "vitest";
import { SAMPLE_PRICES } from "../../test/helpers/comment-stages.ts";
import { estimateCost } from "./estimate.ts";
import { type PriceTable, pricesFor } from "./price-table.ts";

// The sample table (us-east-1 as AWS priced it on its date), and a region with no Spot price.
const table: PriceTable = {
  ...SAMPLE_PRICES,
  regions: {
    ...SAMPLE_PRICES.regions,
    "ap-south-2": { onDemand: { vcpuHour: 0.05, gbHour: 0.005 }, storageGbHour: 0 },
  },
};

const base = {
  realisations: 200,
  resources: { cpu: 1, memory_gb: 2, disk_gb: 21, spot: true },
  medianWallSeconds: 120,
  timeoutSeconds: 600,
  maxWorkers: 50,
  idleSeconds: 120,
  prices: pricesFor("us-east-1", [table]),
};

describe("estimateCost", () => {
  it("prices 200 realisations of 2 minutes on 50 Spot workers", () => {
    const e = estimateCost(base);
    // 200 × 120 s of models + 50 workers × (60 s start + 120 s idle) = 33,000 s = 9.1667 task-hours.
    expect(e.basis).toBe("median");
    expect(e.workers).toBe(50);
    expect(e.wallSeconds).toBe(60 + 4 * 120 + 120);
    expect(e.taskHours).toBeCloseTo(9.16667, 4);
    expect(e.vcpuHours).toBeCloseTo(9.16667, 4);
    expect(e.gbHours).toBeCloseTo(18.33333, 4);
    // 1 GB of disk above the free 20 GB.
    expect(e.storageGbHours).toBeCloseTo(9.16667, 4);
    // Spot: 9.16667 × 0.01264 + 18.3333 × 0.001388 + 9.16667 × 0.000111 = 0.14233
    expect(e.cost).toBeCloseTo(0.14233, 5);
    // On-demand: 9.16667 × 0.04048 + 18.3333 × 0.004445 + 9.16667 × 0.000111 = 0.45358
    expect(e.onDemandCost).toBeCloseTo(0.45358, 5);
    expect(e.spotShare).toBe(1);
    expect(e.prices?.date).toBe("2026-03-10");
  });

  it("uses the timeout as an upper bound when nothing has run yet, and says so", () => {
    const e = estimateCost({
      ...base,
      medianWallSeconds: undefined,
      resources: { ...base.resources, spot: false },
    });
    expect(e.basis).toBe("timeout");
    expect(e.secondsPerRealisation).toBe(600);
    // 200 × 600 + 50 × 180 = 129,000 s = 35.8333 h; on-demand: 35.8333 × (0.04048 + 2 × 0.004445 + 0.000111)
    expect(e.cost).toBeCloseTo(35.8333 * 0.049481, 3);
    expect(e.cost).toBe(e.onDemandCost);
    expect(e.spotShare).toBe(0);
  });

  it("prices on-demand, and says so, when the region has no Spot price", () => {
    const e = estimateCost({ ...base, prices: pricesFor("ap-south-2", [table]) });
    expect(e.spotPricedOnDemand).toBe(true);
    // 9.16667 × 0.05 + 18.3333 × 0.005 = 0.55
    expect(e.cost).toBeCloseTo(0.55, 5);
  });

  it("gives hours but no cost for a region the table does not have", () => {
    const e = estimateCost({ ...base, prices: pricesFor("sa-east-1", [table]) });
    expect(e.cost).toBeUndefined();
    expect(e.vcpuHours).toBeCloseTo(9.16667, 4);
  });

  it("costs nothing when nothing runs", () => {
    const e = estimateCost({ ...base, realisations: 0 });
    expect(e).toMatchObject({ workers: 0, wallSeconds: 0, taskHours: 0, cost: 0 });
  });

  it("uses fewer workers than max_workers when there is less work", () => {
    const e = estimateCost({ ...base, realisations: 3 });
    expect(e.workers).toBe(3);
    expect(e.wallSeconds).toBe(60 + 120 + 120);
  });
});
