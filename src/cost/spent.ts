// What a run set actually cost: every worker task's running time (started to stopped, billed
// per second with Fargate's one-minute minimum) times its size and the price of the capacity
// it ran on. Known only when the run's report lists its tasks' start and stop times.

import { FREE_STORAGE_GB } from "./estimate.ts";
import type { PricesUsed } from "./price-table.ts";

export interface WorkerTask {
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
  /** Undefined without prices for the region. */
  readonly cost: number | undefined;
  readonly prices: PricesUsed | undefined;
}

const MINIMUM_SECONDS = 60;

export function costSpent(
  tasks: readonly WorkerTask[],
  prices: PricesUsed | undefined,
  now: Date,
): CostSpent {
  let taskHours = 0;
  let vcpuHours = 0;
  let gbHours = 0;
  let cost = 0;
  for (const t of tasks) {
    const start = Date.parse(t.startedAt);
    const stop = t.stoppedAt === undefined ? now.getTime() : Date.parse(t.stoppedAt);
    if (!Number.isFinite(start) || !Number.isFinite(stop)) continue;
    const hours = Math.max(MINIMUM_SECONDS, (stop - start) / 1000) / 3600;
    taskHours += hours;
    vcpuHours += hours * t.cpu;
    gbHours += hours * t.memoryGb;
    if (prices) {
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
    cost: prices ? cost : undefined,
    prices,
  };
}
