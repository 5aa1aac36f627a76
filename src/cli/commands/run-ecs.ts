// `modelfleet run <spec> --executor ecs`: the run on ECS Fargate workers, with the same
// progress display and summary as a local run.
import { resolve } from "node:path";
import { cloudPieces, readInfrastructureOutputs } from "../../cloud/aws-wiring.ts";
import { runOnCloud } from "../../cloud/cloud-run.ts";
import type { Clock } from "../../engine/clock.ts";
import { UserError } from "../../errors.ts";
import { reportRunSet } from "../../report/report-run-set.ts";
import { formatRunSummary } from "../../report/run-summary.ts";
import { formatTextReport } from "../../report/text-report.ts";
import { loadSpec } from "../../spec/load.ts";
import type { CliIO } from "../io.ts";
import { ProgressTracker, startProgressDisplay } from "../progress.ts";

export interface EcsRunOptions {
  readonly specFile: string;
  readonly infraFile: string;
  readonly ids?: ReadonlySet<string>;
  readonly retryFailed: boolean;
  readonly json: boolean;
  readonly image?: string;
  readonly stop: AbortSignal;
  readonly clock?: Clock;
  readonly pollMs?: number;
  readonly poolPollMs?: number;
}

export async function runOnEcs(options: EcsRunOptions, io: CliIO): Promise<number> {
  const resolved = await loadSpec(options.specFile);
  const cloud = resolved.spec.cloud;
  const outputs = await readInfrastructureOutputs(resolve(io.cwd, options.infraFile));
  if (outputs.region !== cloud.region) {
    throw new UserError(
      `${options.specFile}: cloud.region is ${cloud.region} but the infrastructure in ${options.infraFile} is in ${outputs.region}; make them agree`,
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
  const label = `${resolved.spec.project}/${resolved.spec.scenario}`;
  let tracker: ProgressTracker | undefined;
  let display: { stop(): void } | undefined;
  try {
    const report = await runOnCloud({
      resolved,
      ...pieces,
      runSetKey: pieces.store.runSetKey({ project: resolved.spec.project, scenario: resolved.spec.scenario }),
      maxWorkers: cloud.max_workers,
      ...(options.ids ? { ids: options.ids } : {}),
      retryFailed: options.retryFailed,
      ...(options.image ? { image: options.image } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.poolPollMs !== undefined ? { poolPollMs: options.poolPollMs } : {}),
      signal: options.stop,
      onPlan: (plan) => {
        io.err(
          `${label}: ${plan.all.length} realisations, ${plan.done.ok + plan.done.modelFailed} done, ${plan.toRun.length} to run on ECS Fargate (${cloud.region}, up to ${cloud.max_workers} workers)`,
        );
        tracker = new ProgressTracker(plan.toRun.length);
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
        } else if (e.type !== "uploaded") tracker?.on(e);
      },
    });
    display?.stop();
    const everyId = resolved.realisations.realisations.map((r) => r.id);
    const aggregated = await reportRunSet({ spec: resolved.spec, store: pieces.store, plannedIds: everyId });
    const infraFailures = report.results.filter((r) => r.failure?.kind === "infrastructure").length;
    const missing = report.plan.all.length - report.results.length;
    if (options.json) {
      io.out(
        JSON.stringify(
          {
            project: resolved.spec.project,
            scenario: resolved.spec.scenario,
            realisations: report.plan.all.length,
            ranNow: report.published + report.deadLettered,
            deadLettered: report.deadLettered,
            workers: report.pool,
            results: aggregated.location,
            counts: aggregated.summary.counts,
            alerts: aggregated.summary.alerts,
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
          ranNowCpuSeconds: tracker?.counts().cpuSeconds ?? 0,
          wallSeconds: report.wallSeconds,
          workers: report.pool.launched,
          location: aggregated.location,
          keptWorkdirs: [],
        }),
      );
      io.out(
        `\n${formatTextReport(aggregated.summary, { keyObservations: resolved.spec.report.key_observations })}`,
      );
      io.out(`\nreport: ${aggregated.location}/report.html`);
    }
    if (report.stopped && missing > 0) return 130;
    return infraFailures > 0 ? 1 : 0;
  } finally {
    display?.stop();
  }
}
