// The chart specs: which charts a report gets, their shapes and data, and the size caps.

import { compile } from "vega-lite";
import { describe, expect, it } from "vitest";
import { buildSummary } from "../../test/helpers/summary-builder.ts";
import type { RunSetSummary } from "../results/summary.ts";
import {
  buildCharts,
  type Chart,
  fanChart,
  observationHistogram,
  runtimeHistogram,
  scatterChart,
  slug,
  timelineChart,
} from "./charts.ts";
import { formatNumber } from "./format.ts";
import { renderSvg, textWidth } from "./svg.ts";

// Specs are plain objects; tests read them without Vega-Lite's union types in the way.
// biome-ignore lint/suspicious/noExplicitAny: reading arbitrary spec JSON
type Json = any;
const spec = (c: Chart | undefined): Json => {
  expect(c).toBeDefined();
  return c!.spec as Json;
};
const values = (c: Chart | undefined): Json[] => spec(c).data.values;

describe("buildCharts", () => {
  const { summary, matrices } = buildSummary();
  const charts = buildCharts(summary, matrices);

  it("gives fan charts, histograms, scatters, a run-time histogram and a timeline, in that order", () => {
    const kinds = charts.map((c) => c.kind);
    expect(kinds.filter((k) => k === "fan")).toHaveLength(1);
    expect(kinds.filter((k) => k === "histogram")).toHaveLength(12);
    expect(kinds.filter((k) => k === "scatter")).toHaveLength(6);
    expect(kinds.slice(-2)).toEqual(["runtime", "timeline"]);
    expect(kinds.indexOf("fan")).toBeLessThan(kinds.indexOf("histogram"));
    expect(kinds.lastIndexOf("histogram")).toBeLessThan(kinds.indexOf("scatter"));
  });

  it("gives every chart a unique id safe in HTML", () => {
    const ids = charts.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9-]+$/);
    expect(slug("<script>alert(1)</script>")).toBe("script-alert-1-script");
  });

  it("carries data inline and compiles with Vega-Lite", () => {
    for (const c of charts) {
      const s = spec(c);
      expect(JSON.stringify(s)).not.toContain('"url"');
      expect(s.$schema).toContain("vega-lite/v6");
      const data = [s.data, ...(s.layer ?? []).map((l: Json) => l.data)].filter(Boolean);
      expect(data.length).toBeGreaterThan(0);
      for (const d of data) expect(Array.isArray(d.values)).toBe(true);
      expect(() => compile(c.spec)).not.toThrow();
    }
  });

  it("draws histograms for key observations first, then the most sensitive scalar ones", () => {
    const names = charts.filter((c) => c.kind === "histogram").map((c) => c.title);
    expect(names.slice(0, 2)).toEqual(["h_well3_t012", "q_river"]);
    // Series steps have their fan chart; only the key one gets a histogram.
    expect(names.filter((n) => n.startsWith("h_well3_"))).toEqual(["h_well3_t012"]);
  });

  it("honours an explicit histogram list and the caps", () => {
    const few = buildCharts(summary, matrices, {
      histogramObservations: ["h_w4", "nope", "h_w4", "q_drain"],
      maxScatters: 2,
      maxHistograms: 1,
    });
    expect(few.filter((c) => c.kind === "histogram").map((c) => c.title)).toEqual(["h_w4"]);
    expect(few.filter((c) => c.kind === "scatter")).toHaveLength(2);
    const { summary: wide, matrices: wideM } = buildSummary({ extraObservations: 100 });
    const all = buildCharts(wide, wideM, { histogramObservations: wideM.observations.names });
    expect(all.filter((c) => c.kind === "histogram")).toHaveLength(12);
  });
});

