import { expect, it, describe as suite } from "vitest";
import { describe, describePooled, exceedanceOf, selectQuantiles } from "./statistics.ts";

/** The textbook definition the selection must agree with: sort, then numpy's linear rule. */
function referenceQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const g = h - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  return g === 0 ? a : g >= 0.5 ? b - (b - a) * (1 - g) : a + (b - a) * g;
}

suite("describe", () => {
  it("computes count, mean, sample std, min, max and linear quantiles", () => {
    // Sorted: -1, 0, 2.25, 3.5, 5, 7, 7, 12 (n = 8, h = 7q).
    // p25: h = 1.75 -> 0 + 0.75 * 2.25 = 1.6875; p50: h = 3.5 -> (3.5 + 5) / 2 = 4.25;
    // p90: h = 6.3 -> 7 + 0.3 * 5 = 8.5; p2.5: h = 0.175 -> -1 + 0.175 * 1 = -0.825.
    // mean = 35.75 / 8 = 4.46875; std = sqrt(sum of squared deviations / 7).
    const s = describe(Float64Array.of(3.5, -1, 7, 7, 2.25, 0, 12, 5), [0.025, 0.25, 0.5, 0.9]);
    expect(s.count).toBe(8);
    expect(s.mean).toBe(4.46875);
    expect(s.std).toBeCloseTo(4.235136825247967, 14);
    expect(s.min).toBe(-1);
    expect(s.max).toBe(12);
    expect(s.quantiles).toEqual({ "p2.5": -0.825, p25: 1.6875, p50: 4.25, p90: 8.5 });
  });

  it("gives numpy's values for 1..4", () => {
    // h = 3q: p10 -> 1.3, p50 -> 2.5, p90 -> 3.7; std = sqrt(5/3).
    const s = describe(Float64Array.of(4, 1, 3, 2), [0.1, 0.5, 0.9]);
    expect(s.quantiles["p10"]).toBeCloseTo(1.3, 14);
    expect(s.quantiles["p50"]).toBe(2.5);
    expect(s.quantiles["p90"]).toBe(3.7);
    expect(s.std).toBeCloseTo(Math.sqrt(5 / 3), 14);
  });

  it("ignores NaN (a realisation without the value)", () => {
    const s = describe(Float64Array.of(Number.NaN, 4, 1, Number.NaN, 3, 2), [0.5]);
    expect(s.count).toBe(4);
    expect(s.mean).toBe(2.5);
    expect(s.min).toBe(1);
    expect(s.max).toBe(4);
    expect(s.quantiles).toEqual({ p50: 2.5 });
  });

  it("gives one value for every quantile and no std from a single value", () => {
    const s = describe(Float64Array.of(Number.NaN, 7.25), [0.1, 0.5, 0.9]);
    expect(s).toEqual({
      count: 1,
      mean: 7.25,
      std: null,
      min: 7.25,
      max: 7.25,
      quantiles: { p10: 7.25, p50: 7.25, p90: 7.25 },
    });
  });

  it("interpolates between two values", () => {
    // h = q: p10 -> 10 + 0.1 * 10 = 11, p50 -> 15, p90 -> 19.
    const s = describe(Float64Array.of(20, 10), [0.1, 0.5, 0.9]);
    expect(s.quantiles["p10"]).toBe(11);
    expect(s.quantiles["p50"]).toBe(15);
    expect(s.quantiles["p90"]).toBe(19);
    expect(s.std).toBeCloseTo(Math.sqrt(50), 14);
  });

  it("gives nulls without values", () => {
    for (const column of [new Float64Array(0), Float64Array.of(Number.NaN, Number.NaN)]) {
      expect(describe(column, [0.1, 0.9])).toEqual({
        count: 0,
        mean: null,
        std: null,
        min: null,
        max: null,
        quantiles: { p10: null, p90: null },
      });
    }
  });

  it("keeps the mean of equal values equal to them", () => {
    const s = describe(Float64Array.of(0.1, 0.1, 0.1), [0.5]);
    expect(s.mean).toBe(0.1);
    expect(s.std).toBe(0);
  });

  it("leaves the column as it is and reuses scratch space", () => {
    const column = Float64Array.of(5, 3, 1, 4, 2);
    const scratch = new Float64Array(10);
    describe(column, [0.5], scratch);
    expect([...column]).toEqual([5, 3, 1, 4, 2]);
    expect(describe(Float64Array.of(9, 8), [0.5], scratch).quantiles).toEqual({ p50: 8.5 });
  });
});

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
}

