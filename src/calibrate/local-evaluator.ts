// Runs a calibration's batches on this machine with the engine `modelfleet run` uses. Each
// iteration is a run set of its own, `<scenario>/calibration/iter-<N>`, in the scenario's
// results folder: its realisations have keys like any run set's, so a killed calibration's
// next run finds every published realisation done and runs only the rest.
import { runLocal } from "../engine/local-run.ts";
import { UserError } from "../errors.ts";
import type { ResolvedSpec } from "../spec/load.ts";
import { iterationScenario, outcomesOf } from "./iteration-run-set.ts";
import type { Evaluator, Member, Outcome } from "./smoother.ts";

export interface LocalEvaluatorOptions {
  readonly resolved: ResolvedSpec;
  readonly resultsRoot?: string;
  readonly workRoot?: string;
  readonly workers?: number;
  readonly graceMs?: number;
  readonly stop?: AbortSignal;
  readonly kill?: AbortSignal;
  readonly command: string;
  /** Told before each batch runs: how many of its realisations are already done. */
  readonly onBatch?: (batch: { iteration: number; members: number; done: number }) => void;
}

/** A calibration stopped (Ctrl-C) before a batch had every result: run again to resume. */
export class CalibrationStopped extends UserError {
  constructor(message: string) {
    super(message, { exitCode: 130 });
    this.name = "CalibrationStopped";
  }
}

export function localEvaluator(options: LocalEvaluatorOptions): Evaluator {
  return {
    async evaluate(iteration: number, members: readonly Member[]): Promise<ReadonlyMap<string, Outcome>> {
      const resolved = iterationSpec(options.resolved, iteration, members);
      const report = await runLocal({
        specFile: options.resolved.file,
        resolved,
        ...(options.resultsRoot ? { resultsRoot: options.resultsRoot } : {}),
        ...(options.workRoot ? { workRoot: options.workRoot } : {}),
        ...(options.workers ? { workers: options.workers } : {}),
        ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
        ...(options.stop ? { stop: options.stop } : {}),
        ...(options.kill ? { kill: options.kill } : {}),
        command: options.command,
        report: false,
        onPlan: (plan) =>
          options.onBatch?.({
            iteration,
            members: plan.all.length,
            done: plan.all.length - plan.toRun.length,
          }),
      });
      if (report.engine.storeFailure !== undefined) {
        throw new UserError(
          `the results folder refused writes (${report.engine.storeFailure}); free space and run again`,
        );
      }
      if (report.engine.stopped && report.results.length < members.length) {
        throw new CalibrationStopped(
          `stopped during iteration ${iteration} (${report.results.length} of ${members.length} of its runs have results); run the same command again to resume`,
        );
      }
      return outcomesOf(members, report.results, `${report.location}`);
    },
  };
}

/** The spec of one iteration's run set: the same model, these parameter sets. */
export function iterationSpec(
  resolved: ResolvedSpec,
  iteration: number,
  members: readonly Member[],
): ResolvedSpec {
  return {
    ...resolved,
    spec: { ...resolved.spec, scenario: iterationScenario(resolved.spec.scenario, iteration) },
    realisations: {
      ...resolved.realisations,
      realisations: members.map((m) => ({ id: m.id, values: m.values })),
    },
  };
}
