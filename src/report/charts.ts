// Vega-Lite specs for the HTML report: fan charts of series bands, observation and run-time
// histograms, a per-worker timeline and parameter-observation scatter plots. Data is inline so
// each spec renders on its own (to SVG in Node, or in any Vega-Lite viewer); sizes are capped
// so a 2,000-realisation, 5,000-observation run set still gives a page a browser can open.
import type { TopLevelSpec } from "vega-lite";
import type { RunSetMatrices, ValueMatrix } from "../results/matrix.ts";
import type { AlertResult, RunSetSummary, Sensitivity, SeriesBand } from "../results/summary.ts";
import { quantileKey } from "../results/summary.ts";
import {
  formatCount,
  formatNumber,
  formatRho,
  keyObservations,
  quantileLabel,
  strongestSensitivities,
} from "./format.ts";

export type ChartKind = "fan" | "histogram" | "runtime" | "timeline" | "scatter";

export interface Chart {
  /** Unique within one report; safe in an HTML id. */
  readonly id: string;
  readonly kind: ChartKind;
  readonly title: string;
  readonly spec: TopLevelSpec;
  /** Said next to the chart when it does not show everything (sampling, caps). */
  readonly note?: string;
}

export interface ChartOptions {
  /** Observations to draw histograms for; default: key observations, then the most sensitive. */
  readonly histogramObservations?: readonly string[];
  readonly keyObservations?: readonly string[];
  readonly maxHistograms?: number;
  readonly maxScatters?: number;
  readonly maxFans?: number;
  readonly maxTimelineBars?: number;
  /** Points per scatter plot; beyond it realisations are sampled evenly. */
  readonly maxPoints?: number;
}

export const CHART_LIMITS = {
  histograms: 12,
  scatters: 6,
  fans: 12,
  timelineBars: 5_000,
  points: 2_000,
} as const;

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
export const COLORS = {
  band: "#93c5fd",
  innerBand: "#60a5fa",
  line: "#1d4ed8",
  bar: "#3b82f6",
  ok: "#3b82f6",
  failed: "#dc2626",
  alert: "#dc2626",
  rule: "#6b7280",
} as const;

/** One look for every chart; the font list matches the page's so text lines up. */
const CONFIG = {
  // Per-mark ARIA labels would triple the size of a 2,000-point SVG; the chart keeps its own.
  mark: { aria: false },
  font: "Helvetica, Arial, sans-serif",
  background: "white",
  view: { stroke: null },
  axis: {
    labelColor: "#4b5563",
    titleColor: "#374151",
    titleFontWeight: 600,
    labelFontSize: 11,
    titleFontSize: 11,
    gridColor: "#eceff3",
    domainColor: "#9ca3af",
    tickColor: "#9ca3af",
  },
  legend: { labelFontSize: 11, titleFontSize: 11, labelColor: "#374151", titleColor: "#374151" },
  title: {
    fontSize: 13,
    fontWeight: 600,
    anchor: "start",
    color: "#111827",
    subtitleColor: "#6b7280",
    subtitleFontSize: 11,
    offset: 8,
  },
} as const;

/**
 * The common part of every spec. `width` and `height` are the whole chart's size, axes and
 * titles included, so charts side by side line up whatever their label widths.
 */
function base(
  title: string,
  subtitle: string | undefined,
  width: number,
  height: number,
): Record<string, unknown> {
  return {
    $schema: SCHEMA,
    config: CONFIG as TopLevelSpec["config"],
    // A limit keeps a long name from squeezing the plot: the title is cut with an ellipsis instead.
    title: subtitle ? { text: title, subtitle, limit: width - 10 } : { text: title, limit: width - 10 },
    autosize: { type: "fit", contains: "padding" },
    width,
    height,
  };
}

/** Every chart a report shows, in reading order. */
export function buildCharts(
  summary: RunSetSummary,
  matrices: RunSetMatrices,
  options: ChartOptions = {},
): Chart[] {
  const charts: Chart[] = [];
  const ids = new Set<string>();
  const add = (chart: Chart | undefined) => {
    if (!chart) return;
    let id = chart.id;
    for (let n = 2; ids.has(id); n++) id = `${chart.id}-${n}`;
    ids.add(id);
    charts.push({ ...chart, id });
  };
  for (const band of summary.series.slice(0, options.maxFans ?? CHART_LIMITS.fans))
    add(fanChart(summary, band));
  for (const name of histogramObservations(summary, matrices, options)) {
    add(observationHistogram(summary, name, matrices.observations));
  }
  for (const s of strongestSensitivities(summary, options.maxScatters ?? CHART_LIMITS.scatters)) {
    add(scatterChart(s, matrices, options.maxPoints ?? CHART_LIMITS.points));
  }
  add(runtimeHistogram(summary));
  add(timelineChart(summary, options.maxTimelineBars ?? CHART_LIMITS.timelineBars));
  return charts;
}

