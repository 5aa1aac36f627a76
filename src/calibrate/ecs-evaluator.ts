// Runs a calibration's batches on ECS Fargate with the cloud run `modelfleet run --executor ecs`
// uses: each iteration is the run set `<scenario>/calibration/iter-<N>` in the results bucket,
// queued for the scenario's workers, so a killed calibration's next run finds every published
// realisation done and queues only the rest.

import type { cloudPieces } from "../cloud/aws-wiring.ts";
import { runOnCloud } from "../cloud/cloud-run.ts";
import { UserError } from "../errors.ts";
import type { ResolvedSpec } from "../spec/load.ts";
import { iterationScenario, outcomesOf } from "./iteration-run-set.ts";
import { CalibrationStopped, iterationSpec } from "./local-evaluator.ts";
import type { Evaluator, Member, Outcome } from "./smoother.ts";

export interface EcsEvaluatorOptions {
  readonly resolved: ResolvedSpec;
  readonly pieces: ReturnType<typeof cloudPieces>;
  readonly maxWorkers: number;
  readonly command: string;
  readonly stop?: AbortSignal;
  readonly onBatch?: (batch: { iteration: number; members: number; done: number }) => void;
  /** The cloud run's polling (tests make it quick). */
  readonly pollMs?: number;
  readonly poolPollMs?: number;
}

export function ecsEvaluator(options: EcsEvaluatorOptions): Evaluator {
  const { pieces } = options;
  return {
    async evaluate(iteration: number, members: readonly Member[]): Promise<ReadonlyMap<string, Outcome>> {
      const resolved = iterationSpec(options.resolved, iteration, members);
      const ref = {
        project: resolved.spec.project,
        scenario: iterationScenario(options.resolved.spec.scenario, iteration),
      };
      const report = await runOnCloud({
        resolved,
        store: pieces.store,
        objects: pieces.objects,
        runSetKey: pieces.store.runSetKey(ref),
        queue: pieces.queue,
        deadLetters: pieces.deadLetters,
        launcher: pieces.launcher,
        fleets: pieces.fleets,
        drain: pieces.drain,
        workerEnvironment: pieces.workerEnvironment,
        workerLogHint: pieces.workerLogHint,
        maxWorkers: options.maxWorkers,
        command: options.command,
        ...(options.stop ? { signal: options.stop } : {}),
        ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
        ...(options.poolPollMs !== undefined ? { poolPollMs: options.poolPollMs } : {}),
        onPlan: (plan) =>
          options.onBatch?.({
            iteration,
            members: plan.all.length,
            done: plan.all.length - plan.toRun.length,
          }),
      });
      if (report.stopped) {
        throw new CalibrationStopped(
          `stopped during iteration ${iteration} (${report.results.length} of ${members.length} of its runs have results; the workers finish what they hold); run the same command again to resume`,
        );
      }
      if (report.unfinished.length > 0 || report.pending > 0) {
        throw new UserError(
          `iteration ${iteration}: ${report.unfinished.length + report.pending} run(s) have no result on ECS (workers lost or the queue gave them up); run the same command again to queue them again`,
        );
      }
      return outcomesOf(members, report.results, pieces.store.runSetLocation(ref));
    },
  };
}
