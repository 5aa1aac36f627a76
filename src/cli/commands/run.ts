// `modelfleet run <spec>`: runs the ensemble on this machine with a live progress display,
// stops gracefully on Ctrl-C (twice: at once), and prints a summary.
import { relative } from "node:path";
import { refuseClosedProject } from "../../close/closed-marker.ts";
import { defaultWorkers, runLocal } from "../../engine/local-run.ts";
import { UserError } from "../../errors.ts";
import { parseIdSelection } from "../../params/id-selection.ts";
import { formatRunSummary } from "../../report/run-summary.ts";
import { formatTextReport } from "../../report/text-report.ts";
import { formatUnpublished } from "../../report/unpublished.ts";
import { formatDuration } from "../../spec/duration.ts";
import { loadSpec } from "../../spec/load.ts";
import { durationOption, parseCommandArgs, singleArgument } from "../args.ts";
import { type CliIO, outputIsGone } from "../io.ts";

/** 128 + SIGHUP: stopped because the terminal closed (run again to resume). */
const HANGUP_EXIT_CODE = 129;

import { ProgressTracker, startProgressDisplay } from "../progress.ts";
import { runOnEcs } from "./run-ecs.ts";

async function defaultInfraFile(specFile: string): Promise<string> {
  const { spec } = await loadSpec(specFile);
  return `.modelfleet/infra/${spec.project}-${spec.scenario}.json`;
}

const USAGE = `usage: modelfleet run <project.yaml> [options]

options:
  --workers N        parallel model runs (default: cores, ${defaultWorkers()} here)
  --ids LIST         only these realisations, e.g. 1-50,75
  --results DIR      results root (default .modelfleet/results)
  --work-dir DIR     where work folders are made (default .modelfleet/work)
  --keep-workdirs    keep every work folder (failed ones are always kept)
  --retry-failed     run model failures again (they are otherwise done)
  --grace DURATION   on Ctrl-C, time given to running models before they are killed (default 10s)
  --json             print the summary as JSON
  --executor local|ecs   where to run (default local); ecs runs on ECS Fargate workers
  --infra FILE       with ecs: the infrastructure outputs (default .modelfleet/infra/<project>-<scenario>.json)
  --image DIGEST     with ecs: the worker image digest (part of every realisation key)
  --poll DURATION    with ecs: how often results and workers are checked (default 10s)
  --force            with ecs: take the run lock over from another run (check that it has ended)
  --detach           with ecs and the workers' services: exit once the run set is started;
                     \`modelfleet watch\` follows and finishes it
  --prices FILE      with ecs and --json: a prices file over src/cost/fargate-prices.json for
                     the cost (projects/<project>/fargate-prices.json overrides both)

Exit codes: 0 every realisation has a result (some may be model failures); 1 infrastructure
failures remain, results could not be published, or a problem with the project file; 2 bad
command line; 3 another run of this scenario holds its lock; 129 stopped because the terminal
closed; 130 stopped by Ctrl-C (run again to resume); 141 its output was closed (| head).`;

