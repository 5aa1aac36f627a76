// `modelfleet watch <spec> --executor ecs [--once]`: follows a run set on ECS with no client
// of its own, as a scheduled job does: one step of cloud/follow-run.ts at a time
// (dead letters, desired counts, stuck regions, crash loops, lost work), and once every
// realisation the run queued has a result, the reports and the services at zero
// (cloud/end-run-set.ts). Everything it needs is read from S3, SQS and ECS, so it can run at
// any time, alongside the client or another watch.
import type { CloudRunEvent } from "../../cloud/cloud-run.ts";
import { finishRunSet, giveUpRunSet, partyOf } from "../../cloud/end-run-set.ts";
import { createRunFollower, type FollowStep } from "../../cloud/follow-run.ts";
import { parseRunManifest } from "../../cloud/run-manifest.ts";
import { parseRunRecord, type RunRecord, runRecordKey } from "../../cloud/run-record.ts";
import { type RunSetStatus, runningStatus, type WorkerTask } from "../../cloud/run-set-status.ts";
import { createTaskLedger, taskLedgerKey } from "../../cloud/task-ledger.ts";
import { WorkersFailingError } from "../../cloud/worker-deaths.ts";
import { systemClock } from "../../engine/clock.ts";
import { UserError } from "../../errors.ts";
import { parameterTableOf } from "../../plan/plan.ts";
import type { RunSetSummary } from "../../results/summary.ts";
import type { ResultStore, RunSetRef } from "../../store/result-store.ts";
import { durationOption, parseCommandArgs, singleArgument } from "../args.ts";
import type { CliIO } from "../io.ts";
import { costOfRun, defaultInfraFile, describeFleetEvent, type EcsRunSet, loadEcsRunSet } from "./run-ecs.ts";
import { fleetLines } from "./status-ecs.ts";

const USAGE = `usage: modelfleet watch <project.yaml> --executor ecs [options]

Follows a run set on ECS Fargate with no client needed, as a scheduled job does (--once):
turns dead letters into failed results, lowers each region's workers as work runs out, gives a
region that cannot start workers' share to the others, gives the run up when its workers keep
dying (every region to zero, the run record marked failed with the reasons), and once every
realisation the run queued has a result, writes the reports to S3 and sets the workers to zero.
It can run at any time, alongside the client that started the run or another watch.

options:
  --executor ecs     the run set is on ECS
  --infra FILE       the infrastructure outputs (default .modelfleet/infra/<project>-<scenario>.json)
  --once             one step, then exit (for a scheduled job)
  --every DURATION   time between steps (default 30s)
  --json             one JSON object per step

Exit codes: 0 the run set goes on (--once), is finished with no infrastructure failure, was
stopped, or there is no run to follow; 1 infrastructure failures remain, realisations were lost,
or its workers kept dying and the run was given up; 2 bad command line.`;

export async function watchCommand(args: string[], io: CliIO): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(
    "watch",
    args,
    {
      executor: { type: "string" },
      infra: { type: "string" },
      once: { type: "boolean" },
      every: { type: "string" },
      json: { type: "boolean" },
      prices: { type: "string" },
    },
    USAGE,
  );
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const specFile = singleArgument(positionals, USAGE);
  if (o.executor !== "ecs") {
    throw new UserError(`watch: follows a run set on ECS; add --executor ecs\n\n${USAGE}`, { exitCode: 2 });
  }
  const every = durationOption("watch", "every", o.every, 30, "30s");
  const runSet = await loadEcsRunSet(
    {
      specFile,
      infraFile: o.infra ?? (await defaultInfraFile(specFile)),
      ...(o.prices ? { pricesFile: o.prices } : {}),
    },
    io,
  );
  return watchRunSet(
    { runSet, specFile, once: o.once ?? false, everyMs: every * 1000, json: o.json ?? false },
    io,
  );
}

