// Aggregation of a run set: results go in one at a time (and can be dropped by the caller at
// once), a RunSetSummary and the value matrices come out. Successful realisations' values are
// kept in columns (value-columns.ts); of a failed one only its id and a few examples survive
// (failures.ts), of every one a timeline row. Nothing else of a result is kept.
//
// Counting: `counts.realisations` is every realisation planned or added; a planned id without a
// result is `notRun`. Without plannedIds, `expected` gives the planned number (notRun is what is
// missing of it). A failed result is counted by its failure's kind and listed under
// `failures`, never dropped.
import type { AlertSpec, ReportSpec } from "../spec/schema.ts";
import { type AlertThreshold, alertThreshold, evaluateAlerts } from "./alerts.ts";
import { byNaturalOrder, createFailureGrouper } from "./failures.ts";
import { createGroupResolver, groupObservations } from "./groups.ts";
import type { RunSetMatrices } from "./matrix.ts";
import { EMPTY_TABLE, type ParameterTable, tableColumns, withRecordedValues } from "./parameter-table.ts";
import type { RealisationResult } from "./realisation-result.ts";
import { DEFAULT_SENSITIVITIES, sensitivitiesFromTable } from "./sensitivity.ts";
import { findSeries, seriesBands } from "./series.ts";
import { describe, describePooled, exceedanceOf } from "./statistics.ts";
import {
  type GroupStats,
  type ObservationStats,
  type RealisationRow,
  type RunSetSummary,
  SUMMARY_SCHEMA,
} from "./summary.ts";
import { createValueColumns } from "./value-columns.ts";

/** Steps of finish(), for callers that log where the time goes. */
export type AggregationPhase = "matrices" | "observations" | "groups" | "series" | "sensitivity" | "alerts";

export interface AggregatorOptions {
  readonly project: string;
  readonly scenario: string;
  /** Quantiles reported for every observation, group, series step and the run times. */
  readonly quantiles: readonly number[];
  readonly alerts: readonly AlertSpec[];
  readonly report: Pick<ReportSpec, "groups" | "series">;
  /** Realisation ids the spec names; those without a result count as not run. */
  readonly plannedIds?: readonly string[];
  /** How many realisations are planned (when plannedIds are not to hand); also sizes the
   * columns so they need not grow. */
  readonly expected?: number;
  /** How many parameter-observation pairs to report. Default 12. */
  readonly sensitivities?: number;
  /** The parameter values of the realisations whose results carry only their hash: the
   * spec's. The caller adds only results of the current plan (whose keys hash these values).
   * Results written before results carried a hash bring their own values. */
  readonly parameters?: ParameterTable;
  /** Observations correlated with the parameters first, when not every one can be (see
   * sensitivitiesFromTable); the alerts' observations follow them. */
  readonly sensitivityObservations?: readonly string[];
  /** The clock for `generatedAt`. */
  readonly now?: () => Date;
  /** Told how long each step of finish() took. */
  readonly profile?: (phase: AggregationPhase, milliseconds: number) => void;
}

export interface Aggregator {
  /** Takes one result. A result for an id already added is an error: the caller's listing of
   * results went wrong, and counting it twice would be too. */
  add(result: RealisationResult): void;
  /** The summary and matrices of everything added. Later calls return the same objects; add()
   * after finish() is an error. */
  finish(): AggregatedRunSet;
}

export interface AggregatedRunSet {
  readonly summary: RunSetSummary;
  /** The observations of the successful realisations, and the parameters the summary's
   * sensitivities name (not every parameter: those are in `parameters`). */
  readonly matrices: RunSetMatrices;
  /** Every parameter value of every realisation, read from the spec or recorded results. */
  readonly parameters: ParameterTable;
}