/** A slug for ids: lower-case letters, digits and dashes only, so user names cannot break markup. */
export function slug(text: string): string {
  const s = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);
  return s || "x";
}

/** Alert thresholds in the observation's own units (probability alerts compare the exceedance level). */
function alertLines(summary: RunSetSummary, observations: ReadonlySet<string>) {
  return summary.alerts.flatMap((a: AlertResult) => {
    if (!observations.has(a.observation)) return [];
    const value = a.kind === "probability" ? a.exceeds : a.threshold;
    if (value === undefined || !Number.isFinite(value)) return [];
    return [{ value, label: `${a.name}${a.fired ? " (fired)" : ""}`, state: a.fired ? "fired" : "quiet" }];
  });
}

function alertRuleLayers(lines: ReturnType<typeof alertLines>, axis: "x" | "y") {
  if (lines.length === 0) return [];
  const other = axis === "x" ? "y" : "x";
  return [
    {
      data: { values: lines },
      mark: { type: "rule", strokeDash: [6, 3], strokeWidth: 1.5 },
      encoding: {
        [axis]: { field: "value", type: "quantitative" },
        color: {
          field: "state",
          type: "nominal",
          scale: { domain: ["fired", "quiet"], range: [COLORS.alert, COLORS.rule] },
          legend: null,
        },
      },
    },
    {
      data: { values: lines },
      mark: {
        type: "text",
        align: axis === "x" ? "left" : "right",
        baseline: axis === "x" ? "top" : "bottom",
        dx: axis === "x" ? 4 : -2,
        dy: axis === "x" ? 2 : -3,
        fontSize: 10,
      },
      encoding: {
        [axis]: { field: "value", type: "quantitative" },
        [other]: { value: axis === "x" ? 0 : "width" },
        text: { field: "label" },
        color: {
          field: "state",
          type: "nominal",
          scale: { domain: ["fired", "quiet"], range: [COLORS.alert, COLORS.rule] },
          legend: null,
        },
      },
    },
  ];
}

/**
 * The band between the lowest and highest quantile the summary has, an inner band when there are
 * two more, and the median (or the mean when P50 was not computed) as a line.
 */
export function fanChart(summary: RunSetSummary, band: SeriesBand): Chart | undefined {
  const qs = [...summary.quantiles].sort((a, b) => a - b);
  const lo = qs[0];
  const hi = qs[qs.length - 1];
  if (band.steps.length === 0 || lo === undefined || hi === undefined) return undefined;
  const hasMedian = qs.includes(0.5);
  const inner = qs.length >= 4 ? [qs[1]!, qs[qs.length - 2]!] : undefined;
  const values = band.steps.map((s) => ({
    step: s.step,
    lo: s.quantiles[quantileKey(lo)] ?? null,
    hi: s.quantiles[quantileKey(hi)] ?? null,
    ilo: inner ? (s.quantiles[quantileKey(inner[0]!)] ?? null) : null,
    ihi: inner ? (s.quantiles[quantileKey(inner[1]!)] ?? null) : null,
    mid: hasMedian ? (s.quantiles[quantileKey(0.5)] ?? null) : s.mean,
  }));
  if (!values.some((v) => v.lo !== null && v.hi !== null)) return undefined;
  const x = {
    field: "step",
    type: "quantitative",
    title: band.stepLabel || "step",
    axis: { tickMinStep: 1 },
    scale: { nice: false },
  } as const;
  const y = { type: "quantitative", scale: { zero: false }, title: null } as const;
  const midName = hasMedian ? "median" : "mean";
  const subtitle = [
    `band ${quantileLabel(lo)}–${quantileLabel(hi)}`,
    inner ? `inner ${quantileLabel(inner[0]!)}–${quantileLabel(inner[1]!)}` : "",
    `line ${midName}`,
  ]
    .filter(Boolean)
    .join(" · ");
  const layers: unknown[] = [
    {
      mark: { type: "area", color: COLORS.band, opacity: 0.55 },
      encoding: { x, y: { ...y, field: "lo" }, y2: { field: "hi" } },
    },
  ];
  if (inner) {
    layers.push({
      mark: { type: "area", color: COLORS.innerBand, opacity: 0.5 },
      encoding: { x, y: { ...y, field: "ilo" }, y2: { field: "ihi" } },
    });
  }
  layers.push({
    mark: { type: "line", color: COLORS.line, strokeWidth: 2, point: values.length <= 40 },
    encoding: { x, y: { ...y, field: "mid" } },
  });
  layers.push(...alertRuleLayers(alertLines(summary, new Set(band.steps.map((s) => s.observation))), "y"));
  return {
    id: `fan-${slug(band.name)}`,
    kind: "fan",
    title: band.name,
    spec: {
      ...base(band.name, subtitle, 480, 260),
      data: { values },
      layer: layers,
    } as TopLevelSpec,
  };
}

