// `modelfleet calibrate <spec>`: calibrates the project's parameters against its observations,
// with the built-in ensemble smoother on this machine's engine (or on ECS), or with PEST++'s
// own pestpp-ies (--engine pestpp-ies). A calibration stopped at any point resumes from its
// last published realisation when the same command runs again.
import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { ecsEvaluator } from "../../calibrate/ecs-evaluator.ts";
import { calibrationRunSet } from "../../calibrate/iteration-run-set.ts";
import { CalibrationStopped, localEvaluator } from "../../calibrate/local-evaluator.ts";
import { runPestppOnEcs } from "../../calibrate/pestpp/pestpp-ecs.ts";
import { runPestppLocal } from "../../calibrate/pestpp/pestpp-local.ts";
import {
  type CalibrationOverrides,
  type CalibrationSetup,
  loadCalibration,
  runCalibration,
} from "../../calibrate/run-calibration.ts";
import { defaultWorkers } from "../../engine/local-run.ts";
import { UserError } from "../../errors.ts";
import { runSetOf } from "../../plan/plan.ts";
import { formatNumber } from "../../report/format.ts";
import { durationOption, parseCommandArgs, singleArgument } from "../args.ts";
import type { CliIO } from "../io.ts";
import { defaultInfraFile, loadEcsRunSet } from "./run-ecs.ts";

const USAGE = `usage: modelfleet calibrate <project.yaml> [options]

Calibrates the parameters against the project file's \`observations\` (see \`calibration\` for
the method and its settings). Results: <results>/<project>/<scenario>/calibration/ (PEST++'s
files, report.md, report.html); the last iteration's <scenario>.<N>.par.csv is the posterior.

options:
  --method esmda|ies   override calibration.method (default esmda)
  --iterations N       override calibration.iterations
  --engine E           builtin (default) or pestpp-ies: PEST++'s own manager and agents
  --agents N           with pestpp-ies: agents (default: cores, ${defaultWorkers()} here; on ECS 4)
  --workers N          parallel model runs (default: cores)
  --results DIR        results root (default .modelfleet/results)
  --work-dir DIR       where work folders are made (default .modelfleet/work)
  --posterior FILE     also copy the posterior ensemble CSV here (for \`parameters: { csv: ... }\`)
  --grace DURATION     on Ctrl-C, time given to running models (default 10s)
  --executor local|ecs where the model runs (default local); ecs: every iteration a run set
                       on Fargate workers, or with --engine pestpp-ies the manager and agents as tasks
  --infra FILE         with ecs: the infrastructure outputs (default .modelfleet/infra/<project>-<scenario>.json)
  --json               print the summary as JSON

Exit codes: 0 the calibration finished; 1 a problem with the project file or its observations,
or runs without a final result (run again to resume); 2 bad command line; 3 another calibration
of this scenario is going on; 130 stopped by Ctrl-C (run again to resume).`;

