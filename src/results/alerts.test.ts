import { describe, expect, it } from "vitest";
import type { AlertSpec } from "../spec/schema.ts";
import {
  alertRule,
  alertThreshold,
  evaluateAlert,
  evaluateAlerts,
  formatAlertLine,
  formatAlertNumber,
} from "./alerts.ts";

// p90 of these 11 values is the 10th smallest (h = 10 x 0.9 = 9): 102.84; the mean is 1103.34 / 11.
const heads = Float64Array.of(95, 96, 97, 98, 99, 100, 101, 102, 102.5, 102.84, 110);
// 23 of 100 values above 98.
const h5 = Float64Array.from({ length: 100 }, (_, i) => (i < 23 ? 99 : 97));

describe("evaluateAlert, statistics", () => {
  it("fires when the statistic is above the limit", () => {
    const a = evaluateAlert({ observation: "h_w3", statistic: "p90", above: 102.5 }, heads);
    expect(a).toEqual({
      name: "p90 of h_w3 above 102.5",
      observation: "h_w3",
      rule: "p90 of h_w3 above 102.5",
      kind: "statistic",
      statistic: "p90",
      direction: "above",
      threshold: 102.5,
      value: 102.84,
      fired: true,
      level: "failure",
      message: "h_w3: p90 is 102.84, above 102.5 — fired",
    });
  });

  it("does not fire at or under the limit", () => {
    const a = evaluateAlert({ observation: "h_w3", statistic: "p90", above: 102.84 }, heads);
    expect(a.fired).toBe(false);
    expect(a.level).toBe("notice");
    expect(a.message).toBe("h_w3: p90 is 102.84, not above 102.84 — ok");
  });

  it("compares below limits", () => {
    const fired = evaluateAlert({ observation: "h_w3", statistic: "min", below: 96 }, heads);
    expect(fired).toMatchObject({ direction: "below", value: 95, fired: true });
    expect(fired.message).toBe("h_w3: min is 95, below 96 — fired");
    const quiet = evaluateAlert({ observation: "h_w3", statistic: "mean", below: 100 }, heads);
    expect(quiet).toMatchObject({ fired: false, message: "h_w3: mean is 100.3, not below 100 — ok" });
  });

  it("computes a percentile the report does not list, and max and std", () => {
    // p95: h = 9.5 -> between 102.84 and 110: 110 - 7.16 x 0.5 = 106.42.
    expect(evaluateAlert({ observation: "h", statistic: "p95", above: 106 }, heads).value).toBeCloseTo(
      106.42,
      12,
    );
    expect(evaluateAlert({ observation: "h", statistic: "p2.5", below: 95.5 }, heads).value).toBeCloseTo(
      95.25,
      12,
    );
    expect(evaluateAlert({ observation: "h", statistic: "max", above: 109 }, heads).fired).toBe(true);
    const std = evaluateAlert({ observation: "h", statistic: "std", above: 1 }, Float64Array.of(1, 3));
    expect(std.value).toBeCloseTo(Math.SQRT2, 14);
    expect(std.fired).toBe(true);
  });

  it("ignores missing values (NaN)", () => {
    const a = evaluateAlert(
      { observation: "h", statistic: "max", above: 5 },
      Float64Array.of(Number.NaN, 4, 6),
    );
    expect(a).toMatchObject({ value: 6, fired: true });
  });

  it("does not fire and says why without values", () => {
    const none = evaluateAlert({ observation: "h_w9", statistic: "p90", above: 1 }, undefined);
    expect(none).toMatchObject({ value: null, fired: false, level: "notice" });
    expect(none.message).toBe("h_w9: p90 not evaluated: no successful realisation reported h_w9");
    const empty = evaluateAlert(
      { observation: "h_w9", statistic: "mean", above: 1 },
      Float64Array.of(Number.NaN),
    );
    expect(empty.message).toBe(
      "h_w9: mean not evaluated: h_w9 has no values (no successful realisation read it)",
    );
    const one = evaluateAlert({ observation: "h_w9", statistic: "std", above: 1 }, Float64Array.of(3));
    expect(one).toMatchObject({ value: null, fired: false });
    expect(one.message).toBe("h_w9: std not evaluated: the standard deviation needs 2 values, found 1");
  });
});

describe("evaluateAlert, probabilities", () => {
  it("fires when P(value > exceeds) is above the level", () => {
    const a = evaluateAlert({ observation: "h_w5", probability: { exceeds: 98, above: 0.2 } }, h5);
    expect(a).toEqual({
      name: "P(h_w5 > 98) above 0.2",
      observation: "h_w5",
      rule: "P(h_w5 > 98) above 0.2",
      kind: "probability",
      exceeds: 98,
      direction: "above",
      threshold: 0.2,
      value: 0.23,
      fired: true,
      level: "failure",
      message: "h_w5: P(h_w5 > 98) is 0.23, above 0.2 — fired",
    });
  });

  it("measures P(value < falls_below)", () => {
    const a = evaluateAlert({ observation: "h_w5", probability: { falls_below: 98, above: 0.8 } }, h5);
    expect(a).toMatchObject({ kind: "probability", fallsBelow: 98, value: 0.77, fired: false });
    expect(a).not.toHaveProperty("exceeds");
    expect(a.message).toBe("h_w5: P(h_w5 < 98) is 0.77, not above 0.8 — ok");
  });

  it("does not fire without values", () => {
    const a = evaluateAlert({ observation: "q", probability: { exceeds: 1, above: 0 } }, new Float64Array(0));
    expect(a).toMatchObject({ value: null, fired: false });
    expect(a.message).toBe("q: P(q > 1) not evaluated: q has no values (no successful realisation read it)");
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
    const results = evaluateAlerts(specs, (o) => values.get(o));
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
  it("marks fired, quiet and unevaluated alerts and puts a given name first", () => {
    const fired = evaluateAlert(
      { name: "River too high", observation: "h_w3", statistic: "p90", above: 102.5 },
      heads,
    );
    expect(formatAlertLine(fired)).toBe("FIRED  River too high: h_w3: p90 is 102.84, above 102.5 — fired");
    const quiet = evaluateAlert({ observation: "h_w3", statistic: "p90", above: 103 }, heads);
    expect(formatAlertLine(quiet)).toBe("ok     h_w3: p90 is 102.84, not above 103 — ok");
    const none = evaluateAlert({ observation: "x", statistic: "p90", above: 103 }, undefined);
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
