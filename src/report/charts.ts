// Vega-Lite specs for the HTML report: fan charts of series bands, observation and run-time
// histograms, a per-worker timeline and parameter-observation scatter plots. Data is inline so
// each spec renders on its own (to SVG in Node, or in any Vega-Lite viewer); sizes are capped
// so a 2,000-realisation, 5,000-observation run set still gives a page a browser can open.
import type { TopLevelSpec } from "vega-lite";
import type { RunSetMatrices, ValueMatrix } from "../results/matrix.ts";
import type { AlertResult, RunSetSummary, Sensitivity, SeriesBand } from "../results/summary.ts";
import { quantileKey } from "../results/summary.ts";
import {
  histogramBins,
  niceDomain,
  niceDomainThatFits,
  niceTicks,
  TICK_LABELS,
  ticksThatFit,
} from "./axis.ts";
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
  /** Units per observation group (`report.units`), for axis titles: { heads: "m" }. */
  readonly units?: Readonly<Record<string, string>>;
  /** Per series: its chart x is step × scale + offset (`report.series[].step_scale`). */
  readonly seriesAxes?: Readonly<Record<string, { readonly scale: number; readonly offset: number }>>;
}

export const CHART_LIMITS = {
  histograms: 12,
  scatters: 6,
  fans: 12,
  timelineBars: 5_000,
  points: 2_000,
} as const;

/** Most ticks on an axis (fewer when their labels would not fit): vertical axes and narrow
 * charts, wide ones, and a series' whole-number steps. */
export const MAX_TICKS = { narrow: 6, wide: 10, steps: 13 } as const;