export async function calibrateCommand(args: string[], io: CliIO): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(
    "calibrate",
    args,
    {
      method: { type: "string" },
      iterations: { type: "string" },
      engine: { type: "string" },
      agents: { type: "string" },
      workers: { type: "string", short: "w" },
      results: { type: "string" },
      "work-dir": { type: "string" },
      posterior: { type: "string" },
      grace: { type: "string" },
      executor: { type: "string" },
      infra: { type: "string" },
      json: { type: "boolean" },
    },
    USAGE,
  );
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const specFile = singleArgument(positionals, USAGE);
  const whole = (name: string, text: string | undefined) => {
    if (text === undefined) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1)
      throw new UserError(`calibrate: --${name} takes a whole number >= 1, got "${text}"`, { exitCode: 2 });
    return n;
  };
  const oneOf = <T extends string>(name: string, text: string | undefined, allowed: readonly T[]) => {
    if (text === undefined) return undefined;
    if (!allowed.includes(text as T))
      throw new UserError(`calibrate: --${name} takes ${allowed.join(" or ")}, got "${text}"`, {
        exitCode: 2,
      });
    return text as T;
  };
  const method = oneOf("method", o.method, ["esmda", "ies"] as const);
  const engine = oneOf("engine", o.engine, ["builtin", "pestpp-ies"] as const) ?? "builtin";
  const executor = oneOf("executor", o.executor, ["local", "ecs"] as const) ?? "local";
  const iterations = whole("iterations", o.iterations);
  const workers = whole("workers", o.workers);
  const agents = whole("agents", o.agents);
  const grace = durationOption("calibrate", "grace", o.grace, 10);
  const overrides: CalibrationOverrides = {
    ...(method ? { method } : {}),
    ...(iterations ? { iterations } : {}),
  };
  const setup = await loadCalibration(specFile, overrides);
  const label = `${setup.resolved.spec.project}/${setup.resolved.spec.scenario}`;
  const command = `modelfleet calibrate ${args.join(" ")}`;
  const stop = new AbortController();
  const kill = new AbortController();
  const onSignal = () => {
    if (!stop.signal.aborted) {
      io.err(
        `\nstopping: no new runs; running ones get ${grace} s to finish (Ctrl-C again to kill them now)`,
      );
      stop.abort();
    } else kill.abort();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    const onIteration = (rec: {
      iteration: number;
      reals: readonly string[];
      totalRuns: number;
      phiMeasured: ReadonlyMap<string, number>;
    }) => {
      const phis = [...rec.phiMeasured.values()];
      const mean = phis.reduce((a, b) => a + b, 0) / Math.max(1, phis.length);
      io.err(
        `${label}: iteration ${rec.iteration}: mean phi ${formatNumber(mean)}, ${rec.reals.length} realisations, ${rec.totalRuns} model runs so far`,
      );
    };
    let run: {
      location: string;
      posterior: string;
      wallSeconds: number;
      totalRuns: number;
      iterations: number;
      /** The posterior's bytes, when it is not a local file. */
      posteriorBytes?: () => Promise<Uint8Array | undefined>;
    };
    if (engine === "pestpp-ies" && executor === "local") {
      run = await runPestppLocal({
        setup,
        ...(o.results ? { resultsRoot: o.results } : {}),
        ...(o["work-dir"] ? { workRoot: o["work-dir"] } : {}),
        agents: agents ?? defaultWorkers(),
        command,
        stop: stop.signal,
        onLine: (line) => io.err(`${label}: pestpp-ies: ${line}`),
      });
    } else if (engine === "pestpp-ies") {
      // The infrastructure's outputs, checked against the spec's region, with its own network.
      const { infra } = await loadEcsRunSet(
        { specFile, infraFile: o.infra ?? (await defaultInfraFile(specFile)) },
        io,
      );
      run = await runPestppOnEcs({
        setup,
        infra,
        agents: agents ?? 4,
        spot: setup.resolved.spec.resources.spot,
        stop: stop.signal,
        onLine: (line) => io.err(`${label}: pestpp-ies on ECS: ${line}`),
      });
    } else if (executor === "ecs") {
      const ecs = await loadEcsRunSet(
        { specFile, infraFile: o.infra ?? (await defaultInfraFile(specFile)) },
        io,
      );
      const calibration = await runCalibration({
        setup,
        evaluator: ecsEvaluator({
          resolved: setup.resolved,
          pieces: ecs.pieces,
          maxWorkers: setup.resolved.spec.cloud.max_workers,
          command,
          stop: stop.signal,
          onBatch: (b) =>
            io.err(
              `${label}: iteration ${b.iteration}: ${b.members} run(s) on ECS${b.done > 0 ? `, ${b.done} done already` : ""}`,
            ),
        }),
        store: ecs.pieces.store,
        command,
        onIteration,
        engineLabel: "modelfleet (built in), runs on ECS Fargate",
      });
      run = {
        location: calibration.location,
        posterior: calibration.posterior,
        wallSeconds: calibration.wallSeconds,
        totalRuns: calibration.result.totalRuns,
        iterations: calibration.result.iterations.length - 1,
        posteriorBytes: () =>
          ecs.pieces.store.getRunSetFile(
            calibrationRunSet(runSetOf(setup.resolved)),
            calibration.posterior.slice(calibration.posterior.lastIndexOf("/") + 1),
          ),
      };
    } else {
      const calibration = await runCalibration({
        setup,
        evaluator: localEvaluator({
          resolved: setup.resolved,
          ...(o.results ? { resultsRoot: o.results } : {}),
          ...(o["work-dir"] ? { workRoot: o["work-dir"] } : {}),
          ...(workers ? { workers } : {}),
          graceMs: grace * 1000,
          stop: stop.signal,
          kill: kill.signal,
          command,
          onBatch: (b) =>
            io.err(
              `${label}: iteration ${b.iteration}: ${b.members} run(s)${b.done > 0 ? `, ${b.done} done already` : ""}`,
            ),
        }),
        ...(o.results ? { resultsRoot: o.results } : {}),
        command,
        onIteration,
      });
      run = {
        location: calibration.location,
        posterior: calibration.posterior,
        wallSeconds: calibration.wallSeconds,
        totalRuns: calibration.result.totalRuns,
        iterations: calibration.result.iterations.length - 1,
      };
    }
    if (o.posterior) {
      const to = resolve(io.cwd, o.posterior);
      await mkdir(dirname(to), { recursive: true });
      const bytes = run.posteriorBytes ? await run.posteriorBytes() : undefined;
      if (bytes) await writeFile(to, bytes);
      else await copyFile(run.posterior, to);
    }
    report(io, { setup, run, json: o.json ?? false, posteriorCopy: o.posterior });
    return 0;
  } catch (e) {
    if (e instanceof CalibrationStopped) {
      io.err(`${label}: ${e.message}`);
      return 130;
    }
    throw e;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

function report(
  io: CliIO,
  r: {
    setup: CalibrationSetup;
    run: { location: string; posterior: string; wallSeconds: number; totalRuns: number; iterations: number };
    json: boolean;
    posteriorCopy: string | undefined;
  },
) {
  const where = (p: string) => relative(io.cwd, p) || ".";
  if (r.json) {
    io.out(
      JSON.stringify(
        {
          project: r.setup.resolved.spec.project,
          scenario: r.setup.resolved.spec.scenario,
          iterations: r.run.iterations,
          modelRuns: r.run.totalRuns,
          wallSeconds: r.run.wallSeconds,
          results: r.run.location,
          posterior: r.run.posterior,
          report: `${r.run.location}/report.html`,
        },
        null,
        2,
      ),
    );
    return;
  }
  io.out(
    `${r.setup.resolved.spec.project}/${r.setup.resolved.spec.scenario}: calibrated in ${r.run.iterations} iteration(s), ${r.run.totalRuns} model runs, ${formatNumber(r.run.wallSeconds)} s`,
  );
  io.out(`posterior: ${where(r.run.posterior)}${r.posteriorCopy ? ` (copied to ${r.posteriorCopy})` : ""}`);
  io.out(
    `report: ${where(r.run.location)}/report.html (and report.md, calibration.json, PEST++'s csv files)`,
  );
}