export async function runCommand(args: string[], io: CliIO): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(
    "run",
    args,
    {
      workers: { type: "string", short: "w" },
      ids: { type: "string" },
      results: { type: "string" },
      "work-dir": { type: "string" },
      "keep-workdirs": { type: "boolean" },
      "retry-failed": { type: "boolean" },
      grace: { type: "string" },
      json: { type: "boolean" },
      executor: { type: "string" },
      infra: { type: "string" },
      image: { type: "string" },
      poll: { type: "string" },
      force: { type: "boolean" },
      detach: { type: "boolean" },
      prices: { type: "string" },
    },
    USAGE,
  );
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const specFile = singleArgument(positionals, USAGE);
  await refuseClosedProject(specFile);
  const workers = o.workers === undefined ? undefined : Number(o.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1)) {
    throw new UserError(`run: --workers takes a whole number >= 1, got "${o.workers}"`, { exitCode: 2 });
  }
  const grace = durationOption("run", "grace", o.grace, 10);

  const executor = o.executor ?? "local";
  if (executor !== "local" && executor !== "ecs") {
    throw new UserError(`run: --executor takes local or ecs, got "${executor}"`, { exitCode: 2 });
  }
  const stop = new AbortController();
  const kill = new AbortController();
  const poll = o.poll === undefined ? undefined : durationOption("run", "poll", o.poll, 10, "5s");
  if (o.detach && executor !== "ecs") {
    throw new UserError("run: --detach is for --executor ecs (a local run is this process)", { exitCode: 2 });
  }
  if (executor === "ecs") {
    // The run set is not tied to this client: a signal ends the client only (run-ecs says so).
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      return await runOnEcs(
        {
          specFile,
          infraFile: o.infra ?? (await defaultInfraFile(specFile)),
          ...(o.ids !== undefined ? { ids: parseIdSelection(o.ids) } : {}),
          retryFailed: o["retry-failed"] ?? false,
          json: o.json ?? false,
          ...(o.image ? { image: o.image } : {}),
          ...(poll !== undefined ? { pollMs: poll * 1000, poolPollMs: poll * 1000 } : {}),
          ...(o.force ? { force: true } : {}),
          ...(o.detach ? { detach: true } : {}),
          ...(o.prices ? { pricesFile: o.prices } : {}),
          stop: stop.signal,
        },
        io,
      );
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }
  const onSigint = () => {
    if (!stop.signal.aborted) {
      io.err(
        `\nstopping: no new runs; running ones get ${formatDuration(grace)} to finish (Ctrl-C again to kill them now)`,
      );
      stop.abort();
    } else {
      io.err("\nkilling running models; nothing half-done is published");
      kill.abort();
    }
  };
  // The terminal closed (an SSH session dropped): the same graceful stop as Ctrl-C, with
  // nothing printed any more; the results are published and the next run resumes.
  let hungUp = false;
  const onHangup = () => {
    hungUp = true;
    outputIsGone();
    stop.abort();
  };
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigint);
  process.on("SIGHUP", onHangup);
  let tracker: ProgressTracker | undefined;
  let display: { stop(): void } | undefined;
  try {
    const report = await runLocal({
      specFile,
      ...(o.results ? { resultsRoot: o.results } : {}),
      ...(o["work-dir"] ? { workRoot: o["work-dir"] } : {}),
      ...(workers ? { workers } : {}),
      ...(o.ids !== undefined ? { ids: parseIdSelection(o.ids) } : {}),
      keepWorkdirs: o["keep-workdirs"] ?? false,
      retryFailed: o["retry-failed"] ?? false,
      graceMs: grace * 1000,
      stop: stop.signal,
      kill: kill.signal,
      command: `modelfleet run ${args.join(" ")}`,
      onOrphans: (n) =>
        io.err(`ended ${n} model process group(s) left running by an earlier run that was killed`),
      onPlan: (plan, resolved, w) => {
        const label = `${resolved.spec.project}/${resolved.spec.scenario}`;
        const done = plan.done.ok + plan.done.modelFailed;
        const again = [
          plan.stale ? `${plan.stale} changed since their last run` : "",
          plan.infraRetry ? `${plan.infraRetry} infrastructure failures to retry` : "",
          plan.retryFailed ? `${plan.retryFailed} model failures to retry` : "",
          plan.longerTimeout ? `${plan.longerTimeout} timeouts to retry with the longer timeout` : "",
        ].filter(Boolean);
        io.err(
          `${label}: ${plan.all.length} realisations, ${done} done, ${plan.toRun.length} to run${again.length ? ` (${again.join(", ")})` : ""}; ${w} worker(s)`,
        );
        tracker = new ProgressTracker(plan.toRun.length);
        if (plan.toRun.length > 0 && !o.json) {
          display = startProgressDisplay({
            label,
            tracker,
            write: (t) => io.err(t.replace(/\n$/, "")),
            isTTY: io.isTTY,
          });
        }
      },
      onEvent: (e) => tracker?.on(e),
    });
    display?.stop();
    const missing = report.plan.all.length - report.results.length;
    const infra = report.results.filter((r) => r.failure?.kind === "infrastructure").length;
    const location = relative(io.cwd, report.location) || ".";
    if (o.json) {
      io.out(
        JSON.stringify(
          {
            project: report.plan.runSet.project,
            scenario: report.plan.runSet.scenario,
            realisations: report.plan.all.length,
            ranNow: report.engine.published,
            ok: report.results.filter((r) => r.status === "ok").length,
            failedModel: report.results.filter((r) => r.failure?.kind === "model").length,
            failedInfrastructure: infra,
            notRun: missing,
            wallSeconds: report.engine.wallSeconds,
            results: report.location,
            keptWorkdirs: report.engine.keptWorkdirs,
            report: report.report ? `${report.location}/report.html` : null,
            alerts: report.report?.summary.alerts ?? [],
            unpublished: report.engine.unpublished,
            storeFailure: report.engine.storeFailure ?? null,
            reportError: report.reportError ?? null,
          },
          null,
          2,
        ),
      );
    } else {
      io.out(
        formatRunSummary({
          label: `${report.plan.runSet.project}/${report.plan.runSet.scenario}`,
          results: report.results,
          missing,
          ranNow: report.engine.published,
          ranNowCpuSeconds: tracker?.counts().cpuSeconds ?? null,
          wallSeconds: report.engine.wallSeconds,
          workers: report.workers,
          location,
          keptWorkdirs: report.engine.keptWorkdirs.map((d) => relative(io.cwd, d)),
        }),
      );
      if (report.report) {
        io.out(
          `\n${formatTextReport(report.report.summary, { keyObservations: report.resolved.spec.report.key_observations })}`,
        );
        io.out(
          `\nreport: ${location}/report.html (and report.md, summary.csv, observations.csv, parameters.csv)`,
        );
      }
    }
    if (report.reportError) io.err(`\nreports not written: ${report.reportError}`);
    const unpublished = formatUnpublished(report.engine, {
      location,
      relative: (d) => relative(io.cwd, d) || ".",
    });
    if (unpublished) {
      io.err(`\n${unpublished}`);
      return 1;
    }
    if (report.engine.stopped && missing > 0) return hungUp ? HANGUP_EXIT_CODE : 130;
    return infra > 0 ? 1 : 0;
  } finally {
    display?.stop();
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigint);
    process.off("SIGHUP", onHangup);
  }
}
