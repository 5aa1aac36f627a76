// Where a calibration's runs live, and what their results mean to the smoother: every
// iteration is a run set nested in the scenario's folder, `<scenario>/calibration/iter-<N>`
// (a cloud worker's role reaches the scenario's folder, so the same layout works on ECS), and
// the calibration's own files sit beside them in `<scenario>/calibration/`.
import { UserError } from "../errors.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import type { RunSetRef } from "../store/result-store.ts";
import type { Member, Outcome } from "./smoother.ts";

export function calibrationFolder(scenario: string): string {
  return `${scenario}/calibration`;
}

export function iterationScenario(scenario: string, iteration: number): string {
  return `${calibrationFolder(scenario)}/iter-${iteration}`;
}

export function calibrationRunSet(runSet: RunSetRef): RunSetRef {
  return { project: runSet.project, scenario: calibrationFolder(runSet.scenario) };
}

/** Each member's outcome. An infrastructure failure is not an outcome: the calibration stops,
 * and the next run tries it again (as `modelfleet run` does). */
export function outcomesOf(
  members: readonly Member[],
  results: readonly RealisationResult[],
  location: string,
): Map<string, Outcome> {
  const byId = new Map(results.map((r) => [r.id, r]));
  const out = new Map<string, Outcome>();
  const infra: string[] = [];
  for (const m of members) {
    const r = byId.get(m.id);
    if (!r || r.failure?.kind === "infrastructure") {
      infra.push(r ? `${m.id} (${r.failure!.reason}: ${r.failure!.message})` : `${m.id} (no result)`);
      continue;
    }
    out.set(
      m.id,
      r.status === "ok"
        ? { ok: true, observations: lowerKeys(r.observations) }
        : { ok: false, reason: `${r.failure?.reason ?? "failed"}: ${r.failure?.message ?? ""}`.trim() },
    );
  }
  if (infra.length > 0) {
    const shown = infra.slice(0, 5).join(", ") + (infra.length > 5 ? ` and ${infra.length - 5} more` : "");
    throw new UserError(
      `${infra.length} run(s) in ${location} have no final result (infrastructure failures): ${shown}; fix the cause and run the same command again: it resumes where it stopped`,
    );
  }
  return out;
}

function lowerKeys(o: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k.toLowerCase(), v]));
}