async function watchRunSet(
  options: { runSet: EcsRunSet; specFile: string; once: boolean; everyMs: number; json: boolean },
  io: CliIO,
): Promise<number> {
  const { runSet } = options;
  const { resolved, pieces, label, runSetKey, commands } = runSet;
  const clock = systemClock;
  const command = `modelfleet watch ${options.specFile} --executor ecs`;
  const recordKey = runRecordKey(runSetKey);
  const ref = { project: resolved.spec.project, scenario: resolved.spec.scenario };
  const say = (status: RunSetStatus, lines: readonly string[] = []) => {
    if (options.json) io.out(JSON.stringify(status));
    else {
      io.out(`${label}: ${status.text}`);
      for (const line of lines) io.out(`  ${line}`);
    }
  };

  const text = await pieces.objects.getTextIfExists(recordKey);
  const record = text === undefined ? undefined : parseRunRecord(text);
  if (record === undefined) {
    say({
      state: "none",
      ...ref,
      text: `no run recorded; nothing to follow (\`${commands.run}\` starts one)`,
    });
    return 0;
  }
  const manifestText = record.manifest ? await pieces.objects.getTextIfExists(record.manifest) : undefined;
  const manifest = manifestText === undefined ? undefined : parseRunManifest(manifestText);
  const ledger = createTaskLedger({
    objects: pieces.objects,
    key: taskLedgerKey(runSetKey, record.run),
    since: Date.parse(record.started.at) || 0,
  });
  const plan = manifest && { queued: manifest.queued.length, medianWallSeconds: manifest.medianWallSeconds };
  // A run that has ended is billed up to its end; one that goes on, up to now.
  const endedAt = record.stopped?.at ?? record.failed?.at ?? record.finished?.at;
  const ofRun = async (tasks?: readonly WorkerTask[]) => ({
    ...ref,
    run: record.run,
    ...costOfRun(runSet, {
      plan,
      tasks: tasks ?? (await ledger.known()),
      now: endedAt ? Date.parse(endedAt) : clock.now(),
    }),
  });
  const settled = settledState(record);
  if (settled) {
    if (settled.state !== "finished") {
      say({ state: settled.state, ...(await ofRun()), text: settled.text });
      return settled.code;
    }
    const summary = await readSummary(pieces.store, ref);
    if (summary) {
      say({
        state: "finished",
        ...(await ofRun()),
        text: settled.text,
        counts: summary.counts,
        alerts: summary.alerts,
        report: `${pieces.store.runSetLocation(ref)}/report.html`,
      });
      return settled.code;
    }
    // Finished, but its reports are gone: they are written again below.
  }
  if (!manifest) {
    say({
      state: "unknown",
      ...(await ofRun()),
      text: `the run started ${record.started.at} left no list of what it queued; \`${commands.status}\` shows where it stands`,
    });
    return 0;
  }
  const run = { id: record.run, record: recordKey };
  const maxWorkers = resolved.spec.cloud.max_workers;
  const follower = createRunFollower({
    runSet: ref,
    store: pieces.store,
    readRecord: () => pieces.objects.getTextIfExists(recordKey),
    run,
    manifest,
    deadLetters: pieces.deadLetters,
    queue: pieces.queue,
    fleets: pieces.fleets,
    maxWorkers,
    startedAt: Date.parse(record.started.at) || clock.now(),
    clock,
    ledger,
    onEvent: (e) => {
      if (options.json || e.type === "finished" || e.type === "queue") return;
      const line = describeFleetEvent(e as Extract<CloudRunEvent, { type: "fleet" }>["event"]);
      if (line) io.err(`${label}: ${line}`);
    },
  });
  const finish = (complete: boolean) =>
    pieces.store.currentPlan(ref).then((plan) =>
      finishRunSet({
        spec: resolved.spec,
        store: pieces.store,
        objects: pieces.objects,
        recordKey,
        run,
        fleets: pieces.fleets,
        plannedIds: resolved.realisations.realisations.map((r) => r.id),
        currentKeys: new Map(Object.entries(plan?.keys ?? {})),
        parameters: parameterTableOf(resolved),
        complete,
        by: partyOf(command, clock),
      }),
    );
  for (;;) {
    const step = await follower.step();
    const total = manifest.queued.length;
    const ofStep = await ofRun(step.tasks);
    if (step.pending.size === 0 || step.unfinished) {
      const finished = await finish(step.pending.size === 0);
      for (const problem of finished.scaleProblems)
        io.err(`${label}: could not set the workers to zero: ${problem}`);
      const { summary, location } = finished.report;
      const c = summary.counts;
      const reported = { counts: c, alerts: summary.alerts, report: `${location}/report.html` };
      if (step.unfinished) {
        say({
          state: "lost",
          ...ofStep,
          ...reported,
          unfinished: step.unfinished,
          text: `${step.unfinished.length} realisation(s) have neither a message on the queue nor a result: ${listIds(step.unfinished)}. \`${commands.run}\` queues them again.\n  report: ${reported.report}`,
        });
        return 1;
      }
      say({
        state: "finished",
        ...ofStep,
        ...reported,
        text: `every one of the ${total} realisation(s) the run queued has a result: ${c.ok} ok, ${c.failedModel} model failures, ${c.failedInfrastructure} infrastructure failures; the workers are set to zero\n  report: ${reported.report}`,
      });
      return c.failedInfrastructure > 0 ? 1 : 0;
    }
    if (step.replacedBy) {
      // Stopped or given up meanwhile: said as a later watch would say it.
      if (step.replacedBy.run === record.run) return watchRunSet(options, io);
      say({
        state: "replaced",
        ...ofStep,
        text: `another run (started ${step.replacedBy.started.at} by \`${step.replacedBy.started.command}\`) has replaced the one followed; watch again to follow it`,
      });
      return 0;
    }
    if (step.crashLoop) {
      const loop = step.crashLoop;
      const logHint = pieces.workerLogHint(loop.groups[0]!.example);
      const error = new WorkersFailingError({
        deaths: loop.deaths.length,
        limit: Math.max(3, maxWorkers),
        groups: loop.groups,
        ...(logHint ? { logHint } : {}),
        consequence: "so every region's workers were scaled to zero and the run was given up",
      });
      const given = await giveUpRunSet({
        objects: pieces.objects,
        recordKey,
        run,
        fleets: pieces.fleets,
        reason: error.message,
        by: partyOf(command, clock),
        drain: pieces.drain,
      });
      say({
        state: "failed",
        ...ofStep,
        text: `${error.message}\nRemoved ${given.removed} queued realisation(s); once the cause is fixed, \`${commands.run}\` queues what has no result.`,
      });
      return 1;
    }
    say(
      runningStatus({
        ...ofStep,
        text: progressText(step, total),
        queued: total,
        pending: step.pending.size,
        queue: step.queue,
        fleets: step.fleets,
      }),
      fleetLines(step.fleets),
    );
    if (options.once) return 0;
    await clock.sleep(options.everyMs);
  }
}

