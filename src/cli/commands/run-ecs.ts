// `modelfleet run <spec> --executor ecs`: the run on ECS Fargate workers, with the same
// progress display and summary as a local run. The run set is not tied to this client: on
// Ctrl-C (or SIGTERM) the client ends and the workers finish what is queued (with services,
// AWS keeps them running and `modelfleet watch` finishes the run set); `modelfleet stop` stops
// them.
import { dirname, resolve } from "node:path";
import { refuseClosingProject } from "../../close/closing-marker.ts";
import { cloudPieces, readInfrastructureOutputs } from "../../cloud/aws-wiring.ts";
import { type InfrastructureOutputs, serviceRegions } from "../../cloud/cloud-config.ts";
import { type CloudRunEvent, type CloudRunReport, runOnCloud } from "../../cloud/cloud-run.ts";
import { finishRunSet, partyOf } from "../../cloud/end-run-set.ts";
import { type RunSetStatus, runningStatus, type WorkerTask } from "../../cloud/run-set-status.ts";
import { WorkersFailingError } from "../../cloud/worker-deaths.ts";
import { type PriceTable, priceTablesFor } from "../../cost/price-table.ts";
import { type RunSetCost, runSetCost } from "../../cost/run-set-cost.ts";
import { type Clock, systemClock } from "../../engine/clock.ts";
import { UserError } from "../../errors.ts";
import type { IdSelection } from "../../params/id-selection.ts";
import { parameterTableOf } from "../../plan/plan.ts";
import { formatRunSummary } from "../../report/run-summary.ts";
import { formatTextReport } from "../../report/text-report.ts";
import { loadSpec, type ResolvedSpec } from "../../spec/load.ts";
import { cloudRegions } from "../../spec/schema.ts";
import { RUN_LOCKED_EXIT_CODE } from "../../store/run-lock.ts";
import { acquireCloudLock, CLOUD_LOCK_FILE, type CloudLockLoss } from "../../store/s3-lock.ts";
import { CloudProgressTracker } from "../cloud-progress.ts";
import type { CliIO } from "../io.ts";
import { startProgressDisplay } from "../progress.ts";

export interface EcsRunOptions {
  readonly specFile: string;
  readonly infraFile: string;
  readonly ids?: IdSelection;
  readonly retryFailed: boolean;
  readonly json: boolean;
  readonly image?: string;
  readonly stop: AbortSignal;
  /** Take the run lock over even though another run holds it. */
  readonly force?: boolean;
  /** Exit once the run set is started (services only): `watch` follows and finishes it. */
  readonly detach?: boolean;
  /** A prices file over the shipped table, for the cost the JSON status carries. */
  readonly pricesFile?: string;
  readonly clock?: Clock;
  readonly pollMs?: number;
  readonly poolPollMs?: number;
}

/** A spec's run set on ECS: the spec, its infrastructure and the AWS pieces that reach it. */
export interface EcsRunSet {
  readonly resolved: ResolvedSpec;
  readonly infra: InfrastructureOutputs;
  readonly pieces: ReturnType<typeof cloudPieces>;
  /** The Fargate prices the run set's cost is figured at. */
  readonly prices: readonly PriceTable[];
  readonly label: string;
  /** The run set's folder in the bucket. */
  readonly runSetKey: string;
  /** The commands that follow and stop it, as a person types them. */
  readonly commands: {
    readonly status: string;
    readonly stop: string;
    readonly run: string;
    readonly watch: string;
  };
}

/** Where the infrastructure outputs of a spec's run set are unless --infra says otherwise. */
export async function defaultInfraFile(specFile: string): Promise<string> {
  const { spec } = await loadSpec(specFile);
  return `.modelfleet/infra/${spec.project}-${spec.scenario}.json`;
}

