// The calibration report's charts, as Vega-Lite specs rendered to inline SVG by the report
// machinery (src/report/svg.ts): phi per iteration, prior and posterior of the parameters of
// each group, and simulated against observed (1:1) with the ensembles' spread.
import type { TopLevelSpec } from "vega-lite";
import { COLORS } from "../../report/charts.ts";
import type { CalibrationSummary } from "./calibration-summary.ts";

export interface CalibrationChart {
  readonly id: string;
  readonly title: string;
  readonly spec: TopLevelSpec;
}

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const PRIOR = "#9ca3af";
const POSTERIOR = COLORS.line;

function base(title: string, subtitle: string, width: number, height: number) {
  return {
    $schema: SCHEMA,
    title: { text: title, subtitle, anchor: "start", fontSize: 13, subtitleFontSize: 11 },
    config: {
      font: "Helvetica, Arial, sans-serif",
      background: "white",
      view: { stroke: null },
      mark: { aria: false },
    },
    autosize: { type: "fit", contains: "padding" },
    width,
    height,
  } as const;
}

export function phiChart(s: CalibrationSummary): CalibrationChart {
  const values = s.iterations.flatMap((it) => [
    {
      iteration: it.iteration,
      phi: "measured",
      mean: it.measured.mean,
      min: it.measured.min,
      max: it.measured.max,
    },
    { iteration: it.iteration, phi: "actual", mean: it.actual.mean, min: it.actual.min, max: it.actual.max },
  ]);
  const positive = values.every((v) => v.min > 0);
  const y = { type: "quantitative", title: "phi", scale: positive ? { type: "log" } : {} } as const;
  return {
    id: "phi",
    title: "Phi per iteration",
    spec: {
      ...base(
        "Phi per iteration",
        "mean (line) and min–max of the ensemble (band); measured: against observations plus noise",
        640,
        300,
      ),
      data: { values },
      encoding: {
        x: { field: "iteration", type: "ordinal", title: "iteration", axis: { labelAngle: 0 } },
        color: {
          field: "phi",
          type: "nominal",
          title: null,
          scale: { domain: ["measured", "actual"], range: [POSTERIOR, "#f59e0b"] },
        },
      },
      layer: [
        {
          mark: { type: "area", opacity: 0.18 },
          encoding: { y: { field: "min", ...y }, y2: { field: "max" } },
        },
        { mark: { type: "line", point: true }, encoding: { y: { field: "mean", ...y } } },
      ],
    } as unknown as TopLevelSpec,
  };
}

/** One chart per parameter group: each parameter's prior and posterior P10–P90 and mean. */
export function parameterCharts(s: CalibrationSummary): CalibrationChart[] {
  const groups = [...new Set(s.parameters.map((p) => p.group))];
  return groups.map((group) => {
    const members = s.parameters.filter((p) => p.group === group);
    const values = members.flatMap((p) => [
      { parameter: p.name, ensemble: "prior", ...p.prior },
      { parameter: p.name, ensemble: "posterior", ...p.posterior },
    ]);
    const log = members.every((p) => p.log) && values.every((v) => v.p10 > 0);
    const x = {
      type: "quantitative",
      title: "value",
      scale: log ? { type: "log" } : { zero: false },
    } as const;
    return {
      id: `parameters-${group.replace(/[^a-z0-9_-]/gi, "_")}`,
      title: `Parameters: ${group}`,
      spec: {
        ...base(
          `Parameters: ${group}`,
          "P10–P90 (bar) and mean (dot), prior and posterior",
          420,
          40 + 44 * members.length,
        ),
        data: { values },
        encoding: {
          y: { field: "parameter", type: "nominal", title: null },
          yOffset: { field: "ensemble", sort: ["prior", "posterior"] },
          color: {
            field: "ensemble",
            type: "nominal",
            title: null,
            sort: ["prior", "posterior"],
            scale: { range: [PRIOR, POSTERIOR] },
          },
        },
        layer: [
          {
            mark: { type: "rule", strokeWidth: 4 },
            encoding: { x: { field: "p10", ...x }, x2: { field: "p90" } },
          },
          { mark: { type: "point", filled: true, size: 40 }, encoding: { x: { field: "mean", ...x } } },
        ],
      } as unknown as TopLevelSpec,
    };
  });
}

/** Simulated against observed: the prior's and the posterior's P10–P90 and mean per observation. */
export function oneToOneChart(s: CalibrationSummary): CalibrationChart {
  const counted = s.observations.filter((o) => o.weight > 0);
  const values = counted.flatMap((o) => [
    { observation: o.name, observed: o.observed, ensemble: "prior", ...o.prior },
    { observation: o.name, observed: o.observed, ensemble: "posterior", ...o.posterior },
  ]);
  const all = values.flatMap((v) => [v.observed, v.p10, v.p90]);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const pad = (hi - lo) * 0.05 || 1;
  const domain = [lo - pad, hi + pad];
  const axis = (title: string) => ({ type: "quantitative", title, scale: { domain, nice: false } }) as const;
  return {
    id: "one-to-one",
    title: "Simulated vs observed",
    spec: {
      ...base(
        "Simulated vs observed",
        "mean (dot) and P10–P90 (bar) of each ensemble; the line is 1:1",
        520,
        460,
      ),
      layer: [
        {
          data: { values: [{ a: domain[0], b: domain[1] }] },
          mark: { type: "rule", color: COLORS.rule, strokeDash: [4, 4] },
          encoding: {
            x: { field: "a", ...axis("observed") },
            y: { field: "a", ...axis("simulated") },
            x2: { field: "b" },
            y2: { field: "b" },
          },
        },
        {
          data: { values },
          mark: { type: "rule", strokeWidth: 2, opacity: 0.7 },
          encoding: {
            x: { field: "observed", ...axis("observed") },
            y: { field: "p10", ...axis("simulated") },
            y2: { field: "p90" },
            color: {
              field: "ensemble",
              type: "nominal",
              title: null,
              sort: ["prior", "posterior"],
              scale: { range: [PRIOR, POSTERIOR] },
            },
          },
        },
        {
          data: { values },
          mark: { type: "point", filled: true, size: 30 },
          encoding: {
            x: { field: "observed", ...axis("observed") },
            y: { field: "mean", ...axis("simulated") },
            color: { field: "ensemble", type: "nominal", title: null, sort: ["prior", "posterior"] },
            tooltip: [{ field: "observation" }, { field: "mean", format: ".4g" }],
          },
        },
      ],
    } as unknown as TopLevelSpec,
  };
}
