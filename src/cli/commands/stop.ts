// `modelfleet stop <spec> --executor ecs`: stops a cloud run set cleanly (see
// cloud/stop-run-set.ts), whether a client still follows it or not, and says what it did.
import { hostname } from "node:os";
import { scaleAllToZero } from "../../cloud/end-run-set.ts";
import { drainQueue } from "../../cloud/sqs-drain.ts";
import { stopRunSet } from "../../cloud/stop-run-set.ts";
import { allFleets } from "../../cloud/worker-fleet.ts";
import { UserError } from "../../errors.ts";
import { formatDuration } from "../../spec/duration.ts";
import { acquireCloudLock, CLOUD_LOCK_FILE } from "../../store/s3-lock.ts";
import { durationOption, parseCommandArgs, singleArgument } from "../args.ts";
import type { CliIO } from "../io.ts";
import { defaultInfraFile, loadEcsRunSet } from "./run-ecs.ts";

const USAGE = `usage: modelfleet stop <project.yaml> --executor ecs [options]

Stops a run set on ECS Fargate: no worker starts another of its realisations, its workers are
stopped (each kills its model; nothing half-done is published), and its queued work is removed
from the queue. Results already published stay. \`modelfleet run\` later runs exactly the
realisations that have no result. A client still following the run set ends.

options:
  --executor ecs     the run set is on ECS (a local run stops with Ctrl-C in its terminal)
  --infra FILE       the infrastructure outputs (default .modelfleet/infra/<project>-<scenario>.json)
  --wait DURATION    how long to wait for the workers to go (default 150s)

Exit codes: 0 stopped (or nothing was running); 1 a problem with the project file, the
infrastructure outputs or AWS (the message says which); 2 bad command line.`;

export async function stopCommand(args: string[], io: CliIO): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(
    "stop",
    args,
    { executor: { type: "string" }, infra: { type: "string" }, wait: { type: "string" } },
    USAGE,
  );
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const specFile = singleArgument(positionals, USAGE);
  if (o.executor !== "ecs") {
    throw new UserError(
      `stop: stops a run set on ECS; add --executor ecs (a local run stops with Ctrl-C in its terminal)\n\n${USAGE}`,
      { exitCode: 2 },
    );
  }
  const wait = durationOption("stop", "wait", o.wait, 150, "90s");
  const runSet = await loadEcsRunSet(
    { specFile, infraFile: o.infra ?? (await defaultInfraFile(specFile)) },
    io,
  );
  const { pieces, label, runSetKey, commands, infra } = runSet;
  const command = `modelfleet stop ${specFile} --executor ecs`;

  // Held while stopping, so no run starts meanwhile; a client following the run set loses it.
  const lock = await acquireCloudLock({
    target: pieces.store,
    key: `${runSetKey}/${CLOUD_LOCK_FILE}`,
    command,
    unlockHint: `follow it with \`${commands.status}\``,
    force: true,
  });
  try {
    if (lock.tookOver && "command" in lock.tookOver) {
      io.err(
        `${label}: took the run lock over from \`${lock.tookOver.command}\` (pid ${lock.tookOver.pid} on ${lock.tookOver.host}); that client ends within seconds`,
      );
    }
    let waitingFor: number | undefined;
    const report = await stopRunSet({
      objects: pieces.objects,
      runSetKey,
      workers: pieces.fleets.length > 0 ? allFleets(pieces.fleets) : pieces.launcher,
      ...(pieces.fleets.length > 0 ? { scaleDown: () => scaleAllToZero(pieces.fleets) } : {}),
      drain: (remove) => drainQueue({ client: pieces.sqs, queueUrl: infra.queueUrl, remove }),
      counts: () => pieces.queue.counts(),
      by: { host: hostname(), pid: process.pid, command },
      waitMs: wait * 1000,
      onEvent: (e) => {
        if (e.type === "marked" && !e.already) {
          io.err(
            `${label}: stopped the run started ${e.record.started.at} by \`${e.record.started.command}\`: no worker starts another of its realisations`,
          );
        } else if (e.type === "marked") {
          io.err(
            `${label}: the run started ${e.record.started.at} was already stopped at ${e.record.stopped?.at}`,
          );
        } else if (e.type === "scaled_down") {
          io.err(
            `${label}: set the workers' services to 0 in ${pieces.fleets.map((f) => f.region).join(", ")}, so ECS starts no others`,
          );
          for (const p of e.problems) io.err(`${label}: could not set the workers to zero in ${p}`);
        } else if (e.type === "told") {
          io.err(
            e.workers === 0
              ? `${label}: no worker of this run set is running`
              : `${label}: told ${e.workers} worker(s) to stop (ECS sends SIGTERM; each kills its model and puts its realisation back, and ECS kills a worker still there after the task's stop timeout, 30 s unless the task definition sets up to 120 s)`,
          );
          for (const f of e.failures) io.err(`${label}: could not stop worker ${f.id}: ${f.reason}`);
        } else if (e.type === "waiting" && e.workers !== waitingFor) {
          waitingFor = e.workers;
          io.err(
            `${label}: waiting for ${e.workers} worker(s) to stop; ${e.removed} queued realisation(s) removed so far`,
          );
        }
      },
    });
    const lines: string[] = [];
    if (!report.record) {
      lines.push(
        `${label}: the run set has no run record, so its queued messages cannot be told from others and were left on the queue`,
      );
    }
    if (report.told > 0) {
      lines.push(
        report.stillStopping === 0
          ? `${label}: all ${report.told} worker(s) stopped within ${formatDuration(report.waitedSeconds)}`
          : `${label}: ${report.stillStopping} of ${report.told} worker(s) still stopping after ${formatDuration(report.waitedSeconds)}; ECS kills them at their stop timeout, and nothing they leave half-done is published`,
      );
    }
    lines.push(`${label}: removed ${report.removed} queued realisation(s) from the queue`);
    if (report.held > 0) {
      lines.push(
        `${label}: ${report.held} message(s) are still held by a worker; they are deleted, not run, when they come back on the queue`,
      );
    }
    lines.push(
      `${label}: results published before the stop are kept; \`${commands.run}\` runs the realisations that have none.`,
    );
    io.err(lines.join("\n"));
    return 0;
  } finally {
    await lock.release();
  }
}