/** Fan charts, the run-time histogram and the timeline span the page; the others share a row. */
const WIDE = 1000;
const NARROW = 310;
/** About what the axes, their titles and padding leave of a chart's width for the plot. */
const PLOT = { [WIDE]: 900, [NARROW]: 220 } as const;

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
    add(fanChart(summary, band, options));
  for (const name of histogramObservations(summary, matrices, options)) {
    add(observationHistogram(summary, name, matrices.observations, options));
  }
  for (const s of strongestSensitivities(summary, options.maxScatters ?? CHART_LIMITS.scatters)) {
    add(scatterChart(s, matrices, options.maxPoints ?? CHART_LIMITS.points, unitsOf(summary, options)));
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

/** An observation's unit (`report.units` of its group), for axis titles. */
type UnitOf = (observation: string) => string | undefined;

function unitsOf(summary: RunSetSummary, options: ChartOptions): UnitOf {
  const units = options.units ?? {};
  const groupOf = new Map(summary.observations.map((o) => [o.name, o.group]));
  return (observation) => {
    const group = groupOf.get(observation);
    return group === undefined ? undefined : units[group];
  };
}

/** "h_w3 (m)": a title with its unit, when there is one. */
export function withUnit(title: string, unit: string | undefined): string {
  return unit ? `${title} (${unit})` : title;
}

export interface AlertLine {
  /** Where the line is drawn, in the observation's units. */
  readonly value: number;
  readonly label: string;
  readonly state: "fired" | "quiet";
}

/** A short label for an alert's line, short enough to sit beside it: "p90 > 102, fired",
 * "P(> 98) > 0.2". The alert's name and whole rule are in the alerts section. */
export function alertLabel(a: AlertResult): string {
  const sign = (direction: "above" | "below") => (direction === "above" ? ">" : "<");
  const text =
    a.kind === "probability"
      ? `P(${a.exceeds !== undefined ? ">" : "<"} ${formatNumber(a.exceeds ?? a.fallsBelow)}) > ${formatNumber(a.threshold)}`
      : `${a.statistic} ${sign(a.direction)} ${formatNumber(a.threshold)}`;
  return a.fired ? `${text}, fired` : text;
}

/** Alert thresholds in the observation's own units: a statistic's limit, or the value whose
 * exceedance a probability alert measures. */
function alertLines(summary: RunSetSummary, observations: ReadonlySet<string>): AlertLine[] {
  return summary.alerts.flatMap((a: AlertResult): AlertLine[] => {
    if (!observations.has(a.observation)) return [];
    const value = a.kind === "probability" ? (a.exceeds ?? a.fallsBelow) : a.threshold;
    if (value === undefined || !Number.isFinite(value)) return [];
    return [{ value, label: alertLabel(a), state: a.fired ? "fired" : "quiet" }];
  });
}

const ALERT_COLOR = {
  field: "state",
  type: "nominal",
  scale: { domain: ["fired", "quiet"], range: [COLORS.alert, COLORS.rule] },
  legend: null,
} as const;

/**
 * Alert lines across the plot, each labelled inside it: on an x axis at the top, beside the
 * line on whichever side has room (the label would be cut off by the chart's edge otherwise);
 * on a y axis at the right end, above the line.
 */
function alertRuleLayers(lines: readonly AlertLine[], axis: "x" | "y", domain: readonly [number, number]) {
  if (lines.length === 0) return [];
  const other = axis === "x" ? "y" : "x";
  const labels = lines.map((line, i) => {
    const right = axis === "x" && (line.value - domain[0]) / (domain[1] - domain[0] || 1) > 0.5;
    return {
      data: { values: [line] },
      mark: {
        type: "text",
        align: axis === "x" ? (right ? "right" : "left") : "right",
        baseline: axis === "x" ? "top" : "bottom",
        dx: axis === "x" ? (right ? -4 : 4) : -2,
        dy: axis === "x" ? 2 + 12 * i : -3,
        fontSize: 10,
      },
      encoding: {
        [axis]: { field: "value", type: "quantitative" },
        [other]: { value: axis === "x" ? 0 : "width" },
        text: { field: "label" },
        color: ALERT_COLOR,
      },
    };
  });
  return [
    {
      data: { values: lines },
      mark: { type: "rule", strokeDash: [6, 3], strokeWidth: 1.5 },
      encoding: { [axis]: { field: "value", type: "quantitative" }, color: ALERT_COLOR },
    },
    ...labels,
  ];
}

/**
 * The band between the lowest and highest quantile the summary has, an inner band when there are
 * two more, and the median (or the mean when P50 was not computed) as a line. The x axis is the
 * step, or step × scale + offset when the series says what a step is (metres along a transect).
 */
export function fanChart(
  summary: RunSetSummary,
  band: SeriesBand,
  options: ChartOptions = {},
): Chart | undefined {
  const qs = [...summary.quantiles].sort((a, b) => a - b);
  const lo = qs[0];
  const hi = qs[qs.length - 1];
  if (band.steps.length === 0 || lo === undefined || hi === undefined) return undefined;
  const hasMedian = qs.includes(0.5);
  const inner = qs.length >= 4 ? [qs[1]!, qs[qs.length - 2]!] : undefined;
  const stepAxis = options.seriesAxes?.[band.name];
  const xOf = (step: number) =>
    stepAxis ? Number((step * stepAxis.scale + stepAxis.offset).toPrecision(12)) : step;
  const values = band.steps.map((s) => ({
    step: s.step,
    x: xOf(s.step),
    lo: s.quantiles[quantileKey(lo)] ?? null,
    hi: s.quantiles[quantileKey(hi)] ?? null,
    ilo: inner ? (s.quantiles[quantileKey(inner[0]!)] ?? null) : null,
    ihi: inner ? (s.quantiles[quantileKey(inner[1]!)] ?? null) : null,
    mid: hasMedian ? (s.quantiles[quantileKey(0.5)] ?? null) : s.mean,
  }));
  if (!values.some((v) => v.lo !== null && v.hi !== null)) return undefined;
  const alerts = alertLines(summary, new Set(band.steps.map((s) => s.observation)));
  const xs = values.map((v) => v.x);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const ys = [
    ...values.flatMap((v) =>
      [v.lo, v.hi, v.mid].filter((y): y is number => y !== null && Number.isFinite(y)),
    ),
    ...alerts.map((a) => a.value),
  ];
  const yAxis = niceDomain(Math.min(...ys), Math.max(...ys), MAX_TICKS.narrow);
  // Steps are whole numbers, shown as they are; a scaled step (metres, days) gets round ticks.
  const xAxis = stepAxis
    ? niceDomainThatFits(xMin, xMax, MAX_TICKS.wide, PLOT[WIDE])
    : {
        domain: xMin === xMax ? [xMin - 1, xMax + 1] : [xMin, xMax],
        ticks: niceTicks(xMin, xMax, MAX_TICKS.steps, true),
      };
  const x = {
    field: "x",
    type: "quantitative",
    title: band.stepLabel || "step",
    axis: { values: xAxis.ticks, ...TICK_LABELS },
    scale: { nice: false, zero: false, domain: xAxis.domain },
  } as const;
  // The group's name with its unit ("heads (m)") says what the band is; without one, its name.
  const group = summary.observations.find((o) => o.name === band.steps[0]?.observation)?.group;
  const unit = group === undefined ? undefined : options.units?.[group];
  const y = {
    type: "quantitative",
    scale: { zero: false, nice: false, domain: yAxis.domain },
    axis: { values: yAxis.ticks, ...TICK_LABELS },
    title: unit === undefined ? band.name : withUnit(group!, unit),
  } as const;
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
  layers.push(...alertRuleLayers(alerts, "y", yAxis.domain));
  return {
    id: `fan-${slug(band.name)}`,
    kind: "fan",
    title: band.name,
    spec: {
      ...base(band.name, subtitle, WIDE, 300),
      data: { values },
      layer: layers,
    } as TopLevelSpec,
  };
}

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

/** A histogram of one observation's values, with its quantiles and any alert threshold marked.
 * Bins and ticks are computed here (axis.ts): nice bin widths, a few evenly spaced labels. */
export function observationHistogram(
  summary: RunSetSummary,
  name: string,
  matrix: ValueMatrix,
  options: ChartOptions = {},
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
  const bins = histogramBins(values, 30);
  const alerts = alertLines(summary, new Set([name]));
  const end = bins.start + bins.step * bins.counts.length;
  const domain: [number, number] = [
    Math.min(bins.start, ...alerts.map((a) => a.value)),
    Math.max(end, ...alerts.map((a) => a.value)),
  ];
  const x = {
    field: "x0",
    type: "quantitative",
    bin: "binned",
    title: withUnit(name, unitsOf(summary, options)(name)),
    scale: { domain, nice: false, zero: false },
    axis: { values: ticksThatFit(domain[0], domain[1], MAX_TICKS.narrow, PLOT[NARROW]), ...TICK_LABELS },
  } as const;
  const layers: unknown[] = [
    {
      data: { values: binRows(bins) },
      mark: { type: "bar", color: COLORS.bar, opacity: 0.85, binSpacing: 1 },
      encoding: { x, x2: { field: "x1" }, y: countAxis(Math.max(...bins.counts)) },
    },
  ];
  if (quantileLines.length > 0) {
    layers.push({
      data: { values: quantileLines },
      mark: { type: "rule", color: COLORS.rule, strokeDash: [2, 2] },
      encoding: { x: { field: "value", type: "quantitative" } },
    });
  }
  layers.push(...alertRuleLayers(alerts, "x", domain));
  return {
    id: `hist-${slug(name)}`,
    kind: "histogram",
    title: name,
    spec: { ...base(name, subtitle, NARROW, 210), layer: layers } as TopLevelSpec,
  };
}

/** One row per bin: its edges and count. */
function binRows(bins: { start: number; step: number; counts: readonly number[] }) {
  return bins.counts.map((n, k) => ({
    x0: Number((bins.start + k * bins.step).toPrecision(12)),
    x1: Number((bins.start + (k + 1) * bins.step).toPrecision(12)),
    n,
  }));
}

/** The y axis of a histogram: realisations per bin, whole-number ticks. */
function countAxis(max: number) {
  const { domain, ticks } = niceDomain(0, Math.max(1, max), MAX_TICKS.narrow, true);
  return {
    field: "n",
    type: "quantitative",
    title: "realisations",
    stack: true,
    scale: { domain, nice: false },
    axis: { values: ticks, format: "d" },
  } as const;
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
  const times = rows.map((r) => r.wallSeconds / unit.divisor);
  const bins = histogramBins(times, 40);
  // Counts per bin and status, so failures stack on successes.
  const failed = new Array<number>(bins.counts.length).fill(0);
  rows.forEach((r, k) => {
    if (r.status === "ok") return;
    const b = Math.min(bins.counts.length - 1, Math.floor((times[k]! - bins.start) / bins.step));
    failed[b]! += 1;
  });
  const data = binRows(bins).flatMap((row, k) =>
    [
      { ...row, status: "ok", n: row.n - failed[k]! },
      { ...row, status: "failed", n: failed[k]! },
    ].filter((d) => d.n > 0),
  );
  const domain: [number, number] = [bins.start, bins.start + bins.step * bins.counts.length];
  return {
    id: "runtime",
    kind: "runtime",
    title: "Run time per realisation",
    spec: {
      ...base(
        "Run time per realisation",
        `${formatCount(rows.length)} realisations${median != null ? ` · median ${formatNumber(median / unit.divisor, 3)} ${unit.name}` : ""}`,
        WIDE,
        240,
      ),
      data: { values: data },
      mark: { type: "bar", binSpacing: 1 },
      encoding: {
        x: {
          field: "x0",
          type: "quantitative",
          bin: "binned",
          title: `model run time (${unit.name})`,
          scale: { domain, nice: false, zero: false },
          axis: {
            values: ticksThatFit(domain[0], domain[1], MAX_TICKS.wide, PLOT[WIDE]),
            ...TICK_LABELS,
          },
        },
        x2: { field: "x1" },
        y: countAxis(Math.max(...bins.counts)),
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
        WIDE,
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
          axis: {
            values: ticksThatFit(0, (t1 - t0) / 1000 / unit.divisor, MAX_TICKS.wide, PLOT[WIDE]),
            ...TICK_LABELS,
          },
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
 * with ticks at 1-2-5 (or 1-3, or 1) steps so labels do not pile up at the top of each decade;
 * otherwise a linear axis with a few evenly spaced ticks.
 */
function scaleFor(
  values: readonly number[],
  horizontal: boolean,
): {
  scale: Record<string, unknown>;
  axis: Record<string, unknown>;
} {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!(min > 0 && max / min >= 100)) {
    const { domain, ticks } = horizontal
      ? niceDomainThatFits(min, max, MAX_TICKS.narrow, PLOT[NARROW])
      : niceDomain(min, max, MAX_TICKS.narrow);
    return { scale: { zero: false, nice: false, domain }, axis: { values: ticks, ...TICK_LABELS } };
  }
  const ticks: number[] = [];
  const decades = Math.log10(max / min);
  const steps = decades > 3.5 ? [1] : decades > 1.5 ? [1, 3] : [1, 2, 5];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
    for (const m of steps) {
      const t = Number((m * 10 ** e).toPrecision(3));
      if (t >= min && t <= max) ticks.push(t);
    }
  }
  // Many decades: every other decade, so the labels stay few.
  const shown = ticks.length > MAX_TICKS.narrow + 2 ? ticks.filter((_, i) => i % 2 === 0) : ticks;
  return { scale: { type: "log" }, axis: { values: shown, labelOverlap: "greedy", ...TICK_LABELS } };
}

/** An observation against a parameter across realisations, Spearman's rho in the title. */
export function scatterChart(
  s: Sensitivity,
  matrices: RunSetMatrices,
  maxPoints: number = CHART_LIMITS.points,
  unitOf: UnitOf = () => undefined,
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
          ...scaleFor(
            shown.map((d) => d.x),
            true,
          ),
        },
        y: {
          field: "y",
          type: "quantitative",
          title: withUnit(s.observation, unitOf(s.observation)),
          ...scaleFor(
            shown.map((d) => d.y),
            false,
          ),
        },
      },
    } as TopLevelSpec,
  };
  return shown.length < points.length
    ? { ...chart, note: `${formatCount(shown.length)} of ${formatCount(points.length)} realisations drawn.` }
    : chart;
}
