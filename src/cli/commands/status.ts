// `modelfleet status <spec> [--watch]`: where a run set stands — results published so far,
// failures, what is left, and whether a run is going on now.
import { relative, resolve } from "node:path";
import { DEFAULT_RESULTS_ROOT, DEFAULT_WORK_ROOT } from "../../engine/local-run.ts";
import { UserError } from "../../errors.ts";
import { planRun } from "../../plan/plan.ts";
import { formatDuration } from "../../spec/duration.ts";
import { loadSpec } from "../../spec/load.ts";
import { createFsResultStore } from "../../store/fs-store.ts";
import { readRunLock } from "../../store/run-lock.ts";
import { durationOption, parseCommandArgs, singleArgument } from "../args.ts";
import type { CliIO } from "../io.ts";
import { defaultInfraFile } from "./run-ecs.ts";
import { statusOnEcs } from "./status-ecs.ts";

const USAGE = `usage: modelfleet status <project.yaml> [options]

Where a run set stands: results published so far (ok, model failures), what is left to run
(and how much of it changed since its last run or failed for infrastructure reasons), and
whether a run is going on now (its pid, host and start, from the run lock). With --executor ecs:
the results in S3, the run going on (followed by a client, stopped, or on its own), its queue
and its workers.

options:
  --watch            print it again every --every until no run is going on and nothing is left
  --every DURATION   how often --watch prints (default 5s)
  --results DIR      results root (default ${DEFAULT_RESULTS_ROOT})
  --json             one JSON object per print
  --executor ecs     the run set on AWS ECS Fargate (results in S3)
  --infra FILE       with ecs: the infrastructure outputs (default .modelfleet/infra/<project>-<scenario>.json)

Exit codes: 0 printed; 1 a problem with the project file; 2 bad command line.`;

export async function statusCommand(args: string[], io: CliIO): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(
    "status",
    args,
    {
      watch: { type: "boolean" },
      every: { type: "string" },
      results: { type: "string" },
      json: { type: "boolean" },
      executor: { type: "string" },
      infra: { type: "string" },
    },
    USAGE,
  );
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const specFile = singleArgument(positionals, USAGE);
  const every = durationOption("status", "every", o.every, 5, "5s");
  if (o.executor !== undefined && o.executor !== "local" && o.executor !== "ecs") {
    throw new UserError(`status: --executor takes local or ecs, got "${o.executor}"`, { exitCode: 2 });
  }
  if (o.executor === "ecs") {
    const infraFile = o.infra ?? (await defaultInfraFile(specFile));
    return statusOnEcs(
      { specFile, infraFile, watch: o.watch ?? false, everyMs: every * 1000, json: o.json ?? false },
      io,
    );
  }
  const resolved = await loadSpec(specFile);
  const store = createFsResultStore(resolve(io.cwd, o.results ?? DEFAULT_RESULTS_ROOT));
  for (;;) {
    const plan = await planRun(resolved, store, {
      writesTo: [store.location, resolve(io.cwd, DEFAULT_WORK_ROOT)],
    });
    const location = store.runSetLocation(plan.runSet);
    const lock = await readRunLock(location);
    const done = plan.done.ok + plan.done.modelFailed;
    const status = {
      project: plan.runSet.project,
      scenario: plan.runSet.scenario,
      realisations: plan.all.length,
      ok: plan.done.ok,
      failedModel: plan.done.modelFailed,
      failedInfrastructure: plan.infraRetry,
      stale: plan.stale,
      remaining: plan.toRun.length,
      running: lock
        ? { pid: lock.pid, host: lock.hostname, since: lock.startedAt, command: lock.command }
        : null,
    };
    if (o.json) io.out(JSON.stringify(status));
    else {
      const pct = plan.all.length === 0 ? 100 : Math.floor((done / plan.all.length) * 100);
      io.out(
        `${status.project}/${status.scenario}: ${done}/${plan.all.length} done (${pct}%): ${plan.done.ok} ok, ${plan.done.modelFailed} model failures; ${plan.toRun.length} left${
          plan.infraRetry ? ` (${plan.infraRetry} infrastructure failures to retry)` : ""
        }${plan.stale ? ` (${plan.stale} changed since their run)` : ""}`,
      );
      io.out(
        lock
          ? `  running now: pid ${lock.pid} on ${lock.hostname}, since ${lock.startedAt} (${formatDuration((Date.now() - Date.parse(lock.startedAt)) / 1000)})`
          : "  no run in progress",
      );
      if (!o.watch) io.out(`  results: ${relative(io.cwd, location)}`);
    }
    if (!o.watch || (!lock && plan.toRun.length === 0)) return 0;
    await new Promise((r) => setTimeout(r, every * 1000));
  }
}
