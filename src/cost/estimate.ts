// What a run set should cost on Fargate, before it runs: the realisations to run times their
// expected wall time (the median of earlier runs, or the model's timeout as an upper bound when
// there is none), plus each worker's start and its idle wait before it exits, in vCPU-hours and
// GB-hours, times the region's price on Fargate Spot or on-demand. Pure: the caller reads the
// plan and the prices.
import type { PricesUsed } from "./price-table.ts";

/** The ephemeral storage every Fargate task has without charge. */
export const FREE_STORAGE_GB = 20;
/** Assumed time for a worker to start (image pull, container start) before its first model. */
export const WORKER_START_SECONDS = 60;

export interface CostEstimateInput {
  /** Realisations that will run. */
  readonly realisations: number;
  readonly resources: {
    readonly cpu: number;
    readonly memory_gb: number;
    readonly disk_gb: number;
    readonly spot: boolean;
  };
  /** Median wall time of earlier successful runs of this run set, if any. */
  readonly medianWallSeconds?: number | undefined;
  /** The model's timeout: the longest a realisation can take. */
  readonly timeoutSeconds: number;
  /** Workers at most (cloud.max_workers, times the regions). */
  readonly maxWorkers: number;
  /** How long a worker waits on an empty queue before it exits (cloud.idle_timeout). */
  readonly idleSeconds: number;
  /** The region's prices; undefined when the price table has none for it. */
  readonly prices: PricesUsed | undefined;
}

export interface CostEstimate {
  readonly realisations: number;
  /** Expected wall time of one realisation, and where that figure comes from. */
  readonly secondsPerRealisation: number;
  readonly basis: "median" | "timeout";
  readonly workers: number;
  /** Wall time of the run set with that many workers. */
  readonly wallSeconds: number;
  /** Worker time paid for: realisations, starts and idle waits. */
  readonly taskHours: number;
  readonly vcpuHours: number;
  readonly gbHours: number;
  /** Storage beyond the free 20 GB, in GB-hours. */
  readonly storageGbHours: number;
  /** 1 on Fargate Spot (resources.spot), 0 on on-demand Fargate. */
  readonly spotShare: number;
  readonly prices: PricesUsed | undefined;
  /** At the capacity the run set uses; undefined without prices. */
  readonly cost: number | undefined;
  /** The same work on on-demand Fargate, for comparison. */
  readonly onDemandCost: number | undefined;
  /** Spot share wanted, but the table has no Spot price for the region: priced on-demand. */
  readonly spotPricedOnDemand: boolean;
}

export function estimateCost(input: CostEstimateInput): CostEstimate {
  const basis = input.medianWallSeconds === undefined ? "timeout" : "median";
  const perRealisation = input.medianWallSeconds ?? input.timeoutSeconds;
  const n = Math.max(0, input.realisations);
  const workers = n === 0 ? 0 : Math.max(1, Math.min(input.maxWorkers, n));
  const rounds = workers === 0 ? 0 : Math.ceil(n / workers);
  const wallSeconds = workers === 0 ? 0 : WORKER_START_SECONDS + rounds * perRealisation + input.idleSeconds;
  const taskSeconds = n * perRealisation + workers * (WORKER_START_SECONDS + input.idleSeconds);
  const taskHours = taskSeconds / 3600;
  const { cpu, memory_gb, disk_gb, spot } = input.resources;
  const vcpuHours = taskHours * cpu;
  const gbHours = taskHours * memory_gb;
  const storageGbHours = taskHours * Math.max(0, disk_gb - FREE_STORAGE_GB);
  const p = input.prices;
  const priceOf = (rate: { vcpuHour: number; gbHour: number }) =>
    p === undefined
      ? undefined
      : vcpuHours * rate.vcpuHour + gbHours * rate.gbHour + storageGbHours * p.storageGbHour;
  const onDemandCost = p === undefined ? undefined : priceOf(p.onDemand);
  const spotPricedOnDemand = spot && p !== undefined && p.spot === undefined;
  const cost = p === undefined ? undefined : spot && p.spot ? priceOf(p.spot) : onDemandCost;
  return {
    realisations: n,
    secondsPerRealisation: perRealisation,
    basis,
    workers,
    wallSeconds,
    taskHours,
    vcpuHours,
    gbHours,
    storageGbHours,
    spotShare: spot ? 1 : 0,
    prices: p,
    cost,
    onDemandCost,
    spotPricedOnDemand,
  };
}
