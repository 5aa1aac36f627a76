// What aggregating a run set produces (summary.json): the distribution of every observation,
// groups, series bands, failures, sensitivities and alerts. Reports, the PR comment, the
// results API and notifications are all fed from this one shape.
import type { FailureKind, FailureReason } from "./realisation-result.ts";

export const SUMMARY_SCHEMA = 1;

/** A quantile as reported: `p10` for 0.1, `p2.5` for 0.025. */
export type QuantileKey = string;

export interface DistributionStats {
  /** Values counted (successful realisations that read this observation). */
  readonly count: number;
  readonly mean: number | null;
  /** Sample standard deviation (n - 1); null below 2 values. */
  readonly std: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Keyed by QuantileKey, in the spec's order; linear interpolation between order statistics. */
  readonly quantiles: Readonly<Record<QuantileKey, number | null>>;
}

export interface ExceedanceProbability {
  readonly threshold: number;
  /** "above": P(value > threshold); "below": P(value < threshold). */
  readonly direction: "above" | "below";
  readonly probability: number | null;
}

export interface ObservationStats extends DistributionStats {
  readonly name: string;
  readonly group: string;
  /** Probabilities for every alert threshold on this observation. */
  readonly exceedance: readonly ExceedanceProbability[];
}

export interface GroupStats extends DistributionStats {
  readonly group: string;
  readonly observations: readonly string[];
}

export interface SeriesStep {
  readonly step: number;
  readonly observation: string;
  readonly mean: number | null;
  readonly quantiles: Readonly<Record<QuantileKey, number | null>>;
}

export interface SeriesBand {
  readonly name: string;
  readonly stepLabel: string;
  /** "spec": declared under report.series; "name": recognised from names like h_well3_t012. */
  readonly source: "spec" | "name";
  readonly steps: readonly SeriesStep[];
}

export interface FailureSummary {
  readonly kind: FailureKind;
  readonly reason: FailureReason;
  readonly count: number;
  readonly ids: readonly string[];
  readonly examples: ReadonlyArray<{
    readonly id: string;
    readonly message: string;
    readonly logTail: string;
  }>;
}

/** Rank correlation between a parameter and an observation across successful realisations. */
export interface Sensitivity {
  readonly parameter: string;
  readonly observation: string;
  /** Spearman's rho, -1..1. */
  readonly rho: number;
}

/**
 * One alert rule evaluated. Designed to feed any channel: a PR comment (message), a GitHub
 * check annotation (level, title, message), an SNS message or a webhook (the whole object as
 * JSON).
 */
export interface AlertResult {
  readonly name: string;
  readonly observation: string;
  /** The rule in words: "p90 of h_w3 above 102.5". */
  readonly rule: string;
  readonly kind: "statistic" | "probability";
  /** For kind "statistic": mean, std, min, max or pNN. */
  readonly statistic?: string;
  /** For kind "probability" with `exceeds`: P(observation > exceeds) is measured. */
  readonly exceeds?: number;
  /** For kind "probability" with `falls_below`: P(observation < fallsBelow) is measured. */
  readonly fallsBelow?: number;
  readonly direction: "above" | "below";
  /** The limit the computed value is compared with (a level for probabilities). */
  readonly threshold: number;
  /** The computed statistic or probability; null when there were no values. */
  readonly value: number | null;
  /** Values the alert was judged on: successful realisations that read its observation. */
  readonly evaluatedOn: number;
  /** Realisations in the run set; more than `evaluatedOn` means the alert saw only part of it. */
  readonly realisations: number;
  readonly fired: boolean;
  /** "failure" when fired, "notice" otherwise (GitHub annotation levels). */
  readonly level: "failure" | "notice";
  /** One sentence for people: "h_w3: p90 is 102.84, above 102.5", ending "(on 53 of 200
   * realisations)" when it was judged on part of the run set. */
  readonly message: string;
}

export interface RealisationRow {
  readonly id: string;
  readonly status: "ok" | "failed";
  readonly worker: string;
  readonly startedAt: string;
  readonly endedAt: string;
  readonly wallSeconds: number;
}

export interface RunSetSummary {
  readonly schema: typeof SUMMARY_SCHEMA;
  readonly project: string;
  readonly scenario: string;
  readonly generatedAt: string;
  readonly counts: {
    /** Realisations the spec names. */
    readonly realisations: number;
    readonly ok: number;
    readonly failedModel: number;
    readonly failedInfrastructure: number;
    /** Named by the spec, no result yet. */
    readonly notRun: number;
  };
  /** Time during which at least one published realisation was running: from the first start
   * to the last end, less any time between runs when none was. */
  readonly wallSeconds: number;
  /** Model CPU of the published realisations; null when none could be measured (results
   * from machines without /proc). */
  readonly cpuHours: number | null;
  /** Model wall time per realisation (successful ones). */
  readonly runtime: DistributionStats;
  readonly quantiles: readonly number[];
  readonly observations: readonly ObservationStats[];
  readonly groups: readonly GroupStats[];
  readonly series: readonly SeriesBand[];
  readonly failures: readonly FailureSummary[];
  /** The strongest parameter-observation rank correlations, strongest first. */
  readonly sensitivities: readonly Sensitivity[];
  /** Set when the sensitivities were computed for some of the observations only (too many
   * parameter x observation x realisation products for all): how many, of how many. */
  readonly sensitivityScope?: { readonly observations: number; readonly ofObservations: number };
  readonly alerts: readonly AlertResult[];
  /** Per realisation timing (for the timeline and run-time charts). */
  readonly realisations: readonly RealisationRow[];
}

export function quantileKey(q: number): QuantileKey {
  return `p${Number((q * 100).toPrecision(6))}`;
}

/** Realisations without a final result: not run yet, or an infrastructure failure that the next
 * run tries again. Model failures are final results. */
export function unfinishedCount(counts: RunSetSummary["counts"]): number {
  return counts.notRun + counts.failedInfrastructure;
}

/**
 * The sentence every report leads with when the run set is incomplete, so that statistics and
 * alerts judged on part of it are not read as the whole: "Incomplete run set: 147 of 200
 * realisations have no final result (147 not run); statistics and alerts cover the 53 that
 * succeeded." Undefined when every realisation has a final result.
 */
export function incompleteNote(counts: RunSetSummary["counts"]): string | undefined {
  const unfinished = unfinishedCount(counts);
  if (unfinished === 0) return undefined;
  const why = [
    counts.notRun > 0 ? `${counts.notRun} not run` : "",
    counts.failedInfrastructure > 0
      ? `${counts.failedInfrastructure} infrastructure failure${counts.failedInfrastructure === 1 ? "" : "s"} to run again`
      : "",
  ].filter(Boolean);
  return (
    `Incomplete run set: ${unfinished} of ${counts.realisations} realisations ${unfinished === 1 ? "has" : "have"} no final result ` +
    `(${why.join(", ")}); statistics and alerts cover the ${counts.ok} that succeeded.`
  );
}
