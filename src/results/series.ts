// Observations that form a series (a hydrograph, a transect): percentile bands per step.
//
// The rule:
// - A series declared under `report.series` takes every observation matching its pattern,
//   where `{step}` stands for a whole number: `tr_x{step}` takes tr_x01 as step 1 and tr_x12
//   as step 12. Patterns match ignoring case; the first declared series to match a name takes
//   it. The step axis is called `step_label`, or "step".
// - Any other observation named `<series>_t<digits>` is recognised as step <digits> of a time
//   series called <series>: h_well3_t012 is step 12 of h_well3. A recognised series needs at
//   least two steps, so a lone name such as q_t1 is not taken for one. Its step axis is
//   "time step".
// - Steps are sorted numerically. When two names give the same step of a series (tr_x1 and
//   tr_x01), the first name keeps the step and the other stays only an observation.
import type { ObservationStats, SeriesBand, SeriesStep } from "./summary.ts";

export interface SeriesSpec {
  readonly name: string;
  readonly observations: string;
  readonly step_label?: string | undefined;
}

export interface SeriesDefinition {
  readonly name: string;
  readonly stepLabel: string;
  readonly source: "spec" | "name";
  /** Sorted by step. */
  readonly members: ReadonlyArray<{ readonly step: number; readonly observation: string }>;
}

const RECOGNISED = /^(.+)_t([0-9]+)$/i;

/** A matcher for a `{step}` pattern: the step number of a name, or undefined. */
export function stepPattern(pattern: string): (name: string) => number | undefined {
  const source = pattern
    .split("{step}")
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
    .join("([0-9]+)");
  const re = new RegExp(`^${source}$`, "i");
  return (name) => {
    const m = re.exec(name);
    if (m === null) return undefined;
    // A pattern with {step} more than once: every occurrence must give the same number.
    const steps = new Set(m.slice(1).map(Number));
    return steps.size === 1 ? Number(m[1]) : undefined;
  };
}

/** The series among `names`: declared ones first in the spec's order (kept even when empty, so
 * a pattern matching nothing shows up), then recognised ones in order of first appearance. */
export function findSeries(
  names: readonly string[],
  declared: readonly SeriesSpec[] = [],
): SeriesDefinition[] {
  const specs = declared.map((s) => ({
    spec: s,
    match: stepPattern(s.observations),
    steps: new Map<number, string>(),
  }));
  const recognised = new Map<string, Map<number, string>>();
  for (const name of names) {
    let taken = false;
    for (const s of specs) {
      const step = s.match(name);
      if (step === undefined) continue;
      if (!s.steps.has(step)) s.steps.set(step, name);
      taken = true;
      break;
    }
    if (taken) continue;
    const m = RECOGNISED.exec(name);
    if (m === null) continue;
    const series = m[1]!;
    const step = Number(m[2]);
    let steps = recognised.get(series);
    if (steps === undefined) {
      steps = new Map();
      recognised.set(series, steps);
    }
    if (!steps.has(step)) steps.set(step, name);
  }
  const sorted = (steps: Map<number, string>) =>
    [...steps].sort((a, b) => a[0] - b[0]).map(([step, observation]) => ({ step, observation }));
  return [
    ...specs.map((s) => ({
      name: s.spec.name,
      stepLabel: s.spec.step_label ?? "step",
      source: "spec" as const,
      members: sorted(s.steps),
    })),
    ...[...recognised]
      .filter(([, steps]) => steps.size >= 2)
      .map(([name, steps]) => ({
        name,
        stepLabel: "time step",
        source: "name" as const,
        members: sorted(steps),
      })),
  ];
}

/** Bands per step from the observations' statistics: the mean and the report's quantiles. */
export function seriesBands(
  series: readonly SeriesDefinition[],
  statsOf: (observation: string) => ObservationStats | undefined,
): SeriesBand[] {
  return series.map((s) => ({
    name: s.name,
    stepLabel: s.stepLabel,
    source: s.source,
    steps: s.members.flatMap((m): SeriesStep[] => {
      const stats = statsOf(m.observation);
      return stats === undefined
        ? []
        : [{ step: m.step, observation: m.observation, mean: stats.mean, quantiles: stats.quantiles }];
    }),
  }));
}
