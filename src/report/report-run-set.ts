// Aggregates a run set's published results and writes what a person and a machine read:
// summary.json, summary.csv, observations.csv, parameters.csv, report.md and report.html, all
// through the ResultStore (so the same code writes to disk or to S3).
import { createAggregator } from "../results/aggregate.ts";
import { observationsCsv, parametersCsv, summaryCsv, summaryJson } from "../results/files.ts";
import type { RunSetMatrices } from "../results/matrix.ts";
import { parameterValuesHash } from "../results/parameter-hash.ts";
import type { ParameterTable } from "../results/parameter-table.ts";
import type { RealisationResult } from "../results/realisation-result.ts";
import type { RunSetSummary } from "../results/summary.ts";
import type { ProjectSpec } from "../spec/schema.ts";
import type { ResultStore } from "../store/result-store.ts";
import { renderHtmlReport } from "./html.ts";
import { renderMarkdownReport } from "./markdown.ts";

export const REPORT_FILES = [
  "summary.json",
  "summary.csv",
  "observations.csv",
  "parameters.csv",
  "report.md",
  "report.html",
] as const;

export interface RunSetReport {
  readonly summary: RunSetSummary;
  readonly matrices: RunSetMatrices;
  readonly markdown: string;
  /** Where the files were written (a folder or an s3:// prefix). */
  readonly location: string;
}

export async function reportRunSet(options: {
  readonly spec: ProjectSpec;
  readonly store: ResultStore;
  /** Every realisation id the spec names; those without a result count as not run. */
  readonly plannedIds: readonly string[];
  /** Only results with these keys count (the current inputs); stale results are left out. */
  readonly currentKeys?: ReadonlyMap<string, string>;
  /** The spec's parameter values of each realisation: parameters.csv is written from them
   * (results carry only their hash). A result whose key is not checked against currentKeys
   * takes them only when its hash matches. */
  readonly parameters?: ParameterTable;
  /** Link or path to the full HTML report, named in the markdown when it is shortened. */
  readonly fullReportLink?: string;
}): Promise<RunSetReport> {
  const { spec, store } = options;
  const runSet = { project: spec.project, scenario: spec.scenario };
  const planned = new Set(options.plannedIds);
  const aggregator = createAggregator({
    project: spec.project,
    scenario: spec.scenario,
    quantiles: spec.report.quantiles,
    alerts: spec.alerts,
    report: spec.report,
    plannedIds: options.plannedIds,
    ...(options.parameters ? { parameters: options.parameters } : {}),
    sensitivityObservations: spec.report.key_observations,
  });
  // One result at a time: each is let go once added, whatever the number of realisations.
  for await (const result of store.eachResult(runSet)) {
    if (!planned.has(result.id)) continue;
    if (options.currentKeys && options.currentKeys.get(result.id) !== result.key) continue;
    aggregator.add(options.currentKeys ? result : withCheckedValues(result, options.parameters));
  }
  const { summary, matrices, parameters } = aggregator.finish();
  const location = store.runSetLocation(runSet);
  const keyObservations = spec.report.key_observations.length > 0 ? spec.report.key_observations : undefined;
  const markdown = renderMarkdownReport(summary, {
    ...(keyObservations ? { keyObservations } : {}),
    // Beside report.md in the run set's folder: a path that means the same on every machine.
    fullReportLink: options.fullReportLink ?? "report.html",
  });
  const html = await renderHtmlReport(summary, matrices, {
    ...(keyObservations ? { keyObservations } : {}),
    ...(spec.report.histograms.length > 0 ? { histogramObservations: spec.report.histograms } : {}),
    units: spec.report.units,
    seriesAxes: Object.fromEntries(
      spec.report.series.flatMap((s) =>
        s.step_scale === undefined && s.step_offset === undefined
          ? []
          : [[s.name, { scale: s.step_scale ?? 1, offset: s.step_offset ?? 0 }]],
      ),
    ),
    footerNote:
      "summary.json, summary.csv, observations.csv and parameters.csv are in the folder of this report",
  });
  await Promise.all([
    store.putRunSetFile(runSet, "summary.json", summaryJson(summary)),
    store.putRunSetFile(runSet, "summary.csv", summaryCsv(summary)),
    store.putRunSetFile(runSet, "observations.csv", observationsCsv(matrices)),
    store.putRunSetFile(runSet, "parameters.csv", parametersCsv(parameters, matrices.observations.ids)),
    store.putRunSetFile(runSet, "report.md", markdown),
    store.putRunSetFile(runSet, "report.html", html),
  ]);
  return { summary, matrices, markdown, location };
}

/** Without current keys to vouch for them, the spec's values stand for a result's only when
 * their hash is the one it ran with: otherwise its parameters are left empty. */
function withCheckedValues(result: RealisationResult, table: ParameterTable | undefined): RealisationResult {
  if (result.parameters !== undefined || table === undefined) return result;
  const row = new Float64Array(table.names.length);
  table.fill(
    result.id,
    Int32Array.from(row, (_, i) => i),
    row,
  );
  const values = new Map<string, number>();
  table.names.forEach((name, i) => {
    if (!Number.isNaN(row[i]!)) values.set(name, row[i]!);
  });
  return result.parametersHash === parameterValuesHash(values) ? result : { ...result, parameters: {} };
}
