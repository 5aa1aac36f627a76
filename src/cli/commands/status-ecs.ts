// `modelfleet status <spec> --executor ecs`: where a run set on ECS stands: results in S3,
// the run that is going on (followed by a client or not, stopped, given up, finished), its
// queue and dead letters, and its workers: per region, the service's desired, running and
// pending tasks, whether the region can start workers, and why its last workers stopped.
import { judgeRegion, type RegionHealth } from "../../cloud/fleet-plan.ts";
import { parseRunRecord, type RunRecord, runRecordKey } from "../../cloud/run-record.ts";
import { deathLines, groupDeaths } from "../../cloud/worker-deaths.ts";
import type { FleetState } from "../../cloud/worker-fleet.ts";
import { errorMessage } from "../../errors.ts";
import { planRun } from "../../plan/plan.ts";
import { formatDuration } from "../../spec/duration.ts";
import { CLOUD_LOCK_FILE, readCloudLock } from "../../store/s3-lock.ts";
import type { CliIO } from "../io.ts";
import { loadEcsRunSet } from "./run-ecs.ts";

export interface EcsStatusOptions {
  readonly specFile: string;
  readonly infraFile: string;
  readonly watch: boolean;
  readonly everyMs: number;
  readonly json: boolean;
}

/** How long a region may take to start a worker before status calls it stuck. */
const START_GRACE_MS = 10 * 60_000;
/** Stop reasons shown per region. */
const STOP_GROUPS = 3;

type RegionView = FleetState & { readonly health: RegionHealth };

export async function statusOnEcs(options: EcsStatusOptions, io: CliIO): Promise<number> {
  const { resolved, pieces, label, runSetKey, commands } = await loadEcsRunSet(options, io);
  const services = pieces.fleets.length > 0;
  for (;;) {
    const text = await pieces.objects.getTextIfExists(runRecordKey(runSetKey));
    const record = text === undefined ? undefined : parseRunRecord(text);
    const lock = await readCloudLock(pieces.store, `${runSetKey}/${CLOUD_LOCK_FILE}`);
    const client = lock?.holder && Date.parse(lock.holder.expiresAt) > Date.now() ? lock.holder : undefined;
    // Keys hash the worker image: plan with the one the run was started with.
    const plan = await planRun(resolved, pieces.store, { image: record?.image ?? "" });
    const queue = await pieces.queue.counts();
    const deadLetters = await pieces.deadLetterCounts();
    const since = record ? Date.parse(record.started.at) || 0 : 0;
    const regions: RegionView[] = [];
    const unreadable: string[] = [];
    for (const fleet of pieces.fleets) {
      try {
        const state = await fleet.state();
        regions.push({
          ...state,
          health: judgeRegion(state, { since, now: Date.now(), startGraceMs: START_GRACE_MS }),
        });
      } catch (e) {
        unreadable.push(`${fleet.region}: ${errorMessage(e)}`);
      }
    }
    const workers = services
      ? regions.reduce((n, r) => n + r.running + r.pending, 0)
      : (await pieces.launcher.list()).length;
    const desired = regions.reduce((n, r) => n + r.desired, 0);
    const done = plan.done.ok + plan.done.modelFailed;
    if (options.json) {
      io.out(
        JSON.stringify({
          project: plan.runSet.project,
          scenario: plan.runSet.scenario,
          realisations: plan.all.length,
          ok: plan.done.ok,
          failedModel: plan.done.modelFailed,
          failedInfrastructure: plan.infraRetry,
          remaining: plan.toRun.length,
          run: record ?? null,
          client: client ?? null,
          queue,
          deadLetters: deadLetters.visible + deadLetters.inFlight,
          workers,
          regions: regions.map((r) => ({
            region: r.region,
            service: r.service,
            desired: r.desired,
            running: r.running,
            pending: r.pending,
            health: r.health.state,
            ...(r.health.state === "stuck" ? { why: r.health.why } : {}),
            lastStops: groupDeaths(r.stopped.filter((s) => s.stoppedAt >= since)).slice(0, STOP_GROUPS),
          })),
          ...(unreadable.length > 0 ? { unreadable } : {}),
        }),
      );
    } else {
      const pct = plan.all.length === 0 ? 100 : Math.floor((done / plan.all.length) * 100);
      io.out(
        `${label}: ${done}/${plan.all.length} done (${pct}%): ${plan.done.ok} ok, ${plan.done.modelFailed} model failures; ${plan.toRun.length} left${
          plan.infraRetry ? ` (${plan.infraRetry} infrastructure failures to retry)` : ""
        }`,
      );
      io.out(
        `  ${describeRun({ record, client, left: plan.toRun.length, workers, services, run: commands.run, watch: commands.watch })}`,
      );
      const dead = deadLetters.visible + deadLetters.inFlight;
      io.out(
        `  queue: ${queue.visible} waiting, ${queue.inFlight} being run; ${
          services ? "" : `${workers} worker(s) running; `
        }${dead} dead letter(s)`,
      );
      for (const line of fleetLines(regions, since)) io.out(`  ${line}`);
      for (const problem of unreadable) io.out(`  ${problem}`);
      if (!options.watch) {
        io.out(`  results: ${pieces.store.runSetLocation(plan.runSet)}`);
        if (record && !record.stopped && (workers > 0 || desired > 0)) io.out(`  stop it: ${commands.stop}`);
      }
    }
    const idle = workers === 0 && desired === 0 && queue.visible + queue.inFlight === 0;
    if (!options.watch || idle) return 0;
    await new Promise((r) => setTimeout(r, options.everyMs));
  }
}