export async function loadEcsRunSet(
  options: {
    readonly specFile: string;
    readonly infraFile: string;
    readonly pricesFile?: string;
    readonly clock?: Clock;
  },
  io: CliIO,
): Promise<EcsRunSet> {
  const resolved = await loadSpec(options.specFile);
  const cloud = resolved.spec.cloud;
  const outputs = await readInfrastructureOutputs(resolve(io.cwd, options.infraFile));
  if (outputs.region !== cloud.region) {
    throw new UserError(
      `${options.specFile}: cloud.region is ${cloud.region} but the infrastructure in ${options.infraFile} is in ${outputs.region}; make them agree`,
    );
  }
  const wanted = cloudRegions(cloud);
  const services = serviceRegions(outputs).map((r) => r.region);
  if (wanted.length > 1 && services.length === 0) {
    throw new UserError(
      `${options.specFile}: cloud.regions names ${wanted.length} regions, but ${options.infraFile} has no workers' services (outputs of the infrastructure stacks): apply the stacks and write the outputs again`,
    );
  }
  if (services.length > 0 && [...wanted].sort().join(",") !== [...services].sort().join(",")) {
    throw new UserError(
      `${options.specFile}: the workers run in ${wanted.join(", ")} (cloud.regions), but ${options.infraFile} has services in ${services.join(", ")}: apply every region's stack and write the outputs again, or make cloud.regions match`,
    );
  }
  // The spec may name its own network (subnets, security groups) over the infrastructure's.
  const infra = {
    ...outputs,
    ...(cloud.subnets.length > 0 ? { subnets: cloud.subnets } : {}),
    ...(cloud.security_groups.length > 0 ? { securityGroups: cloud.security_groups } : {}),
    assignPublicIp: outputs.assignPublicIp || cloud.assign_public_ip,
  };
  const pieces = cloudPieces(infra, {
    spot: resolved.spec.resources.spot,
    idleSeconds: cloud.idle_timeout,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const target = `${options.specFile} --executor ecs --infra ${options.infraFile}`;
  const prices = await priceTablesFor({
    file: options.pricesFile === undefined ? undefined : resolve(io.cwd, options.pricesFile),
    projectDir: dirname(resolve(io.cwd, options.specFile)),
  });
  return {
    resolved,
    infra,
    pieces,
    prices,
    label: `${resolved.spec.project}/${resolved.spec.scenario}`,
    runSetKey: pieces.store.runSetKey({ project: resolved.spec.project, scenario: resolved.spec.scenario }),
    commands: {
      status: `modelfleet status ${target}`,
      stop: `modelfleet stop ${target}`,
      run: `modelfleet run ${target}`,
      watch: `modelfleet watch ${target}`,
    },
  };
}

export async function runOnEcs(options: EcsRunOptions, io: CliIO): Promise<number> {
  const runSet = await loadEcsRunSet(options, io);
  const { resolved, pieces, label, runSetKey, commands } = runSet;
  const cloud = resolved.spec.cloud;
  if (options.detach && pieces.fleets.length === 0) {
    throw new UserError(
      `${label}: --detach needs the workers' services, and ${options.infraFile} names none (infrastructure outputs written by hand): without services this client starts the workers and replaces lost ones, so it must stay; run without --detach, or apply the infrastructure stacks and write their outputs`,
    );
  }
  const lock = await acquireCloudLock({
    target: pieces.store,
    key: `${runSetKey}/${CLOUD_LOCK_FILE}`,
    command: `modelfleet run ${options.specFile} --executor ecs`,
    unlockHint: `follow it with \`${commands.status}\``,
    ...(options.force ? { force: true } : {}),
  });
  // Under the lock: a close freezes the project before it stops the runs holding it.
  const { prefix = "", bucket } = runSet.infra;
  await refuseClosingProject({
    read: pieces.objects.getTextIfExists,
    prefix,
    project: resolved.spec.project,
    bucket,
  }).catch(async (e: unknown) => {
    await lock.release();
    throw e;
  });
  if (lock.tookOver) {
    io.err(
      "command" in lock.tookOver
        ? `${label}: took the run lock over from \`${lock.tookOver.command}\` (pid ${lock.tookOver.pid} on ${lock.tookOver.host}, since ${lock.tookOver.startedAt})`
        : `${label}: took over a run lock that could not be read`,
    );
  }
  const onStop = () => io.err(`\n${label}: ending this client only; the workers are not stopped (see below)`);
  options.stop.addEventListener("abort", onStop, { once: true });
  let tracker: CloudProgressTracker | undefined;
  let display: { stop(): void } | undefined;
  try {
    const report = await runOnCloud({
      resolved,
      ...pieces,
      runSetKey,
      maxWorkers: cloud.max_workers,
      command: `modelfleet run ${options.specFile} --executor ecs`,
      ...(options.ids ? { ids: options.ids } : {}),
      retryFailed: options.retryFailed,
      ...(options.image ? { image: options.image } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.poolPollMs !== undefined ? { poolPollMs: options.poolPollMs } : {}),
      signal: AbortSignal.any([options.stop, lock.lost]),
      ...(options.detach ? { detach: true } : {}),
      onPlan: (plan) => {
        const regions = cloudRegions(cloud);
        io.err(
          `${label}: ${plan.all.length} realisations, ${plan.done.ok + plan.done.modelFailed} done, ${plan.toRun.length} to run on ECS Fargate (${regions.join(", ")}, up to ${cloud.max_workers} workers${regions.length > 1 ? " per region" : ""})`,
        );
        tracker = new CloudProgressTracker(plan.toRun.length);
        if (plan.toRun.length > 0 && !options.json) {
          display = startProgressDisplay({
            label,
            tracker,
            write: (t) => io.err(t.replace(/\n$/, "")),
            isTTY: io.isTTY,
          });
        }
      },
      onEvent: (e) => {
        if (e.type === "pool") {
          const p = e.event;
          if (p.type === "launch_failed") io.err(`${label}: ${p.message}`);
          else if (p.type === "worker_lost")
            io.err(`${label}: worker ${p.id} lost (${p.end}${p.reason ? `: ${p.reason}` : ""})`);
        } else if (e.type === "fleet") {
          const line = describeFleetEvent(e.event);
          if (line) io.err(`${label}: ${line}`);
        } else if (e.type === "replacing") {
          io.err(
            `${label}: the run started ${e.previous.started.at} by \`${e.previous.started.command}\` had not finished; its queued realisations are queued again by this run` +
              (e.workers > 0 ? `, and its ${e.workers} worker(s) still running work for this one` : ""),
          );
        } else tracker?.onCloud(e);
      },
    }).catch((e: unknown) => {
      if (!(e instanceof WorkersFailingError)) throw e;
      throw new UserError(
        `${label}: ${e.message}\nThe realisations not done stay on the queue: \`${commands.stop}\` removes them; once the cause is fixed, \`${commands.run}\` queues them again.`,
      );
    });
    display?.stop();
    if (report.detached) return detached({ report, runSet, json: options.json }, io);
    if (report.stopped || report.replacedBy) {
      return endEarly(
        { report, lost: lock.lost, stoppedHere: options.stop.aborted, runSet, json: options.json },
        io,
      );
    }
    const finished = await finishRunSet({
      spec: resolved.spec,
      store: pieces.store,
      objects: pieces.objects,
      recordKey: report.run.record,
      run: report.run,
      fleets: pieces.fleets,
      plannedIds: resolved.realisations.realisations.map((r) => r.id),
      currentKeys: report.plan.keys,
      parameters: parameterTableOf(resolved),
      complete: report.unfinished.length === 0,
      by: partyOf(`modelfleet run ${options.specFile} --executor ecs`, options.clock ?? systemClock),
    });
    for (const problem of finished.scaleProblems)
      io.err(`${label}: could not set the workers to zero: ${problem}`);
    const aggregated = finished.report;
    const infraFailures = report.results.filter((r) => r.failure?.kind === "infrastructure").length;
    const missing = report.plan.all.length - report.results.length;
    if (options.json) {
      const c = aggregated.summary.counts;
      const reported = {
        project: resolved.spec.project,
        scenario: resolved.spec.scenario,
        run: report.runId,
        ...costOfRun(runSet, {
          plan: planOf(report),
          tasks: report.tasks,
          now: (options.clock ?? systemClock).now(),
        }),
        counts: c,
        alerts: aggregated.summary.alerts,
        report: `${aggregated.location}/report.html`,
      };
      const status: RunSetStatus =
        report.unfinished.length > 0
          ? {
              state: "lost",
              ...reported,
              unfinished: report.unfinished,
              text: `${report.unfinished.length} realisation(s) have neither a message on the queue nor a new result, so this run stopped waiting for them: ${listIds(report.unfinished)}. Run again to queue them.`,
            }
          : {
              state: "finished",
              ...reported,
              text: `every one of the ${report.plan.toRun.length} realisation(s) the run queued has a result: ${c.ok} ok, ${c.failedModel} model failures, ${c.failedInfrastructure} infrastructure failures; the workers are set to zero`,
            };
      // The status, and what only the client knows: how much it ran, on how many workers.
      io.out(
        JSON.stringify(
          {
            ...status,
            realisations: report.plan.all.length,
            ranNow: report.published + report.deadLettered,
            deadLettered: report.deadLettered,
            workers: report.pool,
            results: aggregated.location,
          },
          null,
          2,
        ),
      );
    } else {
      io.out(
        formatRunSummary({
          label,
          results: report.results,
          missing,
          ranNow: report.published + report.deadLettered,
          ranNowCpuSeconds: tracker?.counts().cpuSeconds ?? null,
          wallSeconds: report.wallSeconds,
          workers: workersOfThisRun(report),
          location: aggregated.location,
          keptWorkdirs: [],
        }),
      );
      io.out(
        `\n${formatTextReport(aggregated.summary, { keyObservations: resolved.spec.report.key_observations })}`,
      );
      io.out(`\nreport: ${aggregated.location}/report.html`);
    }
    if (report.unfinished.length > 0) {
      io.err(
        `${label}: ${report.unfinished.length} realisation(s) have neither a message on the queue nor a new result, so this run stopped waiting for them: ${listIds(report.unfinished)}. Run again to queue them.`,
      );
      return 1;
    }
    return infraFailures > 0 ? 1 : 0;
  } finally {
    display?.stop();
    options.stop.removeEventListener("abort", onStop);
    await lock.release();
  }
}

/** The worker tasks a run has used and their cost, as every status that names a run carries
 * them: spent so far (to `now`, or to the run's end), and the estimate of the plan it started
 * from. */
export function costOfRun(
  runSet: EcsRunSet,
  args: {
    readonly plan: { readonly queued: number; readonly medianWallSeconds: number | undefined } | undefined;
    readonly tasks: readonly WorkerTask[];
    readonly now: number;
  },
): { tasks: readonly WorkerTask[]; cost: RunSetCost } {
  return {
    tasks: args.tasks,
    cost: runSetCost({
      spec: runSet.resolved.spec,
      plan: args.plan,
      tasks: args.tasks,
      tables: runSet.prices,
      now: new Date(args.now),
    }),
  };
}

const planOf = (report: CloudRunReport) => ({
  queued: report.plan.toRun.length,
  medianWallSeconds: report.plan.medianWallSeconds,
});

/** A run set started with --detach: what runs it now, and what finishes it. */
function detached(args: { report: CloudRunReport; runSet: EcsRunSet; json: boolean }, io: CliIO): number {
  const { report, runSet } = args;
  const { label, commands } = runSet;
  const queued = report.plan.toRun.length;
  const lines = [
    `${label}: the run set is started: ${queued} realisation(s) queued, and the workers' services set to run them (${report.fleets.map((f) => `${f.region}: ${f.desired}`).join(", ")}); this client exits.`,
    "  AWS keeps the workers going and replaces lost ones; the workers set their services to zero once the queue is empty.",
    `  finish it (reports):  ${commands.watch}  (on a schedule, or --every to follow it)`,
    `  follow it:            ${commands.status}`,
    `  stop it:              ${commands.stop}`,
  ];
  if (args.json) {
    io.out(
      JSON.stringify(
        runningStatus({
          project: report.plan.runSet.project,
          scenario: report.plan.runSet.scenario,
          run: report.runId,
          text: lines.join("\n"),
          ...costOfRun(runSet, { plan: planOf(report), tasks: report.tasks, now: Date.now() }),
          queued,
          pending: report.pending,
          queue: report.queue,
          fleets: report.fleets,
        }),
      ),
    );
  }
  io.err(lines.join("\n"));
  return 0;
}

/** The end of a run that did not see its work through: what happens to the run set now. */
function endEarly(
  args: {
    report: CloudRunReport;
    lost: AbortSignal;
    stoppedHere: boolean;
    runSet: EcsRunSet;
    json: boolean;
  },
  io: CliIO,
): number {
  const { report, runSet } = args;
  const { label, commands } = runSet;
  const done = report.plan.all.length - report.pending;
  const lines: string[] = [];
  let code = 130;
  if (report.replacedBy?.stopped) {
    const by = report.replacedBy.stopped;
    lines.push(
      `${label}: the run set was stopped at ${by.at} by \`${by.command}\` (pid ${by.pid} on ${by.host}); this client ends.`,
      `  ${done} of ${report.plan.all.length} realisations have results. \`${commands.run}\` runs the rest.`,
    );
  } else if (report.replacedBy) {
    const by = report.replacedBy.started;
    lines.push(
      `${label}: another run (started ${by.at} by \`${by.command}\`, pid ${by.pid} on ${by.host}) has taken over this run set; this client ends.`,
    );
    code = RUN_LOCKED_EXIT_CODE;
  } else if (args.lost.aborted && !args.stoppedHere) {
    const loss = args.lost.reason as CloudLockLoss;
    lines.push(`${label}: ${loss.message}; this client ends.`);
    code = RUN_LOCKED_EXIT_CODE;
  } else if (report.fleets.length > 0) {
    const workers = report.fleets.reduce((n, f) => n + f.desired, 0);
    lines.push(
      `${label}: this client has ended; the run set goes on without it.`,
      `  ${done} of ${report.plan.all.length} realisations have results; ${report.pending} are queued or running.`,
      `  The workers' services keep ${workers} worker(s) (${report.fleets.map((f) => `${f.region}: ${f.desired}`).join(", ")}): AWS replaces lost ones, and the workers set their services to zero once the queue is empty.`,
      `  finish it (reports):  ${commands.watch}  (on a schedule while no client follows it)`,
      `  follow it:            ${commands.status}`,
      `  stop it:              ${commands.stop}`,
    );
  } else {
    const workers = report.pool.live;
    lines.push(
      `${label}: this client has ended; the run set goes on without it.`,
      `  ${done} of ${report.plan.all.length} realisations have results; ${report.pending} are queued or running.`,
      workers > 0
        ? `  ${workers} worker(s) go on until the queue is empty (workers that are lost are not replaced while no client runs).`
        : `  No worker is running: the queued realisations wait on the queue for the next run.`,
      `  follow it:        ${commands.status}`,
      `  stop it:          ${commands.stop}`,
      `  follow it again:  ${commands.run}  (it takes over the queue and the workers)`,
    );
  }
  if (args.json) {
    const ofRun = {
      project: report.plan.runSet.project,
      scenario: report.plan.runSet.scenario,
      run: report.runId,
      text: lines.join("\n"),
      ...costOfRun(runSet, { plan: planOf(report), tasks: report.tasks, now: Date.now() }),
    };
    const status: RunSetStatus = report.replacedBy?.stopped
      ? { state: "stopped", ...ofRun }
      : report.replacedBy || code === RUN_LOCKED_EXIT_CODE
        ? { state: "replaced", ...ofRun }
        : runningStatus({
            ...ofRun,
            queued: report.plan.toRun.length,
            pending: report.pending,
            queue: report.queue,
            fleets: report.fleets,
          });
    io.out(JSON.stringify({ ...status, realisations: report.plan.all.length, done }));
  }
  io.err(lines.join("\n"));
  return code;
}

function listIds(ids: readonly string[], max = 10): string {
  return ids.length <= max ? ids.join(", ") : `${ids.slice(0, max).join(", ")} and ${ids.length - max} more`;
}

/** A line for a person about what the follower did to a region's workers, if worth one. */
export function describeFleetEvent(
  e: Extract<CloudRunEvent, { type: "fleet" }>["event"],
): string | undefined {
  switch (e.type) {
    case "scaled":
      return `${e.region}: ${e.to > e.from ? "asked for" : "down to"} ${e.to} worker(s)${e.to > e.from ? ` (was ${e.from})` : ""}`;
    case "stuck":
      return `${e.region} cannot start workers (${e.why}); its share goes to the other regions`;
    case "unstuck":
      return `${e.region} starts workers again`;
    case "fleet_unreadable":
      return `could not read the workers' service in ${e.region}: ${e.message}`;
    case "scale_failed":
      return `could not set the workers' count in ${e.region}: ${e.message}`;
  }
}

/** How many workers this run's results came from: the workers launched, or (with services,
 * or workers taken over from an earlier client) the distinct workers that published since the
 * run began. */
function workersOfThisRun(report: CloudRunReport): number {
  const since = Date.now() - report.wallSeconds * 1000;
  const publishers = new Set(
    report.results.filter((r) => Date.parse(r.endedAt) >= since && r.worker !== "").map((r) => r.worker),
  );
  return Math.max(report.pool.launched, publishers.size);
}