/** Binned axes label every bin edge unless told to thin them out. */
const BIN_AXIS = { labelOverlap: "greedy", labelSeparation: 6, labelFlush: true } as const;

function finiteValues(column: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < column.length; i++) if (Number.isFinite(column[i]!)) out.push(column[i]!);
  return out;
}

function histogramObservations(
  summary: RunSetSummary,
  matrices: RunSetMatrices,
  options: ChartOptions,
): string[] {
  const max = options.maxHistograms ?? CHART_LIMITS.histograms;
  const available = new Set(matrices.observations.names);
  if (options.histogramObservations) {
    return [...new Set(options.histogramObservations)].filter((n) => available.has(n)).slice(0, max);
  }
  // Series steps already have their fan chart; histograms are for the scalar outputs.
  const inSeries = new Set(summary.series.flatMap((b) => b.steps.map((s) => s.observation)));
  const names = [
    ...keyObservations(summary, options.keyObservations).map((o) => o.name),
    ...[...summary.sensitivities].sort((a, b) => Math.abs(b.rho) - Math.abs(a.rho)).map((s) => s.observation),
    ...summary.observations.map((o) => o.name),
  ];
  const picked: string[] = [];
  const keys = new Set(keyObservations(summary, options.keyObservations).map((o) => o.name));
  for (const n of names) {
    if (picked.length >= max) break;
    if (!available.has(n) || picked.includes(n) || (inSeries.has(n) && !keys.has(n))) continue;
    picked.push(n);
  }
  return picked;
}

/** A histogram of one observation's values, with its quantiles and any alert threshold marked. */
export function observationHistogram(
  summary: RunSetSummary,
  name: string,
  matrix: ValueMatrix,
): Chart | undefined {
  const i = matrix.names.indexOf(name);
  const column = matrix.columns[i];
  if (i < 0 || !column) return undefined;
  const values = finiteValues(column);
  if (values.length === 0) return undefined;
  const stats = summary.observations.find((o) => o.name === name);
  const quantileLines = (stats ? summary.quantiles : []).flatMap((q) => {
    const v = stats?.quantiles[quantileKey(q)];
    return v === null || v === undefined ? [] : [{ value: v, label: quantileLabel(q) }];
  });
  const subtitle = [
    `n = ${formatCount(values.length)}`,
    ...quantileLines.map((l) => `${l.label} ${formatNumber(l.value)}`),
  ].join(" · ");
  const layers: unknown[] = [
    {
      mark: { type: "bar", color: COLORS.bar, opacity: 0.85, binSpacing: 1 },
      encoding: {
        x: { field: "v", type: "quantitative", bin: { maxbins: 30 }, title: null, axis: BIN_AXIS },
        y: { aggregate: "count", type: "quantitative", title: "realisations" },
      },
    },
  ];
  if (quantileLines.length > 0) {
    layers.push({
      data: { values: quantileLines },
      mark: { type: "rule", color: COLORS.rule, strokeDash: [2, 2] },
      encoding: { x: { field: "value", type: "quantitative" } },
    });
  }
  layers.push(...alertRuleLayers(alertLines(summary, new Set([name])), "x"));
  return {
    id: `hist-${slug(name)}`,
    kind: "histogram",
    title: name,
    spec: {
      ...base(name, subtitle, 310, 210),
      data: { values: values.map((v) => ({ v })) },
      layer: layers,
    } as TopLevelSpec,
  };
}