/** A run that needs no following: stopped, given up or finished. */
function settledState(
  record: RunRecord,
): { state: "stopped" | "failed" | "finished"; text: string; code: number } | undefined {
  if (record.stopped) {
    return {
      state: "stopped",
      text: `the run started ${record.started.at} was stopped ${record.stopped.at} by \`${record.stopped.command}\`; nothing to follow`,
      code: 0,
    };
  }
  if (record.failed) {
    return {
      state: "failed",
      text: `the run started ${record.started.at} was given up ${record.failed.at} by \`${record.failed.command}\`:\n${record.failed.reason}`,
      code: 1,
    };
  }
  if (record.finished) {
    return {
      state: "finished",
      text: `the run started ${record.started.at} finished ${record.finished.at} (\`${record.finished.command}\`): its reports are written; nothing to follow`,
      code: 0,
    };
  }
  return undefined;
}

/** The run set's summary.json, as the reports wrote it. */
async function readSummary(store: ResultStore, runSet: RunSetRef): Promise<RunSetSummary | undefined> {
  const bytes = await store.getRunSetFile(runSet, "summary.json");
  if (!bytes) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as RunSetSummary;
  } catch {
    return undefined;
  }
}

function progressText(step: FollowStep, total: number): string {
  const q = step.queue;
  return `${total - step.pending.size}/${total} realisation(s) of the run have a result; ${step.pending.size} to go${
    q ? ` (queue: ${q.visible} waiting, ${q.inFlight} being run)` : ""
  }`;
}

function listIds(ids: readonly string[], max = 10): string {
  return ids.length <= max ? ids.join(", ") : `${ids.slice(0, max).join(", ")} and ${ids.length - max} more`;
}