suite("describe on many values", () => {
  const qs = [0.01, 0.1, 0.5, 0.9, 0.975];
  const next = seeded(99);
  const cases = {
    smooth: Array.from({ length: 2000 }, () => 100 + next() * 3),
    // A heavy tail crowds the values into the lowest buckets of the range.
    skewed: Array.from({ length: 2000 }, () => Math.exp(30 * next() ** 6)),
    tied: Array.from({ length: 2000 }, () => Math.floor(next() * 4)),
    // Past the sorting limit, quantiles come from selection.
    large: Array.from({ length: 270_001 }, () => next() * 2 - 1),
  };
  for (const [name, values] of Object.entries(cases)) {
    it(`agrees with sorting (${name})`, () => {
      const s = describe(Float64Array.from(values), qs);
      expect(Object.values(s.quantiles)).toEqual(qs.map((q) => referenceQuantile(values, q)));
      expect([s.min, s.max]).toEqual([referenceQuantile(values, 0), referenceQuantile(values, 1)]);
    });
  }
});

suite("describePooled", () => {
  const qs = [0.05, 0.1, 0.5, 0.9, 0.95];
  function check(parts: Float64Array[]) {
    const all = Float64Array.from(parts.flatMap((p) => [...p]));
    const expected = describe(all, qs);
    const pooled = describePooled(
      parts,
      parts.map((p) => describe(p, [])),
      qs,
    );
    expect(pooled.count).toBe(expected.count);
    // Combined from the parts, so equal but for rounding.
    expect(Math.abs(pooled.mean! - expected.mean!)).toBeLessThanOrEqual(1e-10 * Math.abs(expected.mean!));
    expect(Math.abs(pooled.std! - expected.std!)).toBeLessThanOrEqual(1e-10 * expected.std!);
    expect([pooled.min, pooled.max, pooled.quantiles]).toEqual([
      expected.min,
      expected.max,
      expected.quantiles,
    ]);
  }

  it("gives the statistics of all the parts' values together", () => {
    const next = seeded(5);
    check([40, 1, 0, 300].map((n, i) => Float64Array.from({ length: n }, () => i * 10 + next())));
  });

  it("reads many values by histogram, with missing values, ties and a heavy tail", () => {
    const next = seeded(8);
    const smooth = Array.from({ length: 30 }, () =>
      Float64Array.from({ length: 10_000 }, () => 100 + next()),
    );
    smooth[3]![17] = Number.NaN;
    check(smooth);
    check(
      Array.from({ length: 30 }, () => Float64Array.from({ length: 10_000 }, () => Math.floor(next() * 50))),
    );
    // Most values crowd into the lowest histogram bin: selection takes over.
    check(
      Array.from({ length: 30 }, () =>
        Float64Array.from({ length: 10_000 }, () => Math.exp(40 * next() ** 8)),
      ),
    );
  });

  it("gives nulls for no values", () => {
    expect(describePooled([new Float64Array(0)], [describe(new Float64Array(0), [])], [0.5])).toMatchObject({
      count: 0,
      mean: null,
      quantiles: { p50: null },
    });
  });
});

suite("selectQuantiles", () => {
  it("agrees with sorting on many values, ties and sizes", () => {
    let seed = 7;
    const next = () => {
      seed = (seed * 16807) % 2147483647;
      return seed / 2147483647;
    };
    const qs = [0, 0.01, 0.025, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975, 0.999, 1];
    for (const n of [1, 2, 3, 10, 601, 5000, 20011]) {
      for (const ties of [false, true]) {
        const values = Array.from({ length: n }, () => (ties ? Math.floor(next() * 5) : next() * 100 - 50));
        const got = selectQuantiles(Float64Array.from(values), n, qs);
        expect(got).toEqual(qs.map((q) => referenceQuantile(values, q)));
      }
    }
  });

  it("handles sorted and reversed input", () => {
    const up = Array.from({ length: 3000 }, (_, i) => i);
    expect(selectQuantiles(Float64Array.from(up), up.length, [0.5, 0.9])).toEqual([1499.5, 2699.1]);
    expect(selectQuantiles(Float64Array.from(up.reverse()), up.length, [0.5])).toEqual([1499.5]);
  });

  it("refuses no values", () => {
    expect(() => selectQuantiles(new Float64Array(0), 0, [0.5])).toThrow(RangeError);
  });
});

suite("exceedanceOf", () => {
  it("counts values strictly beyond the threshold", () => {
    const column = Float64Array.of(1, 2, 3, 4, Number.NaN);
    expect(exceedanceOf(column, 2, "above")).toBe(0.5);
    expect(exceedanceOf(column, 2, "below")).toBe(0.25);
    expect(exceedanceOf(column, 10, "above")).toBe(0);
    expect(exceedanceOf(Float64Array.of(Number.NaN), 1, "above")).toBeNull();
  });
});
