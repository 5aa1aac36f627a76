// A run set's cost as the pull request shows it: the estimate made from its plan (the
// realisations the run queued, the median of earlier runs when the run was planned, the
// project's resources and regions) beside what its worker tasks have cost so far, each at
// the price of the region it ran in. The plan workflow and `modelfleet watch` both estimate
// here, so the comment's "planned" is the figure the plan showed.
import type { ProjectSpec } from "../spec/schema.ts";
import { cloudRegions } from "../spec/schema.ts";
import { type CostEstimate, estimateCost } from "./estimate.ts";
import { type PriceTable, pricesFor } from "./price-table.ts";
import { type CostSpent, costSpent, type WorkerTask } from "./spent.ts";

export interface RunSetCost {
  readonly spent: CostSpent;
  /** Absent when the run recorded no plan to estimate from. */
  readonly estimate?: CostEstimate;
}

/** The estimate of running `realisations` of the project on its cloud, at its home region's
 * prices, with up to cloud.max_workers in each of its regions. */
export function planEstimate(args: {
  readonly spec: Pick<ProjectSpec, "resources" | "model" | "cloud">;
  readonly realisations: number;
  readonly medianWallSeconds: number | undefined;
  readonly tables: readonly PriceTable[];
}): CostEstimate {
  const { spec } = args;
  return estimateCost({
    realisations: args.realisations,
    resources: spec.resources,
    medianWallSeconds: args.medianWallSeconds,
    timeoutSeconds: spec.model.timeout,
    maxWorkers: spec.cloud.max_workers * cloudRegions(spec.cloud).length,
    idleSeconds: spec.cloud.idle_timeout,
    prices: pricesFor(spec.cloud.region, args.tables),
  });
}

export function runSetCost(args: {
  readonly spec: Pick<ProjectSpec, "resources" | "model" | "cloud">;
  /** The plan the run was started from: what it queued, and the median then. */
  readonly plan: { readonly queued: number; readonly medianWallSeconds: number | undefined } | undefined;
  readonly tasks: readonly WorkerTask[];
  readonly tables: readonly PriceTable[];
  readonly now: Date;
}): RunSetCost {
  const home = args.spec.cloud.region;
  return {
    spent: costSpent(args.tasks, (region) => pricesFor(region ?? home, args.tables), args.now),
    ...(args.plan
      ? {
          estimate: planEstimate({
            spec: args.spec,
            realisations: args.plan.queued,
            medianWallSeconds: args.plan.medianWallSeconds,
            tables: args.tables,
          }),
        }
      : {}),
  };
}
