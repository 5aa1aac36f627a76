// Ticks and bins for the report's charts.
import { describe, expect, it } from "vitest";
import { histogramBins, niceDomain, niceStep, niceTicks, tickLabel, ticksThatFit } from "./axis.ts";

const steps = (ticks: number[]) => ticks.slice(1).map((t, i) => Number((t - ticks[i]!).toPrecision(10)));

describe("niceTicks", () => {
  it("gives evenly spaced round values, no more than asked for", () => {
    for (const [lo, hi, max] of [
      [92.06, 105.97, 6],
      [-14_250, 2_880, 6],
      [0.0871, 0.2554, 10],
      [0, 15.6, 10],
      [1e-9, 3e-9, 5],
      [95.2, 108.4, 6],
    ] as const) {
      const ticks = niceTicks(lo, hi, max);
      expect(ticks.length, `${lo}..${hi}`).toBeGreaterThanOrEqual(2);
      expect(ticks.length, `${lo}..${hi}`).toBeLessThanOrEqual(max);
      expect(new Set(steps(ticks)).size, `${lo}..${hi}: ${ticks}`).toBe(1);
      for (const t of ticks) {
        expect(t).toBeGreaterThanOrEqual(lo);
        expect(t).toBeLessThanOrEqual(hi);
      }
    }
    expect(niceTicks(92.06, 105.97, 6)).toEqual([95, 100, 105]);
    expect(niceTicks(0, 15.6, 10)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
  });
  it("keeps to whole numbers for steps", () => {
    expect(niceTicks(1, 12, 12, true)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(niceTicks(1, 3, 10, true)).toEqual([1, 2, 3]);
  });
  it("copes with a single value and reversed bounds", () => {
    expect(niceTicks(5, 5, 6)).toEqual([5]);
    expect(niceTicks(10, 0, 3)).toEqual([0, 5, 10]);
  });
});

describe("niceStep", () => {
  it("rounds up to 1, 2 or 5 times a power of ten", () => {
    expect([0.3, 1, 1.1, 2.2, 4, 7, 0.07].map(niceStep)).toEqual([0.5, 1, 2, 5, 5, 10, 0.1]);
  });
});

describe("histogramBins", () => {
  it("bins of a nice width, no more than asked for, every value counted once", () => {
    const values = Array.from({ length: 197 }, (_, i) => 92.06 + (i * 13.91) / 196);
    const b = histogramBins(values, 30);
    expect(b.counts.length).toBeLessThanOrEqual(30);
    expect(b.counts.reduce((a, c) => a + c, 0)).toBe(197);
    expect(b.step).toBe(0.5);
    expect(b.start).toBe(92);
    expect(b.start + b.step * b.counts.length).toBeGreaterThanOrEqual(Math.max(...values));
  });
  it("puts a lone value in one bin", () => {
    expect(histogramBins([3, 3, 3], 30)).toMatchObject({ counts: [3] });
  });
});

describe("niceDomain", () => {
  it("widens the range to whole tick steps, no more ticks than asked for", () => {
    expect(niceDomain(95.3, 107.9, 6)).toEqual({ domain: [95, 110], ticks: [95, 100, 105, 110] });
    expect(niceDomain(0, 33, 5, true)).toEqual({ domain: [0, 40], ticks: [0, 10, 20, 30, 40] });
    expect(niceDomain(0, 3, 5, true)).toEqual({ domain: [0, 3], ticks: [0, 1, 2, 3] });
    expect(niceDomain(7, 7, 5).ticks.length).toBeGreaterThanOrEqual(2);
  });
});

describe("tickLabel", () => {
  it("writes ticks as the axes do", () => {
    expect([0, 97.5, 15_000, -14_000, 0.0002, 1e-9, 1234567].map(tickLabel)).toEqual([
      "0",
      "97.5",
      "15,000",
      "-14,000",
      "0.0002",
      "1e-9",
      "1.23457e6",
    ]);
  });
});

describe("ticksThatFit", () => {
  it("takes fewer ticks when their labels are long", () => {
    expect(ticksThatFit(0, 10, 6, 230)).toEqual([0, 2, 4, 6, 8, 10]);
    const long = ticksThatFit(0, 0.00081, 6, 230);
    expect(long.length).toBeLessThan(6);
    expect(long.length).toBeGreaterThanOrEqual(2);
  });
});