/** Seconds shown in the unit that keeps axis labels short. */
function timeUnit(seconds: number): { divisor: number; name: string } {
  if (seconds >= 3 * 3600) return { divisor: 3600, name: "hours" };
  if (seconds >= 180) return { divisor: 60, name: "minutes" };
  return { divisor: 1, name: "seconds" };
}

const STATUS_COLOR = {
  field: "status",
  type: "nominal",
  title: null,
  scale: { domain: ["ok", "failed"], range: [COLORS.ok, COLORS.failed] },
  legend: { orient: "top", direction: "horizontal" },
} as const;

/** Model wall time per realisation, failures stacked in red. */
export function runtimeHistogram(summary: RunSetSummary): Chart | undefined {
  const rows = summary.realisations.filter((r) => Number.isFinite(r.wallSeconds));
  if (rows.length === 0) return undefined;
  const sorted = rows.map((r) => r.wallSeconds).sort((a, b) => a - b);
  const unit = timeUnit(sorted[Math.floor(sorted.length / 2)]!);
  const median = summary.runtime.quantiles[quantileKey(0.5)];
  return {
    id: "runtime",
    kind: "runtime",
    title: "Run time per realisation",
    spec: {
      ...base(
        "Run time per realisation",
        `${formatCount(rows.length)} realisations${median != null ? ` · median ${formatNumber(median / unit.divisor, 3)} ${unit.name}` : ""}`,
        1000,
        240,
      ),
      data: { values: rows.map((r) => ({ t: r.wallSeconds / unit.divisor, status: r.status })) },
      mark: { type: "bar", binSpacing: 1 },
      encoding: {
        x: { field: "t", type: "quantitative", bin: { maxbins: 40 }, title: unit.name, axis: BIN_AXIS },
        y: { aggregate: "count", type: "quantitative", title: "realisations", stack: true },
        color: STATUS_COLOR,
      },
    } as TopLevelSpec,
  };
}

/** Natural order for worker names, so worker-10 comes after worker-9. */
function byName(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}

/**
 * When each realisation ran and on which worker, like Nextflow's timeline. Over `maxBars`
 * realisations, all failures are kept and successes sampled evenly, and the subtitle says so.
 */
export function timelineChart(
  summary: RunSetSummary,
  maxBars: number = CHART_LIMITS.timelineBars,
): Chart | undefined {
  const rows = summary.realisations.filter(
    (r) => Number.isFinite(Date.parse(r.startedAt)) && Number.isFinite(Date.parse(r.endedAt)),
  );
  if (rows.length === 0) return undefined;
  let shown = rows;
  let note: string | undefined;
  if (rows.length > maxBars) {
    const failed = rows.filter((r) => r.status !== "ok").slice(0, Math.floor(maxBars / 2));
    const ok = rows.filter((r) => r.status === "ok");
    const room = maxBars - failed.length;
    const sampledOk = Array.from({ length: room }, (_, k) => ok[Math.floor((k * ok.length) / room)]!);
    shown = [...failed, ...sampledOk];
    note = `Showing ${formatCount(shown.length)} of ${formatCount(rows.length)} realisations: all failures (up to ${formatCount(failed.length)}) and an even sample of the rest.`;
  }
  // A loop, not Math.min(...rows): spreading 100,000 arguments overflows the stack.
  let t0 = Number.POSITIVE_INFINITY;
  let t1 = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    t0 = Math.min(t0, Date.parse(r.startedAt));
    t1 = Math.max(t1, Date.parse(r.endedAt));
  }
  const unit = timeUnit((t1 - t0) / 1000);
  const workers = [...new Set(rows.map((r) => r.worker))].sort(byName);
  const showLabels = workers.length <= 60;
  const subtitle = [
    `${formatCount(workers.length)} worker${workers.length === 1 ? "" : "s"}`,
    `${formatCount(rows.length)} realisations`,
    note ? `sampled to ${formatCount(shown.length)} bars` : "",
  ]
    .filter(Boolean)
    .join(" · ");
  const values = shown.map((r) => ({
    worker: r.worker,
    start: (Date.parse(r.startedAt) - t0) / 1000 / unit.divisor,
    end: (Math.max(Date.parse(r.endedAt), Date.parse(r.startedAt)) - t0) / 1000 / unit.divisor,
    status: r.status,
  }));
  const chart: Chart = {
    id: "timeline",
    kind: "timeline",
    title: "Timeline",
    spec: {
      // Title, legend and axis take about 100 pixels; the rest is one row per worker.
      ...base(
        "Timeline",
        subtitle,
        1000,
        100 + (workers.length <= 40 ? workers.length * 18 : Math.min(800, workers.length * 6)),
      ),
      data: { values },
      mark: { type: "bar", minBandSize: 1 },
      encoding: {
        y: {
          field: "worker",
          type: "nominal",
          sort: workers,
          title: null,
          axis: showLabels ? { labelLimit: 140 } : { labels: false, ticks: false, title: "workers" },
          scale: { paddingInner: 0.25 },
        },
        x: {
          field: "start",
          type: "quantitative",
          title: `${unit.name} since the first start`,
          scale: { nice: false, domain: [0, (t1 - t0) / 1000 / unit.divisor] },
        },
        x2: { field: "end" },
        color: STATUS_COLOR,
      },
    } as TopLevelSpec,
  };
  return note ? { ...chart, note } : chart;
}

