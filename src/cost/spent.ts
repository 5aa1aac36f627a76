// What a run set actually cost: every worker task's running time (started to stopped, billed
// per second with Fargate's one-minute minimum) times its size and the price of the capacity
// it ran on, in the region it ran in. The tasks come from the run's `--json` status (the ECS
// fleet reads them: cloud/ecs-fleet.ts).

import { FREE_STORAGE_GB } from "./estimate.ts";
import type { PricesUsed } from "./price-table.ts";

export interface WorkerTask {
  /** Where it ran (its prices); absent: the run set's home region. */
  readonly region?: string;
  readonly startedAt: string;
  /** Absent while it still runs: counted up to `now`. */
  readonly stoppedAt?: string;
  readonly cpu: number;
  readonly memoryGb: number;
  readonly diskGb?: number;
  readonly capacity: "FARGATE" | "FARGATE_SPOT";
}

export interface CostSpent {
  readonly tasks: number;
  readonly taskHours: number;
  readonly vcpuHours: number;
  readonly gbHours: number;
  /** Undefined without prices for a region a task ran in. */
  readonly cost: number | undefined;
  /** The home region's prices: their date and source. */
  readonly prices: PricesUsed | undefined;
}

/** The prices of a region (undefined: the home region), or undefined when none are known. */
export type PricesOf = (region: string | undefined) => PricesUsed | undefined;

const MINIMUM_SECONDS = 60;

export function costSpent(tasks: readonly WorkerTask[], pricesOf: PricesOf, now: Date): CostSpent {
  let taskHours = 0;
  let vcpuHours = 0;
  let gbHours = 0;
  let cost: number | undefined = 0;
  for (const t of tasks) {
    const start = Date.parse(t.startedAt);
    const stop = t.stoppedAt === undefined ? now.getTime() : Date.parse(t.stoppedAt);
    if (!Number.isFinite(start) || !Number.isFinite(stop)) continue;
    const hours = Math.max(MINIMUM_SECONDS, (stop - start) / 1000) / 3600;
    taskHours += hours;
    vcpuHours += hours * t.cpu;
    gbHours += hours * t.memoryGb;
    const prices = pricesOf(t.region);
    if (!prices) cost = undefined;
    else if (cost !== undefined) {
      const rate = t.capacity === "FARGATE_SPOT" && prices.spot ? prices.spot : prices.onDemand;
      const storage = Math.max(0, (t.diskGb ?? FREE_STORAGE_GB) - FREE_STORAGE_GB);
      cost += hours * (t.cpu * rate.vcpuHour + t.memoryGb * rate.gbHour + storage * prices.storageGbHour);
    }
  }
  return {
    tasks: tasks.length,
    taskHours,
    vcpuHours,
    gbHours,
    cost,
    prices: pricesOf(undefined),
  };
}
