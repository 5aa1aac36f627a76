// `modelfleet plan <spec>`: how many realisations, how many are done, how many would run,
// and how long that should take judging by earlier runs.
import { relative } from "node:path";
import { formatBytes } from "../../agent/disk-space.ts";
import { DEFAULT_RESULTS_ROOT, defaultWorkers } from "../../engine/local-run.ts";
import { UserError } from "../../errors.ts";
import { parseIdSelection } from "../../params/id-selection.ts";
import { planRun } from "../../plan/plan.ts";
import { formatDuration } from "../../spec/duration.ts";
import { parseCommandArgs, singleArgument } from "../args.ts";
import type { CliIO } from "../io.ts";
import { EXECUTOR_OPTIONS, runSetSource } from "../run-set-source.ts";

const USAGE = `usage: modelfleet plan <project.yaml> [options]

Says what \`modelfleet run\` would do, without running anything: how many realisations the
project file names, how many already have a result, how many would run (and why: changed
inputs, infrastructure failures to retry), the model bundle's size and hash, and how long the
run should take, judging by the median of earlier successful runs.

options:
  --ids LIST         only these realisations, e.g. 1-50,75
  --workers N        parallel model runs the estimate assumes (default: cores, ${defaultWorkers()} here)
  --results DIR      results root (default ${DEFAULT_RESULTS_ROOT})
  --executor ecs     plan against the run set's results in S3
  --infra FILE       with ecs: the infrastructure outputs (default .modelfleet/infra/<project>-<scenario>.json)
  --retry-failed     count model failures as to run, as \`run --retry-failed\` would
  --json             print the plan as JSON

Exit codes: 0 planned; 1 a problem with the project file; 2 bad command line.`;

export async function planCommand(args: string[], io: CliIO): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(
    "plan",
    args,
    {
      ids: { type: "string" },
      workers: { type: "string" },
      results: { type: "string" },
      "retry-failed": { type: "boolean" },
      json: { type: "boolean" },
      ...EXECUTOR_OPTIONS,
    },
    USAGE,
  );
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const specFile = singleArgument(positionals, USAGE);
  const workers = o.workers ? Number(o.workers) : defaultWorkers();
  if (!Number.isInteger(workers) || workers < 1)
    throw new UserError(`plan: --workers takes a whole number >= 1`, { exitCode: 2 });
  const { resolved, store, planOptions } = await runSetSource("plan", specFile, o, io);
  const plan = await planRun(resolved, store, {
    ...planOptions,
    ...(o.ids !== undefined ? { ids: parseIdSelection(o.ids) } : {}),
    ...(o["retry-failed"] ? { retryFailed: true } : {}),
  });
  const w = Math.min(workers, Math.max(1, plan.toRun.length));
  const estimate =
    plan.medianWallSeconds === undefined
      ? undefined
      : Math.ceil(plan.toRun.length / w) * plan.medianWallSeconds;
  if (o.json) {
    io.out(
      JSON.stringify(
        {
          project: plan.runSet.project,
          scenario: plan.runSet.scenario,
          realisations: plan.all.length,
          done: plan.done,
          toRun: plan.toRun.length,
          stale: plan.stale,
          infrastructureRetries: plan.infraRetry,
          longerTimeout: plan.longerTimeout,
          workers: w,
          medianWallSeconds: plan.medianWallSeconds ?? null,
          estimatedSeconds: estimate ?? null,
          bundle: { hash: plan.bundle.hash, files: plan.bundle.files.length, bytes: plan.bundle.bytes },
        },
        null,
        2,
      ),
    );
    return 0;
  }
  io.out(`${plan.runSet.project}/${plan.runSet.scenario}`);
  io.out(`  realisations      ${plan.all.length}`);
  io.out(`  done              ${plan.done.ok} ok, ${plan.done.modelFailed} model failures`);
  io.out(
    `  to run            ${plan.toRun.length}${plan.stale ? ` (${plan.stale} changed since their last run)` : ""}${plan.infraRetry ? ` (${plan.infraRetry} infrastructure failures to retry)` : ""}${plan.longerTimeout ? ` (${plan.longerTimeout} timeouts to retry with the longer timeout)` : ""}`,
  );
  io.out(
    `  model bundle      ${plan.bundle.files.length} files, ${formatBytes(plan.bundle.bytes)}, ${plan.bundle.hash.slice(0, 12)}`,
  );
  io.out(
    `  estimate          ${
      estimate === undefined
        ? "unknown: no earlier successful runs (try a smoke run: modelfleet run <spec> --ids <one id>)"
        : `${formatDuration(estimate)} on ${w} worker(s) (median run ${formatDuration(plan.medianWallSeconds!)})`
    }`,
  );
  io.out(`  results           ${relative(io.cwd, store.runSetLocation(plan.runSet))}`);
  return 0;
}