/**
 * Log axes for positive values spanning two orders of magnitude (conductivities usually do),
 * with ticks at 1-2-5 (or 1-3, or 1) steps so labels do not pile up at the top of each decade.
 */
function scaleFor(values: readonly number[]): {
  scale: Record<string, unknown>;
  axis: Record<string, unknown>;
} {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(min > 0 && max / min >= 100)) return { scale: { zero: false }, axis: { labelOverlap: true } };
  const ticks: number[] = [];
  const decades = Math.log10(max / min);
  const steps = decades > 3.5 ? [1] : decades > 1.5 ? [1, 3] : [1, 2, 5];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of steps) {
      const t = Number((m * 10 ** e).toPrecision(3));
      if (t >= min && t <= max) ticks.push(t);
    }
  }
  return { scale: { type: "log" }, axis: { values: ticks, labelOverlap: "greedy", format: ",~g" } };
}

/** An observation against a parameter across realisations, Spearman's rho in the title. */
export function scatterChart(
  s: Sensitivity,
  matrices: RunSetMatrices,
  maxPoints: number = CHART_LIMITS.points,
): Chart | undefined {
  const p = matrices.parameters;
  const o = matrices.observations;
  const pi = p.names.indexOf(s.parameter);
  const oi = o.names.indexOf(s.observation);
  const pc = p.columns[pi];
  const oc = o.columns[oi];
  if (!pc || !oc) return undefined;
  // The two matrices normally share row order; join by id when they do not.
  const sameRows = p.ids.length === o.ids.length && p.ids.every((id, k) => o.ids[k] === id);
  const pRow = sameRows ? undefined : new Map(p.ids.map((id, k) => [id, k]));
  const points: Array<{ x: number; y: number }> = [];
  o.ids.forEach((id, k) => {
    const pk = sameRows ? k : pRow!.get(id);
    if (pk === undefined) return;
    const x = pc[pk]!;
    const y = oc[k]!;
    if (Number.isFinite(x) && Number.isFinite(y)) points.push({ x, y });
  });
  if (points.length === 0) return undefined;
  const shown =
    points.length > maxPoints
      ? Array.from({ length: maxPoints }, (_, k) => points[Math.floor((k * points.length) / maxPoints)]!)
      : points;
  const title = `${s.observation} vs ${s.parameter}`;
  const chart: Chart = {
    id: `scatter-${slug(s.observation)}-${slug(s.parameter)}`,
    kind: "scatter",
    title,
    spec: {
      ...base(
        `${title}: ρ = ${formatRho(s.rho)}`,
        `Spearman rank correlation · n = ${formatCount(points.length)}${shown.length < points.length ? ` (${formatCount(shown.length)} drawn)` : ""}`,
        310,
        250,
      ),
      data: { values: shown },
      mark: { type: "circle", size: 16, opacity: 0.55, color: COLORS.line },
      encoding: {
        x: {
          field: "x",
          type: "quantitative",
          title: s.parameter,
          ...scaleFor(shown.map((d) => d.x)),
        },
        y: {
          field: "y",
          type: "quantitative",
          title: s.observation,
          ...scaleFor(shown.map((d) => d.y)),
        },
      },
    } as TopLevelSpec,
  };
  return shown.length < points.length
    ? { ...chart, note: `${formatCount(shown.length)} of ${formatCount(points.length)} realisations drawn.` }
    : chart;
}