/** One line per region (and its last stop reasons, since `since`): what `aws ecs describe-services`
 * and `aws ecs describe-tasks` would tell, in words. */
export function fleetLines(regions: readonly RegionView[], since = 0): string[] {
  const lines: string[] = [];
  for (const r of regions) {
    const health =
      r.health.state === "stuck"
        ? `; cannot start workers: ${r.health.why}`
        : r.health.state === "starting"
          ? "; starting"
          : "";
    lines.push(
      `${r.region} ${r.service}: ${r.desired} desired, ${r.running} running, ${r.pending} pending${health}`,
    );
    const stops = groupDeaths(r.stopped.filter((s) => s.stoppedAt >= since)).slice(0, STOP_GROUPS);
    if (stops.length > 0) lines.push("  last stops:", ...deathLines(stops).map((l) => `  ${l}`));
  }
  return lines;
}

function describeRun(args: {
  record: RunRecord | undefined;
  client: { pid: number; host: string } | undefined;
  left: number;
  workers: number;
  services: boolean;
  run: string;
  watch: string;
}): string {
  const { record, client } = args;
  if (!record) return "no run recorded";
  const started = `run started ${record.started.at} (${ago(record.started.at)} ago) by \`${record.started.command}\``;
  if (record.stopped) {
    return `${started}: stopped ${record.stopped.at} by \`${record.stopped.command}\` (pid ${record.stopped.pid} on ${record.stopped.host})`;
  }
  if (record.failed) {
    return `${started}: given up ${record.failed.at} by \`${record.failed.command}\`: its workers kept dying; \`${args.run}\` runs the ${args.left} left once the cause is fixed`;
  }
  if (record.finished) return `${started}: finished ${record.finished.at}; its reports are written`;
  if (client) return `${started}: followed by its client, pid ${client.pid} on ${client.host}`;
  if (args.left === 0) return `${started}: done`;
  if (args.services) {
    return `${started}: no client follows it; the services keep its workers going (AWS replaces lost ones); \`${args.watch}\` finishes it`;
  }
  return args.workers > 0
    ? `${started}: no client follows it; its workers go on until the queue is empty (lost ones are not replaced)`
    : `${started}: no client follows it and no worker is running; \`${args.run}\` runs the ${args.left} left`;
}

function ago(iso: string): string {
  return formatDuration(Math.max(0, (Date.now() - Date.parse(iso)) / 1000));
}