describe("charts with nothing to draw", () => {
  it("are left out rather than drawn empty", () => {
    const { summary, matrices } = buildSummary();
    const none = { p10: null, p50: null, p90: null };
    const empty: RunSetSummary = {
      ...summary,
      series: summary.series.map((b) => ({
        ...b,
        steps: b.steps.map((s) => ({ ...s, mean: null, quantiles: none })),
      })),
      sensitivities: [],
      realisations: [],
    };
    const noRows = {
      observations: {
        ids: [],
        names: matrices.observations.names,
        columns: matrices.observations.names.map(() => new Float64Array(0)),
      },
      parameters: { ids: [], names: [], columns: [] },
    };
    expect(buildCharts(empty, noRows)).toEqual([]);
  });
});

describe("fanChart", () => {
  const { summary } = buildSummary();
  const band = summary.series[0]!;

  it("draws the P10-P90 band as an area and the median as a line, one row per step", () => {
    const s = spec(fanChart(summary, band));
    const [area, line] = s.layer;
    expect(area.mark.type).toBe("area");
    expect(area.encoding.y.field).toBe("lo");
    expect(area.encoding.y2.field).toBe("hi");
    expect(line.mark.type).toBe("line");
    expect(line.encoding.y.field).toBe("mid");
    expect(area.encoding.x.title).toBe("month");
    expect(s.title.text).toBe("h_well3");
    expect(s.title.subtitle).toBe("band P10–P90 · line median");
    const rows = s.data.values;
    expect(rows).toHaveLength(12);
    for (const r of rows) {
      expect(r.lo).toBeLessThanOrEqual(r.mid);
      expect(r.mid).toBeLessThanOrEqual(r.hi);
    }
    expect(rows[0].lo).toBe(band.steps[0]!.quantiles.p10);
  });

  it("marks an alert threshold on one of the series' steps", () => {
    const s = spec(fanChart(summary, band));
    const rule = s.layer.find((l: Json) => l.mark.type === "rule");
    const threshold = summary.alerts[0]!.threshold;
    expect(rule.data.values).toEqual([
      { value: threshold, label: `p90 > ${threshold}, fired`, state: "fired" },
    ]);
  });

  it("uses the two extreme quantiles, with an inner band when there are more", () => {
    const { summary: five } = buildSummary({ quantiles: [0.05, 0.25, 0.5, 0.75, 0.95] });
    const s = spec(fanChart(five, five.series[0]!));
    expect(s.title.subtitle).toBe("band P5–P95 · inner P25–P75 · line median");
    expect(s.layer.filter((l: Json) => l.mark.type === "area")).toHaveLength(2);
    expect(s.data.values[0].lo).toBe(five.series[0]!.steps[0]!.quantiles.p5);
  });

  it("falls back to the mean line without P50", () => {
    const { summary: two } = buildSummary({ quantiles: [0.1, 0.9] });
    const s = spec(fanChart(two, two.series[0]!));
    expect(s.title.subtitle).toBe("band P10–P90 · line mean");
    expect(s.data.values[0].mid).toBe(two.series[0]!.steps[0]!.mean);
  });
});

describe("observationHistogram", () => {
  const { summary, matrices } = buildSummary();

  it("bins the matrix column's finite values, with quantile rules", () => {
    const c = observationHistogram(summary, "conc_w3", matrices.observations);
    const s = spec(c);
    const bins = s.layer[0].data.values;
    // One realisation read no conc_w3.
    expect(bins.reduce((n: number, b: Json) => n + b.n, 0)).toBe(196);
    expect(bins.length).toBeLessThanOrEqual(30);
    expect(s.layer[0].mark.type).toBe("bar");
    expect(s.layer[0].encoding.x.bin).toBe("binned");
    expect(s.layer[0].encoding.y.field).toBe("n");
    expect(s.layer[1].data.values.map((v: Json) => v.label)).toEqual(["P10", "P50", "P90"]);
    expect(s.title.subtitle).toMatch(/^n = 196 · P10 [\d.e-]+ · P50/);
  });

  it("marks a probability alert at the value whose exceedance it measures", () => {
    const s = spec(observationHistogram(summary, "q_river", matrices.observations));
    const rule = s.layer.find((l: Json) => l.data?.values?.[0]?.state);
    expect(rule.data.values[0]).toMatchObject({ value: -3600, label: "P(> -3600) > 0.2", state: "quiet" });
  });

  it("returns nothing for an unknown observation", () => {
    expect(observationHistogram(summary, "nope", matrices.observations)).toBeUndefined();
  });
});

