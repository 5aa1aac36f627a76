import { describe, expect, it } from "vitest";
import type { AlertSpec } from "../spec/schema.ts";
import {
  type AlertContext,
  alertRule,
  alertThreshold,
  evaluateAlert,
  evaluateAlerts,
  formatAlertLine,
  formatAlertNumber,
} from "./alerts.ts";

/** An alert judged on a complete run set: one realisation per value given. */
const evaluate = (
  spec: AlertSpec,
  values: ArrayLike<number> | undefined,
  context: AlertContext = { realisations: values?.length ?? 0 },
) => evaluateAlert(spec, values, context);

// p90 of these 11 values is the 10th smallest (h = 10 x 0.9 = 9): 102.84; the mean is 1103.34 / 11.
const heads = Float64Array.of(95, 96, 97, 98, 99, 100, 101, 102, 102.5, 102.84, 110);
// 23 of 100 values above 98.
const h5 = Float64Array.from({ length: 100 }, (_, i) => (i < 23 ? 99 : 97));

describe("evaluateAlert, statistics", () => {
  it("fires when the statistic is above the limit", () => {
    const a = evaluate({ observation: "h_w3", statistic: "p90", above: 102.5 }, heads);
    expect(a).toEqual({
      name: "p90 of h_w3 above 102.5",
      observation: "h_w3",
      rule: "p90 of h_w3 above 102.5",
      kind: "statistic",
      statistic: "p90",
      direction: "above",
      threshold: 102.5,
      value: 102.84,
      evaluatedOn: 11,
      realisations: 11,
      fired: true,
      level: "failure",
      message: "h_w3: p90 is 102.84, above 102.5",
    });
  });

  it("does not fire at or under the limit", () => {
    const a = evaluate({ observation: "h_w3", statistic: "p90", above: 102.84 }, heads);
    expect(a.fired).toBe(false);
    expect(a.level).toBe("notice");
    expect(a.message).toBe("h_w3: p90 is 102.84, not above 102.84");
  });

  it("compares below limits", () => {
    const fired = evaluate({ observation: "h_w3", statistic: "min", below: 96 }, heads);
    expect(fired).toMatchObject({ direction: "below", value: 95, fired: true });
    expect(fired.message).toBe("h_w3: min is 95, below 96");
    const quiet = evaluate({ observation: "h_w3", statistic: "mean", below: 100 }, heads);
    expect(quiet).toMatchObject({ fired: false, message: "h_w3: mean is 100.3, not below 100" });
  });

  it("computes a percentile the report does not list, and max and std", () => {
    // p95: h = 9.5 -> between 102.84 and 110: 110 - 7.16 x 0.5 = 106.42.
    expect(evaluate({ observation: "h", statistic: "p95", above: 106 }, heads).value).toBeCloseTo(106.42, 12);
    expect(evaluate({ observation: "h", statistic: "p2.5", below: 95.5 }, heads).value).toBeCloseTo(
      95.25,
      12,
    );
    expect(evaluate({ observation: "h", statistic: "max", above: 109 }, heads).fired).toBe(true);
    const std = evaluate({ observation: "h", statistic: "std", above: 1 }, Float64Array.of(1, 3));
    expect(std.value).toBeCloseTo(Math.SQRT2, 14);
    expect(std.fired).toBe(true);
  });

  it("ignores missing values (NaN)", () => {
    const a = evaluate({ observation: "h", statistic: "max", above: 5 }, Float64Array.of(Number.NaN, 4, 6));
    expect(a).toMatchObject({ value: 6, fired: true });
  });

  it("does not fire and says why without values", () => {
    const none = evaluate({ observation: "h_w9", statistic: "p90", above: 1 }, undefined);
    expect(none).toMatchObject({ value: null, fired: false, level: "notice" });
    expect(none.message).toBe("h_w9: p90 not evaluated: no successful realisation reported h_w9");
    const empty = evaluate({ observation: "h_w9", statistic: "mean", above: 1 }, Float64Array.of(Number.NaN));
    expect(empty.message).toBe(
      "h_w9: mean not evaluated: h_w9 has no values (no successful realisation read it)",
    );
    const one = evaluate({ observation: "h_w9", statistic: "std", above: 1 }, Float64Array.of(3));
    expect(one).toMatchObject({ value: null, fired: false });
    expect(one.message).toBe("h_w9: std not evaluated: the standard deviation needs 2 values, found 1");
  });
});

describe("evaluateAlert, probabilities", () => {
  it("fires when P(value > exceeds) is above the level", () => {
    const a = evaluate({ observation: "h_w5", probability: { exceeds: 98, above: 0.2 } }, h5);
    expect(a).toEqual({
      name: "P(h_w5 > 98) above 0.2",
      observation: "h_w5",
      rule: "P(h_w5 > 98) above 0.2",
      kind: "probability",
      exceeds: 98,
      direction: "above",
      threshold: 0.2,
      value: 0.23,
      evaluatedOn: 100,
      realisations: 100,
      fired: true,
      level: "failure",
      message: "h_w5: P(h_w5 > 98) is 0.23, above 0.2",
    });
  });

  it("measures P(value < falls_below)", () => {
    const a = evaluate({ observation: "h_w5", probability: { falls_below: 98, above: 0.8 } }, h5);
    expect(a).toMatchObject({ kind: "probability", fallsBelow: 98, value: 0.77, fired: false });
    expect(a).not.toHaveProperty("exceeds");
    expect(a.message).toBe("h_w5: P(h_w5 < 98) is 0.77, not above 0.8");
  });

  it("does not fire without values", () => {
    const a = evaluate({ observation: "q", probability: { exceeds: 1, above: 0 } }, new Float64Array(0));
    expect(a).toMatchObject({ value: null, fired: false });
    expect(a.message).toBe("q: P(q > 1) not evaluated: q has no values (no successful realisation read it)");
  });
});

