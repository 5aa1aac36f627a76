// Rendering Vega-Lite to SVG in Node: it works without a browser, ids do not clash, text is
// escaped and measured like a browser would.

import type { TopLevelSpec } from "vega-lite";
import { describe, expect, it } from "vitest";
import { buildSummary } from "../../test/helpers/summary-builder.ts";
import { buildCharts } from "./charts.ts";
import { renderSvg, roundGeometry, textWidth, uniqueIds } from "./svg.ts";

const clipped: TopLevelSpec = {
  data: {
    values: [
      { a: 1, b: 2 },
      { a: 3, b: 8 },
    ],
  },
  mark: { type: "bar", clip: true },
  encoding: { x: { field: "a", type: "quantitative" }, y: { field: "b", type: "quantitative" } },
};

describe("renderSvg", () => {
  it("renders every report chart to SVG without warnings", async () => {
    const { summary, matrices } = buildSummary({ rename: { h_w1: "<script>alert(1)</script>" } });
    const warnings: string[] = [];
    for (const chart of buildCharts(summary, matrices)) {
      const svg = await renderSvg(chart.spec, { onWarning: (w) => warnings.push(`${chart.id}: ${w}`) });
      expect(svg.startsWith("<svg"), chart.id).toBe(true);
      expect(svg).toContain('class="marks"');
      expect(svg).not.toMatch(/<script/i);
      if (chart.title.includes("script")) expect(svg).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    }
    expect(warnings).toEqual([]);
  });

  it("makes ids unique per chart so inline SVGs do not share clip paths", async () => {
    const a = await renderSvg(clipped, { idPrefix: "a-" });
    const b = await renderSvg(clipped, { idPrefix: "b-" });
    const ids = (svg: string) => [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!);
    expect(ids(a).length).toBeGreaterThan(0);
    for (const id of ids(a)) expect(id.startsWith("a-")).toBe(true);
    expect(ids(a).filter((id) => ids(b).includes(id))).toEqual([]);
    for (const m of a.matchAll(/url\(#([^)]+)\)/g)) expect(ids(a)).toContain(m[1]);
    // Without a prefix, every call still gets its own.
    const c = await renderSvg(clipped);
    const d = await renderSvg(clipped);
    expect(ids(c).filter((id) => ids(d).includes(id))).toEqual([]);
  });

  it("refuses to load data from a URL", async () => {
    const remote = { ...clipped, data: { url: "https://example.com/data.json" } } as TopLevelSpec;
    const warnings: string[] = [];
    await renderSvg(remote, { onWarning: (w) => warnings.push(w) }).catch(() => {});
    expect(warnings.join(" ")).toMatch(/inline|refusing/);
  });

  it("lays titles out with real font widths, so a subtitle does not squeeze the plot", async () => {
    const { summary, matrices } = buildSummary();
    const hist = buildCharts(summary, matrices).find((c) => c.kind === "histogram")!;
    const svg = await renderSvg(hist.spec);
    // The x axis spans most of the 310-pixel chart, not the ~200 a 0.8-em guess leaves.
    const grid = [...svg.matchAll(/role-axis-grid[\s\S]*?<line[^>]*x2="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(Math.max(...grid)).toBeGreaterThan(240);
  });
});

describe("uniqueIds", () => {
  it("prefixes ids and their references only", () => {
    const svg =
      '<svg><defs><clipPath id="clip1"><rect/></clipPath></defs><g clip-path="url(#clip1)"><use href="#clip1"/><text>id="x"</text></g></svg>';
    expect(uniqueIds(svg, "p-")).toBe(
      '<svg><defs><clipPath id="p-clip1"><rect/></clipPath></defs><g clip-path="url(#p-clip1)"><use href="#p-clip1"/><text>id="x"</text></g></svg>',
    );
  });
});

describe("roundGeometry", () => {
  it("rounds coordinates to hundredths and leaves text alone", () => {
    expect(
      roundGeometry(
        '<path d="M1.23456,7.891011L2,3" transform="translate(0.123456,5)"/><text>0.123456</text>',
      ),
    ).toBe('<path d="M1.23,7.89L2,3" transform="translate(0.12,5)"/><text>0.123456</text>');
  });
});

describe("textWidth", () => {
  it("measures Helvetica: narrow i, wide m, bold wider", () => {
    expect(textWidth("iiii", 10)).toBeCloseTo(8.88);
    expect(textWidth("mmmm", 10)).toBeCloseTo(33.32);
    expect(textWidth("mmmm", 10, true)).toBeGreaterThan(textWidth("mmmm", 10));
  });
});
