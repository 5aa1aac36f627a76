import { describe, expect, it } from "vitest";
import { testResult } from "../../test/helpers/realisation-results.ts";
import { parseEnsembleCsv } from "../pest/ensemble-csv.ts";
import { createAggregator } from "./aggregate.ts";
import { ensembleCsv, observationsCsv, parametersCsv, summaryCsv, summaryJson } from "./files.ts";
import { tableOfValues } from "./parameter-table.ts";

function aggregated() {
  const agg = createAggregator({
    project: "demo",
    scenario: "base",
    quantiles: [0.1, 0.9],
    alerts: [
      { observation: "h_w1", statistic: "p90", above: 2.5 },
      { observation: "h_w2", probability: { falls_below: 15, above: 0.5 } },
      { observation: "h_w2", statistic: "p90", above: 2.5 },
    ],
    report: { groups: {}, series: [] },
    now: () => new Date("2025-02-03T04:05:06Z"),
  });
  agg.add(testResult("r1", { observations: { h_w1: 1, h_w2: 10 }, parameters: { hk: 0.1, rch: 1e-4 } }));
  agg.add(testResult("r2", { failure: { kind: "model", reason: "timeout", message: "slow" } }));
  agg.add(testResult("r3", { observations: { h_w1: 2, h_w2: 20 }, parameters: { hk: 0.2, rch: 2e-4 } }));
  agg.add(testResult("r4", { observations: { h_w1: 3 }, parameters: { hk: 1 / 3, rch: -0 } }));
  return agg.finish();
}

describe("summaryJson", () => {
  it("reads back as an equal summary", () => {
    const { summary } = aggregated();
    const text = summaryJson(summary);
    expect(text.endsWith("}\n")).toBe(true);
    expect(JSON.parse(text)).toEqual(summary);
  });
});

describe("summaryCsv", () => {
  it("has one row per observation with statistics, quantiles and exceedance columns", () => {
    expect(summaryCsv(aggregated().summary)).toBe(
      [
        "observation,group,count,mean,std,min,p10,p90,max,P(>2.5),P(<15)",
        "h_w1,h_w,3,2,1,1,1.2,2.8,3,0.3333333333333333,",
        "h_w2,h_w,2,15,7.0710678118654755,10,11,19,20,1,0.5",
        "",
      ].join("\n"),
    );
  });
});

/** parameters.csv of the successful realisations, its chunks joined. */
function parametersText(run: ReturnType<typeof aggregated>): string {
  return Buffer.concat([...parametersCsv(run.parameters, run.matrices.observations.ids)]).toString("utf8");
}

describe("observationsCsv and parametersCsv", () => {
  it("write the ensemble layout: real_name, then a column per name, a row per successful realisation", () => {
    const run = aggregated();
    expect(observationsCsv(run.matrices)).toBe("real_name,h_w1,h_w2\nr1,1,10\nr3,2,20\nr4,3,\n");
    expect(parametersText(run)).toBe(
      "real_name,hk,rch\nr1,0.1,0.0001\nr3,0.2,0.0002\nr4,0.3333333333333333,0\n",
    );
  });

  it("reads back with the PEST++ ensemble reader", () => {
    const csv = parseEnsembleCsv(parametersText(aggregated()), "parameters.csv");
    expect(csv.columns).toEqual(["hk", "rch"]);
    expect(csv.rows.map((r) => [r.name, ...r.values])).toEqual([
      ["r1", 0.1, 1e-4],
      ["r3", 0.2, 2e-4],
      ["r4", 1 / 3, 0],
    ]);
  });

  it("writes the spec's values, in chunks of rows, an empty cell where a realisation has none", () => {
    const values = new Map(
      Array.from({ length: 150 }, (_, r) => [
        `r${r}`,
        new Map(
          r === 7
            ? [["a", r]]
            : [
                ["a", r],
                ["b", -r / 4],
              ],
        ),
      ]),
    );
    const chunks = [...parametersCsv(tableOfValues(values), [...values.keys()])];
    // A header, then rows 64 at a time.
    expect(chunks).toHaveLength(4);
    const lines = Buffer.concat(chunks).toString("utf8").split("\n");
    expect(lines.slice(0, 3)).toEqual(["real_name,a,b", "r0,0,0", "r1,1,-0.25"]);
    expect(lines[8]).toBe("r7,7,");
    expect(lines[150]).toBe("r149,149,-37.25");
    expect(lines).toHaveLength(152);
  });

  it("quotes names that need it and writes numbers in shortest round-trip form", () => {
    const text = ensembleCsv({
      ids: ["a,b", 'say "hi"'],
      names: ["x y", "big"],
      columns: [Float64Array.of(1e-7, -2.5), Float64Array.of(1e21, 123456789.123)],
    });
    expect(text).toBe('real_name,x y,big\n"a,b",1e-7,1e+21\n"say ""hi""",-2.5,123456789.123\n');
  });

  it("writes only the header for no realisations", () => {
    expect(ensembleCsv({ ids: [], names: ["a"], columns: [new Float64Array(0)] })).toBe("real_name,a\n");
  });
});