describe("evaluateAlert on part of a run set", () => {
  it("says in its message how many realisations it was judged on", () => {
    // 11 values of a 200-realisation run set whose other 189 have not run.
    const fired = evaluate({ observation: "h_w3", statistic: "p90", above: 102.5 }, heads, {
      realisations: 200,
    });
    expect(fired).toMatchObject({ evaluatedOn: 11, realisations: 200, fired: true });
    expect(fired.message).toBe("h_w3: p90 is 102.84, above 102.5 (on 11 of 200 realisations)");
    const quiet = evaluate({ observation: "h_w5", probability: { exceeds: 98, above: 0.5 } }, h5, {
      realisations: 150,
    });
    expect(quiet.message).toBe("h_w5: P(h_w5 > 98) is 0.23, not above 0.5 (on 100 of 150 realisations)");
    expect(formatAlertLine(fired)).toBe(
      "FIRED  h_w3: p90 is 102.84, above 102.5 (on 11 of 200 realisations)",
    );
  });
  it("counts only the realisations that gave a value", () => {
    const a = evaluate({ observation: "h", statistic: "max", above: 5 }, Float64Array.of(Number.NaN, 4, 6));
    expect(a).toMatchObject({ evaluatedOn: 2, realisations: 3 });
    expect(a.message).toBe("h: max is 6, above 5 (on 2 of 3 realisations)");
  });
});

describe("evaluateAlerts", () => {
  it("puts fired alerts first, otherwise in the spec's order, and keeps names", () => {
    const specs: AlertSpec[] = [
      { observation: "h_w3", statistic: "mean", above: 200 },
      { name: "River too high", observation: "h_w3", statistic: "p90", above: 100 },
      { observation: "missing", statistic: "mean", above: 0 },
      { observation: "h_w5", probability: { exceeds: 98, above: 0.1 } },
    ];
    const values = new Map([
      ["h_w3", heads],
      ["h_w5", h5],
    ]);
    const results = evaluateAlerts(specs, (o) => values.get(o), { realisations: 100 });
    expect(results.map((a) => [a.name, a.fired])).toEqual([
      ["River too high", true],
      ["P(h_w5 > 98) above 0.1", true],
      ["mean of h_w3 above 200", false],
      ["mean of missing above 0", false],
    ]);
    // Plain JSON: a webhook or SNS message carries it as it is.
    expect(JSON.parse(JSON.stringify(results))).toEqual(results);
  });
});

describe("formatAlertLine", () => {
  it("marks fired, quiet and unevaluated alerts once, and puts a given name first", () => {
    const fired = evaluate(
      { name: "River too high", observation: "h_w3", statistic: "p90", above: 102.5 },
      heads,
    );
    expect(formatAlertLine(fired)).toBe("FIRED  River too high: h_w3: p90 is 102.84, above 102.5");
    const quiet = evaluate({ observation: "h_w3", statistic: "p90", above: 103 }, heads);
    expect(formatAlertLine(quiet)).toBe("ok     h_w3: p90 is 102.84, not above 103");
    const none = evaluate({ observation: "x", statistic: "p90", above: 103 }, undefined);
    expect(formatAlertLine(none)).toBe("n/a    x: p90 not evaluated: no successful realisation reported x");
  });
});

describe("alertRule and alertThreshold", () => {
  it("describe the rule and its threshold in the observation's units", () => {
    expect(alertRule({ observation: "c", probability: { falls_below: 0.5, above: 0.25 } })).toBe(
      "P(c < 0.5) above 0.25",
    );
    expect(alertThreshold({ observation: "h", statistic: "p90", above: 3 })).toEqual({
      threshold: 3,
      direction: "above",
    });
    expect(alertThreshold({ observation: "h", statistic: "mean", below: 2 })).toEqual({
      threshold: 2,
      direction: "below",
    });
    expect(alertThreshold({ observation: "c", probability: { falls_below: 0.5, above: 0.25 } })).toEqual({
      threshold: 0.5,
      direction: "below",
    });
    expect(alertThreshold({ observation: "h", statistic: "std", above: 1 })).toBeUndefined();
  });
});

describe("formatAlertNumber", () => {
  it("uses five significant digits, more when needed to differ from the limit", () => {
    expect(formatAlertNumber(102.841234)).toBe("102.84");
    expect(formatAlertNumber(0.2345678)).toBe("0.23457");
    expect(formatAlertNumber(102.500001, 102.5)).toBe("102.500001");
    expect(formatAlertNumber(102.5, 102.5)).toBe("102.5");
    expect(formatAlertNumber(1.23456789e-9)).toBe("1.2346e-9");
  });
});
