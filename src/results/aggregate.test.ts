import { describe, expect, it } from "vitest";
import { testResult } from "../../test/helpers/realisation-results.ts";
import type { AlertSpec } from "../spec/schema.ts";
import { type AggregatorOptions, createAggregator } from "./aggregate.ts";
import { tableColumns, tableOfValues } from "./parameter-table.ts";
import type { Failure } from "./realisation-result.ts";

const timeout: Failure = { kind: "model", reason: "timeout", message: "ran longer than 10m" };
const lost: Failure = {
  kind: "infrastructure",
  reason: "worker_lost",
  message: "the worker stopped answering",
};

function aggregator(options: Partial<AggregatorOptions> = {}) {
  return createAggregator({
    project: "demo",
    scenario: "base",
    quantiles: [0.1, 0.5, 0.9],
    alerts: [],
    report: { groups: {}, series: [] },
    now: () => new Date("2025-02-03T04:05:06Z"),
    ...options,
  });
}

describe("createAggregator", () => {
  it("computes per-observation statistics from results fed one at a time", () => {
    const agg = aggregator();
    for (const v of [1, 2, 3, 4]) {
      agg.add(testResult(`r${v}`, { observations: { h_w1: v, h_w2: 10 * v }, parameters: { k: v } }));
    }
    const { summary } = agg.finish();
    expect(summary.observations).toEqual([
      {
        name: "h_w1",
        group: "h_w",
        count: 4,
        mean: 2.5,
        std: Math.sqrt(5 / 3),
        min: 1,
        max: 4,
        // h = 3q: 1.3, 2.5, 3.7.
        quantiles: { p10: expect.closeTo(1.3, 12), p50: 2.5, p90: 3.7 },
        exceedance: [],
      },
      expect.objectContaining({ name: "h_w2", group: "h_w", count: 4, mean: 25, min: 10, max: 40 }),
    ]);
    expect(summary).toMatchObject({
      schema: 1,
      project: "demo",
      scenario: "base",
      generatedAt: "2025-02-03T04:05:06.000Z",
      quantiles: [0.1, 0.5, 0.9],
    });
  });

  it("counts and lists every failure by kind and reason, and the planned realisations not run", () => {
    const agg = aggregator({ plannedIds: ["r1", "r2", "r3", "r4", "r5", "r6", "r7"] });
    agg.add(testResult("r1", { observations: { h: 1 } }));
    agg.add(testResult("r2", { failure: timeout, logTail: "step 1\nstep 2" }));
    agg.add(testResult("r3", { failure: lost }));
    agg.add(testResult("r4", { failure: timeout }));
    agg.add(testResult("r5", { observations: { h: 2 } }));
    // Not planned (left from an earlier spec, say): still counted, not dropped.
    agg.add(testResult("extra", { failure: timeout }));
    const { summary } = agg.finish();
    expect(summary.counts).toEqual({
      realisations: 8,
      ok: 2,
      failedModel: 3,
      failedInfrastructure: 1,
      notRun: 2,
    });
    expect(summary.failures).toEqual([
      {
        kind: "model",
        reason: "timeout",
        count: 3,
        ids: ["extra", "r2", "r4"],
        examples: [
          { id: "extra", message: "ran longer than 10m", logTail: "" },
          { id: "r2", message: "ran longer than 10m", logTail: "step 1\nstep 2" },
          { id: "r4", message: "ran longer than 10m", logTail: "" },
        ],
      },
      {
        kind: "infrastructure",
        reason: "worker_lost",
        count: 1,
        ids: ["r3"],
        examples: [{ id: "r3", message: "the worker stopped answering", logTail: "" }],
      },
    ]);
    expect(summary.observations[0]!.count).toBe(2);
  });

  it("takes the expected count as planned when there are no ids", () => {
    const agg = aggregator({ expected: 5 });
    agg.add(testResult("r1"));
    agg.add(testResult("r2", { failure: lost }));
    expect(agg.finish().summary.counts).toEqual({
      realisations: 5,
      ok: 1,
      failedModel: 0,
      failedInfrastructure: 1,
      notRun: 3,
    });
  });

  it("takes the spec's parameter values for results that carry their hash, a result's own where it has them", () => {
    const spec = new Map([
      ["r1", new Map([["k", 0.5]])],
      ["r2", new Map([["k", 0.25]])],
      ["old", new Map([["k", 7]])],
    ]);
    const agg = aggregator({ parameters: tableOfValues(spec) });
    agg.add(testResult("r1", { observations: { a: 1 } }));
    agg.add(testResult("r2", { observations: { a: 2 } }));
    // Written before results carried only a hash: its own values are the ones it ran with.
    agg.add(testResult("old", { observations: { a: 3 }, parameters: { k: 0.125 } }));
    agg.add(testResult("r9", { observations: { a: 4 } }));
    const { matrices, parameters } = agg.finish();
    expect(parameters.names).toEqual(["k"]);
    const [k] = tableColumns(parameters, matrices.observations.ids, Int32Array.of(0));
    expect(matrices.observations.ids).toEqual(["r1", "r2", "old", "r9"]);
    expect([...k!]).toEqual([0.5, 0.25, 0.125, Number.NaN]);
  });

  it("keeps successful realisations' values in matrices, NaN where one has no value", () => {
    const agg = aggregator();
    agg.add(testResult("r1", { observations: { a: 1 }, parameters: { k: 0.5 } }));
    agg.add(testResult("bad", { failure: timeout, parameters: { k: 9 } }));
    agg.add(testResult("r2", { observations: { a: 2, b: 20 }, parameters: { k: 0.25 } }));
    agg.add(testResult("r3", { observations: { b: 30, a: 3 }, parameters: { k: 0.125 } }));
    const { matrices, summary } = agg.finish();
    expect(matrices.observations.ids).toEqual(["r1", "r2", "r3"]);
    expect(matrices.observations.names).toEqual(["a", "b"]);
    expect(matrices.observations.columns.map((c) => [...c])).toEqual([
      [1, 2, 3],
      [Number.NaN, 20, 30],
    ]);
    expect(matrices.parameters).toEqual({
      ids: ["r1", "r2", "r3"],
      names: ["k"],
      columns: [Float64Array.of(0.5, 0.25, 0.125)],
    });
    expect(summary.observations[1]).toMatchObject({ name: "b", count: 2, mean: 25 });
  });

  it("grows past its first capacity", () => {
    const agg = aggregator();
    for (let i = 0; i < 100; i++)
      agg.add(testResult(`r${i}`, { observations: { h: i }, parameters: { k: -i } }));
    const { matrices, summary } = agg.finish();
    expect(matrices.observations.columns[0]).toEqual(Float64Array.from({ length: 100 }, (_, i) => i));
    expect(summary.observations[0]).toMatchObject({ count: 100, mean: 49.5, min: 0, max: 99 });
    expect(summary.sensitivities).toEqual([{ parameter: "k", observation: "h", rho: -1 }]);
  });

  it("times the run set by when models were running and adds up CPU", () => {
    const agg = aggregator();
    agg.add(testResult("r2", { start: 100, wallSeconds: 50, cpuSeconds: 1800, worker: "w2" }));
    agg.add(testResult("r1", { start: 0, wallSeconds: 30, cpuSeconds: 1800, worker: "w1" }));
    agg.add(testResult("r3", { start: 120, wallSeconds: 1000, cpuSeconds: null, failure: lost }));
    const { summary } = agg.finish();
    // 0-30, then 100-1120 (r2 and r3 overlap); nothing ran from 30 to 100.
    expect(summary.wallSeconds).toBe(1050);
    expect(summary.cpuHours).toBe(1);
    // nothing measured is not zero
    const unmeasured = aggregator();
    unmeasured.add(testResult("r1", { cpuSeconds: null }));
    expect(unmeasured.finish().summary.cpuHours).toBeNull();
    // Successful runs only: 30 and 50.
    expect(summary.runtime).toMatchObject({ count: 2, mean: 40, min: 30, max: 50, quantiles: { p50: 40 } });
    expect(summary.realisations).toEqual([
      {
        id: "r1",
        status: "ok",
        worker: "w1",
        startedAt: "2025-01-01T00:00:00.000Z",
        endedAt: "2025-01-01T00:00:30.000Z",
        wallSeconds: 30,
      },
      expect.objectContaining({ id: "r2", status: "ok", worker: "w2" }),
      expect.objectContaining({ id: "r3", status: "failed", wallSeconds: 1000 }),
    ]);
  });

  it("does not count the time between two runs of a run set as wall time", () => {
    const agg = aggregator();
    agg.add(testResult("r1", { start: 0, wallSeconds: 60 }));
    agg.add(testResult("r2", { start: 86_400, wallSeconds: 60 }));
    expect(agg.finish().summary.wallSeconds).toBe(120);
  });

  it("pools group statistics over every value of the group's observations", () => {
    const agg = aggregator({ report: { groups: { heads: ["h_*"] }, series: [] } });
    agg.add(testResult("r1", { observations: { h_w1: 1, h_w2: 2, tr_x01: 10, mb_disc: 0.5 } }));
    agg.add(testResult("r2", { observations: { h_w1: 3, h_w2: 4, tr_x01: 20, mb_disc: 0.7 } }));
    const { summary } = agg.finish();
    expect(summary.observations.map((o) => [o.name, o.group])).toEqual([
      ["h_w1", "heads"],
      ["h_w2", "heads"],
      ["tr_x01", "tr_x"],
      ["mb_disc", "mb_disc"],
    ]);
    expect(summary.groups.map((g) => g.group)).toEqual(["heads", "tr_x", "mb_disc"]);
    expect(summary.groups[0]).toMatchObject({
      group: "heads",
      observations: ["h_w1", "h_w2"],
      count: 4,
      mean: 2.5,
      min: 1,
      max: 4,
      quantiles: { p50: 2.5 },
    });
  });

  it("builds series bands from declared patterns and recognised names", () => {
    const agg = aggregator({
      report: { groups: {}, series: [{ name: "transect", observations: "tr_x{step}", step_label: "x (m)" }] },
    });
    for (let r = 0; r < 3; r++) {
      agg.add(
        testResult(`r${r}`, {
          observations: { tr_x10: 10 + r, tr_x02: 2 + r, h_well3_t012: r, h_well3_t001: 5 + r },
        }),
      );
    }
    const { series } = agg.finish().summary;
    expect(series).toEqual([
      {
        name: "transect",
        stepLabel: "x (m)",
        source: "spec",
        steps: [
          { step: 2, observation: "tr_x02", mean: 3, quantiles: { p10: 2.2, p50: 3, p90: 3.8 } },
          { step: 10, observation: "tr_x10", mean: 11, quantiles: { p10: 10.2, p50: 11, p90: 11.8 } },
        ],
      },
      {
        name: "h_well3",
        stepLabel: "time step",
        source: "name",
        steps: [
          { step: 1, observation: "h_well3_t001", mean: 6, quantiles: { p10: 5.2, p50: 6, p90: 6.8 } },
          { step: 12, observation: "h_well3_t012", mean: 1, quantiles: { p10: 0.2, p50: 1, p90: 1.8 } },
        ],
      },
    ]);
  });

  it("evaluates alerts, matching observation names ignoring case, and adds exceedance probabilities", () => {
    const alerts: AlertSpec[] = [
      { observation: "H_W1", statistic: "p95", above: 9 },
      { observation: "h_w1", probability: { exceeds: 5, above: 0.9 } },
      { observation: "h_w1", statistic: "mean", above: 5 },
      { observation: "h_w1", statistic: "std", above: 100 },
      { observation: "nowhere", statistic: "mean", above: 1 },
    ];
    const agg = aggregator({ alerts });
    for (let i = 1; i <= 10; i++) agg.add(testResult(`r${i}`, { observations: { h_w1: i } }));
    const { summary } = agg.finish();
    expect(summary.alerts.map((a) => [a.observation, a.rule, a.value, a.fired])).toEqual([
      // p95: h = 9 x 0.95 = 8.55 -> 9 + 0.55 = 9.55.
      ["h_w1", "p95 of h_w1 above 9", expect.closeTo(9.55, 12), true],
      ["h_w1", "mean of h_w1 above 5", 5.5, true],
      ["h_w1", "P(h_w1 > 5) above 0.9", 0.5, false],
      ["h_w1", "std of h_w1 above 100", expect.closeTo(3.0277, 4), false],
      ["nowhere", "mean of nowhere above 1", null, false],
    ]);
    // The 9 of p95 and the 5 of the probability and the mean (once), not the std's 100.
    expect(summary.observations[0]!.exceedance).toEqual([
      { threshold: 9, direction: "above", probability: 0.1 },
      { threshold: 5, direction: "above", probability: 0.5 },
    ]);
  });

  it("rejects a realisation added twice and adding after finish; finish returns the same result", () => {
    const agg = aggregator();
    agg.add(testResult("r1"));
    expect(() => agg.add(testResult("r1"))).toThrow(/added twice/);
    const first = agg.finish();
    expect(agg.finish()).toBe(first);
    expect(() => agg.add(testResult("r2"))).toThrow(/after finish/);
  });

  it("summarises an empty run set", () => {
    const { summary, matrices } = aggregator({ plannedIds: ["r1", "r2"] }).finish();
    expect(summary.counts).toEqual({
      realisations: 2,
      ok: 0,
      failedModel: 0,
      failedInfrastructure: 0,
      notRun: 2,
    });
    expect(summary.wallSeconds).toBe(0);
    expect(summary.runtime.count).toBe(0);
    expect(summary.observations).toEqual([]);
    expect(matrices.observations).toEqual({ ids: [], names: [], columns: [] });
  });

  it("reports each step of finish to a profiler", () => {
    const phases: string[] = [];
    aggregator({ profile: (phase) => phases.push(phase) }).finish();
    expect(phases).toEqual(["matrices", "observations", "groups", "series", "sensitivity", "alerts"]);
  });
});
