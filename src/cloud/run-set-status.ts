// Where a cloud run set stands, as the cloud commands print it for machines: every line of
// `modelfleet watch <spec> --executor ecs --json`, and the object `modelfleet run <spec>
// --executor ecs --json` prints when it ends (with --detach, once the run set is started).
// One zod schema: the commands build their JSON to it, and the GitHub actions read it with it
// (src/github/cli-state.ts), so the two cannot drift apart.
import { z } from "zod";
import type { CostEstimate } from "../cost/estimate.ts";
import type { RunSetCost } from "../cost/run-set-cost.ts";
import type { CostSpent } from "../cost/spent.ts";
import type { AlertResult } from "../results/summary.ts";
import type { RegionHealth } from "./fleet-plan.ts";
import type { FleetView } from "./follow-run.ts";

/** One worker task and what Fargate bills it for: its size, its capacity, and from when
 * (the image pull's start) to when (its stop) it ran. */
export const workerTaskSchema = z.object({
  /** The task ARN. */
  id: z.string(),
  region: z.string(),
  /** ISO 8601. */
  startedAt: z.string(),
  /** Absent while it runs. */
  stoppedAt: z.string().optional(),
  /** vCPU. */
  cpu: z.number(),
  memoryGb: z.number(),
  /** Ephemeral storage; Fargate's first 20 GB are free. */
  diskGb: z.number().optional(),
  capacity: z.enum(["FARGATE", "FARGATE_SPOT"]),
});
export type WorkerTask = z.infer<typeof workerTaskSchema>;

export const regionStatusSchema = z.object({
  region: z.string(),
  service: z.string(),
  desired: z.number(),
  running: z.number(),
  pending: z.number(),
  health: z.enum(["idle", "working", "starting", "stuck"]),
  /** With `stuck`: ECS's words for why the region cannot start workers. */
  why: z.string().optional(),
});
export type RegionStatus = z.infer<typeof regionStatusSchema>;

const countsSchema = z.object({
  realisations: z.number(),
  ok: z.number(),
  failedModel: z.number(),
  failedInfrastructure: z.number(),
  notRun: z.number(),
});

const alertSchema = z.custom<AlertResult>(
  (v) =>
    typeof v === "object" &&
    v !== null &&
    typeof (v as AlertResult).name === "string" &&
    typeof (v as AlertResult).fired === "boolean" &&
    typeof (v as AlertResult).message === "string",
  { message: "expected an alert (name, fired, message)" },
);

const hasNumbers = (v: unknown, keys: readonly string[]) =>
  typeof v === "object" &&
  v !== null &&
  keys.every((k) => typeof (v as Record<string, unknown>)[k] === "number");

/** What the run's worker tasks have cost so far, and the estimate from the plan it started
 * from (src/cost/run-set-cost.ts). */
const costSchema = z.object({
  spent: z.custom<CostSpent>((v) => hasNumbers(v, ["tasks", "taskHours", "vcpuHours", "gbHours"]), {
    message: "expected the cost spent (tasks, taskHours, vcpuHours, gbHours)",
  }),
  estimate: z
    .custom<CostEstimate>((v) => hasNumbers(v, ["realisations", "workers", "wallSeconds", "taskHours"]), {
      message: "expected a cost estimate (realisations, workers, wallSeconds, taskHours)",
    })
    .optional(),
}) satisfies z.ZodType<RunSetCost>;

const about = {
  project: z.string(),
  scenario: z.string(),
  /** What the command says to a person without --json. */
  text: z.string(),
};
/** Every state that names a run carries the worker tasks it has used so far and their cost. */
const ofRun = {
  ...about,
  run: z.string(),
  tasks: z.array(workerTaskSchema).readonly(),
  cost: costSchema,
};
/** The reports written to S3: the counts, the alerts and where report.html is. */
const reported = {
  counts: countsSchema,
  alerts: z.array(alertSchema).readonly(),
  report: z.string(),
};

export const runSetStatusSchema = z.discriminatedUnion("state", [
  z.object({
    state: z.literal("running"),
    ...ofRun,
    /** Realisations the run queued, and those of them with no result yet. */
    queued: z.number(),
    pending: z.number(),
    /** Messages waiting, and messages workers hold; null when not read. */
    queue: z.object({ visible: z.number(), inFlight: z.number() }).nullable(),
    /** Each region's workers, home first; none when workers are started one by one. */
    regions: z.array(regionStatusSchema).readonly(),
  }),
  /** Every realisation the run queued has a result; the reports are written. */
  z.object({ state: z.literal("finished"), ...ofRun, ...reported }),
  /** Realisations were left with neither a message nor a result; the reports are written. */
  z.object({ state: z.literal("lost"), ...ofRun, ...reported, unfinished: z.array(z.string()).readonly() }),
  /** Given up: its workers kept dying (`text` says how). */
  z.object({ state: z.literal("failed"), ...ofRun }),
  /** Stopped by `modelfleet stop`. */
  z.object({ state: z.literal("stopped"), ...ofRun }),
  /** Another run has taken the run set over. */
  z.object({ state: z.literal("replaced"), ...ofRun }),
  /** A run recorded without the list of what it queued: nothing to follow. */
  z.object({ state: z.literal("unknown"), ...ofRun }),
  /** No run recorded. */
  z.object({ state: z.literal("none"), ...about }),
]);
export type RunSetStatus = z.infer<typeof runSetStatusSchema>;
export type RunSetState = RunSetStatus["state"];

/** A region as the status shows it: its service's figures and whether it can start workers. */
export function regionStatus(
  fleet: {
    readonly region: string;
    readonly service: string;
    readonly desired: number;
    readonly running: number;
    readonly pending: number;
  },
  health: RegionHealth,
): RegionStatus {
  return {
    region: fleet.region,
    service: fleet.service,
    desired: fleet.desired,
    running: fleet.running,
    pending: fleet.pending,
    health: health.state,
    ...(health.state === "stuck" ? { why: health.why } : {}),
  };
}

/** The status of a run set whose run goes on, from what its follower saw last. */
export function runningStatus(args: {
  readonly project: string;
  readonly scenario: string;
  readonly run: string;
  readonly text: string;
  readonly tasks: readonly WorkerTask[];
  readonly cost: RunSetCost;
  /** Realisations the run queued, and those of them with no result yet. */
  readonly queued: number;
  readonly pending: number;
  readonly queue: { readonly visible: number; readonly inFlight: number } | undefined;
  readonly fleets: readonly FleetView[];
}): RunSetStatus {
  return {
    state: "running",
    project: args.project,
    scenario: args.scenario,
    run: args.run,
    text: args.text,
    tasks: args.tasks,
    cost: args.cost,
    queued: args.queued,
    pending: args.pending,
    queue: args.queue ? { visible: args.queue.visible, inFlight: args.queue.inFlight } : null,
    regions: args.fleets.map((f) => regionStatus(f, f.health)),
  };
}

/** The status in a line of JSON's text, checked; a message that names what is wrong. */
export function parseRunSetStatus(value: unknown): RunSetStatus {
  const parsed = runSetStatusSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(the object)"}: ${i.message}`);
  throw new Error(`not a run set status as modelfleet prints it: ${problems.slice(0, 5).join("; ")}`);
}