describe("runtimeHistogram", () => {
  it("bins every realisation's wall time, coloured by status", () => {
    const { summary } = buildSummary();
    const c = runtimeHistogram(summary);
    const s = spec(c);
    const count = (rows: Json[]) => rows.reduce((n, r) => n + r.n, 0);
    expect(count(values(c))).toBe(200);
    expect(count(values(c).filter((v) => v.status === "failed"))).toBe(3);
    expect(s.encoding.x.bin).toBe("binned");
    expect(s.encoding.y.stack).toBe(true);
    expect(s.encoding.color.scale.domain).toEqual(["ok", "failed"]);
    expect(s.encoding.x.title).toBe("model run time (seconds)");
  });
});

describe("timelineChart", () => {
  const { summary } = buildSummary();

  it("puts one bar per realisation from start to end on its worker's row", () => {
    const c = timelineChart(summary);
    const s = spec(c);
    expect(values(c)).toHaveLength(200);
    expect(s.mark.type).toBe("bar");
    expect(s.encoding.y.field).toBe("worker");
    expect(s.encoding.y.sort).toEqual(Array.from({ length: 8 }, (_, i) => `worker-${i + 1}`));
    expect(s.encoding.x.field).toBe("start");
    expect(s.encoding.x2.field).toBe("end");
    expect(s.encoding.color.field).toBe("status");
    expect(s.encoding.x.title).toBe("minutes since the first start");
    for (const v of values(c)) expect(v.end).toBeGreaterThanOrEqual(v.start);
    expect(Math.min(...values(c).map((v) => v.start))).toBe(0);
    expect(c!.note).toBeUndefined();
  });

  it("samples beyond the bar limit, keeping every failure, and says so", () => {
    const c = timelineChart(summary, 50);
    expect(values(c)).toHaveLength(50);
    expect(values(c).filter((v) => v.status === "failed")).toHaveLength(3);
    expect(c!.note).toBe(
      "Showing 50 of 200 realisations: all failures (up to 3) and an even sample of the rest.",
    );
    expect(spec(c).title.subtitle).toContain("sampled to 50 bars");
  });

  it("sorts workers naturally and hides labels when there are very many", () => {
    const many: RunSetSummary = {
      ...summary,
      realisations: summary.realisations.map((r, i) => ({ ...r, worker: `w${i % 100}` })),
    };
    const s = spec(timelineChart(many));
    expect(s.encoding.y.sort.slice(0, 12)).toEqual([
      "w0",
      "w1",
      "w2",
      "w3",
      "w4",
      "w5",
      "w6",
      "w7",
      "w8",
      "w9",
      "w10",
      "w11",
    ]);
    expect(s.encoding.y.axis.labels).toBe(false);
    expect(s.height).toBeLessThanOrEqual(900);
  });
});

