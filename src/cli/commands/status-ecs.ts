// `modelfleet status <spec> --executor ecs`: where a run set on ECS stands: results in S3,
// the run that is going on (followed by a client or not, stopped), its queue and workers.
import { parseRunRecord, type RunRecord, runRecordKey } from "../../cloud/run-record.ts";
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

export async function statusOnEcs(options: EcsStatusOptions, io: CliIO): Promise<number> {
  const { resolved, pieces, label, runSetKey, commands } = await loadEcsRunSet(options, io);
  for (;;) {
    const text = await pieces.objects.getTextIfExists(runRecordKey(runSetKey));
    const record = text === undefined ? undefined : parseRunRecord(text);
    const lock = await readCloudLock(pieces.store, `${runSetKey}/${CLOUD_LOCK_FILE}`);
    const client = lock?.holder && Date.parse(lock.holder.expiresAt) > Date.now() ? lock.holder : undefined;
    // Keys hash the worker image: plan with the one the run was started with.
    const plan = await planRun(resolved, pieces.store, { image: record?.image ?? "" });
    const queue = await pieces.queue.counts();
    const workers = (await pieces.launcher.list()).length;
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
          workers,
        }),
      );
    } else {
      const pct = plan.all.length === 0 ? 100 : Math.floor((done / plan.all.length) * 100);
      io.out(
        `${label}: ${done}/${plan.all.length} done (${pct}%): ${plan.done.ok} ok, ${plan.done.modelFailed} model failures; ${plan.toRun.length} left${
          plan.infraRetry ? ` (${plan.infraRetry} infrastructure failures to retry)` : ""
        }`,
      );
      io.out(`  ${describeRun({ record, client, left: plan.toRun.length, workers, run: commands.run })}`);
      io.out(`  queue: ${queue.visible} waiting, ${queue.inFlight} being run; ${workers} worker(s) running`);
      if (!options.watch) {
        io.out(`  results: ${pieces.store.runSetLocation(plan.runSet)}`);
        if (record && !record.stopped && workers > 0) io.out(`  stop it: ${commands.stop}`);
      }
    }
    if (!options.watch || (workers === 0 && queue.visible + queue.inFlight === 0)) return 0;
    await new Promise((r) => setTimeout(r, options.everyMs));
  }
}

function describeRun(args: {
  record: RunRecord | undefined;
  client: { pid: number; host: string } | undefined;
  left: number;
  workers: number;
  run: string;
}): string {
  const { record, client } = args;
  if (!record) return "no run recorded";
  const started = `run started ${record.started.at} (${ago(record.started.at)} ago) by \`${record.started.command}\``;
  if (record.stopped) {
    return `${started}: stopped ${record.stopped.at} by \`${record.stopped.command}\` (pid ${record.stopped.pid} on ${record.stopped.host})`;
  }
  if (client) return `${started}: followed by its client, pid ${client.pid} on ${client.host}`;
  if (args.left === 0) return `${started}: done`;
  return args.workers > 0
    ? `${started}: no client follows it; its workers go on until the queue is empty (lost ones are not replaced)`
    : `${started}: no client follows it and no worker is running; \`${args.run}\` runs the ${args.left} left`;
}

function ago(iso: string): string {
  return formatDuration(Math.max(0, (Date.now() - Date.parse(iso)) / 1000));
}