export function createAggregator(options: AggregatorOptions): Aggregator {
  const planned = options.plannedIds?.length ?? options.expected ?? 0;
  const observations = createValueColumns(Math.max(16, planned));
  // Values of the results that recorded their own (written before results carried a hash).
  const recorded = new Map<string, Readonly<Record<string, number>>>();
  const okIds: string[] = [];
  const okWallSeconds: number[] = [];
  const seen = new Set<string>();
  const failures = createFailureGrouper();
  const timeline: Array<{ row: RealisationRow; start: number }> = [];
  let failedModel = 0;
  let failedInfrastructure = 0;
  let cpuSeconds = 0;
  let cpuMeasured = 0;
  let finished: AggregatedRunSet | undefined;

  return {
    add(result) {
      if (finished !== undefined) throw new Error("createAggregator: add() after finish()");
      if (seen.has(result.id)) throw new Error(`createAggregator: realisation "${result.id}" added twice`);
      seen.add(result.id);
      if (result.status === "ok") {
        observations.addRow(result.observations);
        if (result.parameters !== undefined) recorded.set(result.id, result.parameters);
        okIds.push(result.id);
        okWallSeconds.push(result.wallSeconds);
      } else {
        // A failure without a record is put down to the infrastructure, as failures.ts does.
        if (result.failure?.kind === "model") failedModel++;
        else failedInfrastructure++;
        failures.add(result);
      }
      const start = Date.parse(result.startedAt);
      if (result.cpuSeconds !== null) {
        cpuSeconds += result.cpuSeconds;
        cpuMeasured++;
      }
      timeline.push({
        row: {
          id: result.id,
          status: result.status,
          worker: result.worker,
          startedAt: result.startedAt,
          endedAt: result.endedAt,
          wallSeconds: result.wallSeconds,
        },
        start,
      });
    },
    finish() {
      finished ??= summarise();
      return finished;
    },
  };

  function summarise(): AggregatedRunSet {
    const { quantiles, profile } = options;
    let clock = performance.now();
    const lap = (phase: AggregationPhase) => {
      const now = performance.now();
      profile?.(phase, now - clock);
      clock = now;
    };

    const observationMatrix = observations.toMatrix(okIds);
    const parameterTable = withRecordedValues(options.parameters ?? EMPTY_TABLE, recorded);
    const names = observationMatrix.names;
    const columnOf = new Map(names.map((n, i) => [n, observationMatrix.columns[i]!]));
    lap("matrices");

    // Alerts name observations as the spec spells them; PEST names ignore case.
    const byLowerName = new Map<string, string>();
    for (const n of names) if (!byLowerName.has(n.toLowerCase())) byLowerName.set(n.toLowerCase(), n);
    const alerts = options.alerts.map((a) => {
      const actual = columnOf.has(a.observation)
        ? a.observation
        : byLowerName.get(a.observation.toLowerCase());
      return actual === undefined || actual === a.observation ? a : { ...a, observation: actual };
    });
    const thresholds = new Map<string, AlertThreshold[]>();
    for (const a of alerts) {
      const t = alertThreshold(a);
      if (t === undefined) continue;
      const list = thresholds.get(a.observation) ?? [];
      if (!list.some((x) => x.threshold === t.threshold && x.direction === t.direction)) list.push(t);
      thresholds.set(a.observation, list);
    }

    const groupOf = createGroupResolver(options.report.groups);
    const scratch = new Float64Array(okIds.length);
    const observationStats: ObservationStats[] = names.map((name, i) => {
      const column = observationMatrix.columns[i]!;
      return {
        name,
        group: groupOf(name),
        ...describe(column, quantiles, scratch),
        exceedance: (thresholds.get(name) ?? []).map((t) => ({
          ...t,
          probability: exceedanceOf(column, t.threshold, t.direction),
        })),
      };
    });
    const statsOf = new Map(observationStats.map((s) => [s.name, s]));
    lap("observations");

    const grouped = groupObservations(names, options.report.groups);
    const groups: GroupStats[] = grouped.map((g) => ({
      group: g.group,
      observations: g.observations,
      ...describePooled(
        g.observations.map((o) => columnOf.get(o)!),
        g.observations.map((o) => statsOf.get(o)!),
        quantiles,
      ),
    }));
    lap("groups");

    const series = seriesBands(findSeries(names, options.report.series), (o) => statsOf.get(o));
    lap("series");

    const { sensitivities, scope } = sensitivitiesFromTable({
      parameters: parameterTable,
      observations: observationMatrix,
      count: options.sensitivities ?? DEFAULT_SENSITIVITIES,
      preferred: [...(options.sensitivityObservations ?? []), ...alerts.map((a) => a.observation)],
    });
    // The charts plot the pairs found: their parameters' columns, not every parameter's.
    const shown = [...new Set(sensitivities.map((s) => s.parameter))];
    const parameterIndex = new Map(parameterTable.names.map((n, i) => [n, i]));
    const matrices: RunSetMatrices = {
      observations: observationMatrix,
      parameters: {
        ids: [...okIds],
        names: shown,
        columns: tableColumns(
          parameterTable,
          okIds,
          Int32Array.from(shown, (n) => parameterIndex.get(n)!),
        ),
      },
    };
    lap("sensitivity");

    let notRun = 0;
    if (options.plannedIds !== undefined) {
      for (const id of new Set(options.plannedIds)) if (!seen.has(id)) notRun++;
    } else if (options.expected !== undefined) {
      notRun = Math.max(0, options.expected - seen.size);
    }

    const alertResults = evaluateAlerts(alerts, (o) => columnOf.get(o), { realisations: seen.size + notRun });
    lap("alerts");

    const summary: RunSetSummary = {
      schema: SUMMARY_SCHEMA,
      project: options.project,
      scenario: options.scenario,
      generatedAt: (options.now?.() ?? new Date()).toISOString(),
      counts: {
        realisations: seen.size + notRun,
        ok: okIds.length,
        failedModel,
        failedInfrastructure,
        notRun,
      },
      wallSeconds: busySeconds(timeline.map((t) => [t.start, Date.parse(t.row.endedAt)] as const)),
      cpuHours: cpuMeasured > 0 ? cpuSeconds / 3600 : null,
      runtime: describe(Float64Array.from(okWallSeconds), quantiles),
      quantiles: [...quantiles],
      observations: observationStats,
      groups,
      series,
      failures: failures.groups(),
      sensitivities,
      ...(scope === undefined ? {} : { sensitivityScope: scope }),
      alerts: alertResults,
      // By start time (timestamps may carry different offsets, so compared as instants).
      realisations: [...timeline]
        .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : byNaturalOrder(a.row.id, b.row.id)))
        .map((t) => t.row),
    };
    return { summary, matrices, parameters: parameterTable };
  }
}

/** Seconds during which at least one of the intervals (ms since the epoch) was open: a run set
 * finished by a second run a day later took the time its models ran, not the day between. */
export function busySeconds(intervals: ReadonlyArray<readonly [number, number]>): number {
  const sorted = intervals
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let open = Number.NEGATIVE_INFINITY;
  let close = Number.NEGATIVE_INFINITY;
  for (const [a, b] of sorted) {
    if (a > close) {
      if (close > open) total += close - open;
      open = a;
      close = b;
    } else if (b > close) close = b;
  }
  if (close > open) total += close - open;
  return total / 1000;
}