describe("scatterChart", () => {
  const { summary, matrices } = buildSummary();
  const charts = buildCharts(summary, matrices).filter((c) => c.kind === "scatter");

  it("plots the strongest pairs, rho in the title, without repeating a series against one parameter", () => {
    expect(charts).toHaveLength(6);
    const strongest = [...summary.sensitivities].sort((a, b) => Math.abs(b.rho) - Math.abs(a.rho))[0]!;
    const first = spec(charts[0]);
    expect(first.title.text).toMatch(
      new RegExp(`^${strongest.observation} vs ${strongest.parameter}: ρ = [+−]0\\.\\d\\d$`),
    );
    const seriesVsRch = charts.filter((c) => c.title.startsWith("h_well3_") && c.title.endsWith("vs rch"));
    expect(seriesVsRch).toHaveLength(1);
  });

  it("pairs parameter and observation values of the same realisation", () => {
    const s = summary.sensitivities.find((x) => x.parameter === "riv_cond" && x.observation === "q_river")!;
    const c = scatterChart(s, matrices);
    const pts = values(c);
    expect(pts).toHaveLength(197);
    const k = 7;
    expect(pts[k]).toEqual({
      x: matrices.parameters.columns[matrices.parameters.names.indexOf("riv_cond")]![k],
      y: matrices.observations.columns[matrices.observations.names.indexOf("q_river")]![k],
    });
    // Conductivities span orders of magnitude: a log axis with 1-2-5 ticks.
    expect(spec(c).encoding.x.scale).toEqual({ type: "log" });
    expect(spec(c).encoding.y.scale).toMatchObject({ zero: false, nice: false });
  });

  it("joins by id when the matrices' rows differ in order", () => {
    const s = summary.sensitivities[0]!;
    const p = matrices.parameters;
    const order = p.ids.map((_, i) => i).reverse();
    const reversed = {
      ...matrices,
      parameters: {
        ids: order.map((i) => p.ids[i]!),
        names: p.names,
        columns: p.columns.map((c) => Float64Array.from(order, (i) => c[i]!)),
      },
    };
    expect(values(scatterChart(s, reversed))).toEqual(values(scatterChart(s, matrices)));
  });

  it("draws at most maxPoints points and notes it", () => {
    const c = scatterChart(summary.sensitivities[0]!, matrices, 50);
    expect(values(c)).toHaveLength(50);
    expect(c!.note).toBe("50 of 197 realisations drawn.");
  });
});

/** Every axis of a spec (top-level encoding and layers) that has computed tick values. */
function axesWithTicks(s: Json): Array<{ channel: string; values: number[]; title: unknown }> {
  const encodings = [s.encoding, ...(s.layer ?? []).map((l: Json) => l.encoding)].filter(Boolean);
  return encodings.flatMap((e: Json) =>
    ["x", "y"].flatMap((channel) =>
      e[channel]?.axis?.values ? [{ channel, values: e[channel].axis.values, title: e[channel].title }] : [],
    ),
  );
}

describe("chart axes", () => {
  const { summary, matrices } = buildSummary();
  const units = { heads_w3: "m", fluxes: "m³/d", heads: "m" };
  const charts = buildCharts(summary, matrices, { units });

  it("label a few evenly spaced round ticks on every quantitative axis", () => {
    for (const c of charts) {
      const axes = axesWithTicks(spec(c));
      // Scatter plots on log axes keep their 1-2-5 ticks; every other chart's axes are computed.
      if (c.kind !== "scatter" && c.kind !== "timeline") expect(axes.length, c.id).toBeGreaterThanOrEqual(2);
      for (const a of axes) {
        expect(a.values.length, `${c.id} ${a.channel}`).toBeGreaterThanOrEqual(2);
        expect(a.values.length, `${c.id} ${a.channel}`).toBeLessThanOrEqual(c.kind === "fan" ? 13 : 10);
        if (spec(c).encoding?.[a.channel]?.scale?.type === "log") {
          // Log axes: 1, 2, 5 (or 1, 3) in each decade.
          for (const v of a.values)
            expect([1, 2, 3, 5]).toContain(Number((v / 10 ** Math.floor(Math.log10(v))).toPrecision(3)));
          continue;
        }
        const gaps = a.values.slice(1).map((v, i) => v - a.values[i]!);
        for (const g of gaps) expect(g, `${c.id} ${a.channel}: ${a.values}`).toBeCloseTo(gaps[0]!, 9);
      }
    }
  });

  it("have titles with the units of the observation's group", () => {
    const byId = new Map(charts.map((c) => [c.id, spec(c)]));
    const hist = byId.get("hist-q-river");
    expect(hist.layer[0].encoding.x.title).toBe("q_river (m³/d)");
    expect(hist.layer[0].encoding.y.title).toBe("realisations");
    const fan = byId.get("fan-h-well3");
    expect(fan.layer[0].encoding.y.title).toBe("heads_w3 (m)");
    expect(fan.layer[0].encoding.x.title).toBe("month");
    const scatter = charts.find((c) => c.kind === "scatter" && c.title.startsWith("q_river"));
    expect(spec(scatter).encoding.y.title).toBe("q_river (m³/d)");
    expect(byId.get("runtime").encoding.x.title).toBe("model run time (seconds)");
    // Without units, the name alone.
    const plain = buildCharts(summary, matrices).find((c) => c.id === "hist-q-river");
    expect(spec(plain).layer[0].encoding.x.title).toBe("q_river");
  });

  it("put a series' steps where the spec says they are: step × scale + offset", () => {
    const band = summary.series[0]!;
    const s = spec(fanChart(summary, band, { seriesAxes: { [band.name]: { scale: 500, offset: -250 } } }));
    expect(s.data.values.map((v: Json) => v.x)).toEqual(band.steps.map((st) => st.step * 500 - 250));
    expect(s.layer[0].encoding.x.field).toBe("x");
    expect(s.layer[0].encoding.x.scale.domain).toEqual([0, 6000]);
    // Unscaled: the step itself, every step labelled.
    const plain = spec(fanChart(summary, band));
    expect(plain.layer[0].encoding.x.axis.values).toEqual(band.steps.map((st) => st.step));
  });

  it("draw fan charts the full width of the page", () => {
    const fan = charts.find((c) => c.kind === "fan");
    expect(spec(fan).width).toBe(spec(charts.find((c) => c.kind === "timeline")).width);
  });
});

