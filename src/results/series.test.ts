import { describe, expect, it } from "vitest";
import { findSeries, seriesBands, stepPattern } from "./series.ts";
import type { ObservationStats } from "./summary.ts";

describe("stepPattern", () => {
  it("reads the step where {step} stands, ignoring case and leading zeros", () => {
    const step = stepPattern("tr_x{step}");
    expect(step("tr_x01")).toBe(1);
    expect(step("TR_X12")).toBe(12);
    expect(step("tr_x")).toBeUndefined();
    expect(step("tr_x1a")).toBeUndefined();
    expect(step("atr_x1")).toBeUndefined();
  });

  it("takes special characters in the pattern literally", () => {
    const step = stepPattern("q.{step}(m)");
    expect(step("q.5(m)")).toBe(5);
    expect(step("qx5(m)")).toBeUndefined();
  });

  it("needs every {step} to give the same number", () => {
    const step = stepPattern("s{step}_{step}");
    expect(step("s3_3")).toBe(3);
    expect(step("s3_4")).toBeUndefined();
  });
});

describe("findSeries", () => {
  it("takes declared series first, then recognises _t<digits> names, steps sorted numerically", () => {
    const names = [
      "h_well3_t10",
      "h_well3_t2",
      "h_well3_t001",
      "tr_x10",
      "tr_x02",
      "h_w3",
      "q_t1",
      "conc_t1",
      "conc_t2",
    ];
    const series = findSeries(names, [
      { name: "transect", observations: "tr_x{step}", step_label: "x (m)" },
      { name: "conc", observations: "conc_t{step}" },
      { name: "empty", observations: "nothing_{step}" },
    ]);
    expect(series).toEqual([
      {
        name: "transect",
        stepLabel: "x (m)",
        source: "spec",
        members: [
          { step: 2, observation: "tr_x02" },
          { step: 10, observation: "tr_x10" },
        ],
      },
      {
        name: "conc",
        stepLabel: "step",
        source: "spec",
        members: [
          { step: 1, observation: "conc_t1" },
          { step: 2, observation: "conc_t2" },
        ],
      },
      { name: "empty", stepLabel: "step", source: "spec", members: [] },
      {
        name: "h_well3",
        stepLabel: "time step",
        source: "name",
        members: [
          { step: 1, observation: "h_well3_t001" },
          { step: 2, observation: "h_well3_t2" },
          { step: 10, observation: "h_well3_t10" },
        ],
      },
    ]);
  });

  it("keeps the first name for a repeated step", () => {
    const [s] = findSeries(["tr_x1", "tr_x01", "tr_x2"], [{ name: "t", observations: "tr_x{step}" }]);
    expect(s!.members).toEqual([
      { step: 1, observation: "tr_x1" },
      { step: 2, observation: "tr_x2" },
    ]);
  });
});

describe("seriesBands", () => {
  it("gives each step the mean and quantiles of its observation", () => {
    const stats = (name: string, mean: number): ObservationStats => ({
      name,
      group: "h",
      count: 3,
      mean,
      std: 1,
      min: mean - 1,
      max: mean + 1,
      quantiles: { p10: mean - 0.8, p90: mean + 0.8 },
      exceedance: [],
    });
    const all = new Map([stats("h_t1", 10), stats("h_t2", 11)].map((s) => [s.name, s]));
    const bands = seriesBands(findSeries(["h_t2", "h_t1"]), (o) => all.get(o));
    expect(bands).toEqual([
      {
        name: "h",
        stepLabel: "time step",
        source: "name",
        steps: [
          { step: 1, observation: "h_t1", mean: 10, quantiles: { p10: 9.2, p90: 10.8 } },
          { step: 2, observation: "h_t2", mean: 11, quantiles: { p10: 10.2, p90: 11.8 } },
        ],
      },
    ]);
  });
});
