// What changed since the last run, from a plan: which realisations run again and why. A result
// whose key differs was made with other parameter values, or (same values) with other inputs of
// the run set: the model folder, the command, templates, instruction files or the worker image.
import type { RunPlan } from "../plan/plan.ts";
import { parameterValuesHash } from "../results/parameter-hash.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import type { PlanChanges } from "./comment-stage.ts";

export function planChanges(plan: RunPlan): PlanChanges {
  let fresh = 0;
  let inputsChanged = 0;
  let parametersChanged = 0;
  const planned = new Set(plan.all.map((p) => p.id));
  for (const p of plan.all) {
    const prior = plan.published.get(p.id);
    if (!prior) fresh++;
    else if (prior.key !== p.key && !plan.earlierScheme.has(p.id)) {
      if (sameValues(p.values, prior)) inputsChanged++;
      else parametersChanged++;
    }
  }
  let removed = 0;
  for (const id of plan.published.keys()) if (!planned.has(id)) removed++;
  return {
    new: fresh,
    inputsChanged,
    parametersChanged,
    infrastructureRetries: plan.infraRetry,
    longerTimeout: plan.longerTimeout,
    retryFailed: plan.retryFailed,
    removed,
  };
}

/** Whether the result ran with these values: by its hash of them, or (results written before
 * they carried a hash) by the values it recorded. */
function sameValues(values: ReadonlyMap<string, number>, prior: RealisationResult): boolean {
  if (prior.parametersHash !== undefined) return prior.parametersHash === parameterValuesHash(values);
  const recorded = prior.parameters ?? {};
  const names = Object.keys(recorded);
  if (names.length !== values.size) return false;
  return names.every((n) => values.has(n) && Object.is(values.get(n), recorded[n]));
}