/** The text elements of an SVG with their x in the SVG's own coordinates (enclosing groups'
 * translations added). */
function svgTexts(svg: string): Array<{ text: string; x: number; anchor: string; size: number }> {
  const out: Array<{ text: string; x: number; anchor: string; size: number }> = [];
  const stack: number[] = [0];
  for (const m of svg.matchAll(/<(\/?)(g|text)\b([^>]*)>([^<]*)/g)) {
    const [, close, tag, attrs, body] = m;
    const dx = Number(/transform="translate\(([-\d.]+)/.exec(attrs ?? "")?.[1] ?? 0);
    if (tag === "g") {
      if (close) stack.pop();
      else if (!attrs!.endsWith("/")) stack.push(stack[stack.length - 1]! + dx);
    } else if (!close) {
      out.push({
        text: body!.replace(/&gt;/g, ">").replace(/&lt;/g, "<").replace(/&amp;/g, "&"),
        x: stack[stack.length - 1]! + dx,
        anchor: /text-anchor="(\w+)"/.exec(attrs!)?.[1] ?? "start",
        size: Number(/font-size="([\d.]+)px"/.exec(attrs!)?.[1] ?? 11),
      });
    }
  }
  return out;
}

describe("alert labels", () => {
  const { summary, matrices } = buildSummary();

  it("stay inside the chart wherever the threshold falls, and say the rule in short", async () => {
    const name = summary.alerts[0]!.observation;
    const column = matrices.observations.columns[matrices.observations.names.indexOf(name)]!;
    const sorted = [...column].sort((a, b) => a - b);
    // The threshold near the top of the range (as in the demo), and near the bottom.
    for (const threshold of [sorted[sorted.length - 3]!, sorted[2]!]) {
      const alerts = summary.alerts.map((a, i) => (i === 0 ? { ...a, threshold } : a));
      const chart = observationHistogram({ ...summary, alerts }, name, matrices.observations)!;
      const svg = await renderSvg(chart.spec);
      const width = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)![1]);
      const label = svgTexts(svg).find((t) => t.text.startsWith("p90 >"))!;
      expect(label.text).toBe(`p90 > ${formatNumber(threshold)}, fired`);
      const w = textWidth(label.text, label.size);
      const [left, right] =
        label.anchor === "end"
          ? [label.x - w, label.x]
          : label.anchor === "middle"
            ? [label.x - w / 2, label.x + w / 2]
            : [label.x, label.x + w];
      expect(left, `${threshold}`).toBeGreaterThanOrEqual(0);
      expect(right, `${threshold}`).toBeLessThanOrEqual(width);
    }
  });
});
