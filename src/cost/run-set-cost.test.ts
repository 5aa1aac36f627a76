import { describe, expect, it } from "vitest";
import { projectSpecSchema } from "../spec/schema.ts";
import type { PriceTable } from "./price-table.ts";
import { runSetCost } from "./run-set-cost.ts";

const rates = (vcpuHour: number) => ({ onDemand: { vcpuHour, gbHour: 0 }, storageGbHour: 0 });
const table: PriceTable = {
  date: "2026-03-10",
  source: "test",
  currency: "USD",
  regions: { "us-east-1": rates(0.04), "us-west-2": rates(0.05) },
};
const spec = projectSpecSchema.parse({
  project: "demo",
  scenario: "base",
  model: { dir: "model", command: ["run"], timeout: 600 },
  resources: { cpu: 1, memory_gb: 2, spot: false },
  cloud: { regions: ["us-east-1", "us-west-2"], max_workers: 5, idle_timeout: 60 },
  parameters: { par_files: "params/p{id}.par", ids: "1-10" },
});

describe("a run set's cost", () => {
  it("estimates from the run's plan over every region's workers, and prices each task in its region", () => {
    const task = {
      startedAt: "2026-03-14T08:00:00Z",
      stoppedAt: "2026-03-14T09:00:00Z",
      cpu: 1,
      memoryGb: 2,
      capacity: "FARGATE" as const,
    };
    const cost = runSetCost({
      spec,
      plan: { queued: 10, medianWallSeconds: 300 },
      tasks: [
        { ...task, region: "us-east-1" },
        { ...task, region: "us-west-2" },
      ],
      tables: [table],
      now: new Date("2026-03-14T10:00:00Z"),
    });
    expect(cost.spent.cost).toBeCloseTo(0.04 + 0.05, 6);
    // 10 realisations on 10 workers (5 in each region): one round of 5 minutes.
    expect(cost.estimate).toMatchObject({ workers: 10, basis: "median", secondsPerRealisation: 300 });
    expect(cost.estimate?.prices?.region).toBe("us-east-1");
  });

  it("has no estimate when the run recorded no plan", () => {
    const cost = runSetCost({ spec, plan: undefined, tasks: [], tables: [table], now: new Date() });
    expect(cost.estimate).toBeUndefined();
    expect(cost.spent).toMatchObject({ tasks: 0, cost: 0 });
  });
});
