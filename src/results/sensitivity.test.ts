import { describe, expect, it } from "vitest";
import type { ValueMatrix } from "./matrix.ts";
import { tableOfValues } from "./parameter-table.ts";
import { averageRanks, sensitivitiesFromTable, spearman, strongestSensitivities } from "./sensitivity.ts";

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 48271) % 2147483647;
    return s / 2147483647;
  };
}

/** Pearson's r of average ranks, written the slow, obvious way. */
function referenceSpearman(x: readonly number[], y: readonly number[]): number {
  const rank = (v: readonly number[]) =>
    v.map((a) => {
      const below = v.filter((b) => b < a).length;
      const equal = v.filter((b) => b === a).length;
      return below + (equal + 1) / 2;
    });
  const rx = rank(x);
  const ry = rank(y);
  const mean = (x.length + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (rx[i]! - mean) * (ry[i]! - mean);
    sxx += (rx[i]! - mean) ** 2;
    syy += (ry[i]! - mean) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

function matrix(columns: Record<string, number[]>): ValueMatrix {
  const names = Object.keys(columns);
  const rows = columns[names[0]!]!.length;
  return {
    ids: Array.from({ length: rows }, (_, i) => `r${i}`),
    names,
    columns: names.map((n) => Float64Array.from(columns[n]!)),
  };
}

describe("averageRanks", () => {
  it("ranks from 1 and gives ties the average of their positions", () => {
    expect([...averageRanks([30, 10, 20, 20])]).toEqual([4, 1, 2.5, 2.5]);
    expect([...averageRanks([5, 5, 5])]).toEqual([2, 2, 2]);
    expect([...averageRanks([-0, 0, -1])]).toEqual([2.5, 2.5, 1]);
  });

  it("agrees with the obvious ranking on smooth, skewed and tied data", () => {
    const next = seeded(3);
    const smooth = Array.from({ length: 500 }, () => next());
    // Heavy tail: most values crowd into the lowest buckets of the range.
    const skewed = Array.from({ length: 500 }, () => Math.exp(20 * next() ** 4));
    const tied = Array.from({ length: 500 }, () => Math.floor(next() * 7));
    // A heavy tail and values equal but for their last bits: the bucket sort gives up and the
    // native sort of values with their index in those bits gets them out of order.
    const close = [1e300, ...Array.from({ length: 499 }, (_, i) => 1 + ((i * 7919) % 499) * 2 ** -52)];
    for (const values of [smooth, skewed, tied, close]) {
      const expected = values.map(
        (a) => values.filter((b) => b < a).length + (values.filter((b) => b === a).length + 1) / 2,
      );
      expect([...averageRanks(values)]).toEqual(expected);
    }
  });
});

describe("spearman", () => {
  it("is 1 for any increasing relation and -1 for a decreasing one", () => {
    const x = Array.from({ length: 50 }, (_, i) => i * 0.37 - 4);
    expect(
      spearman(
        x,
        x.map((v) => v ** 3),
      ),
    ).toBeCloseTo(1, 12);
    expect(
      spearman(
        x,
        x.map((v) => Math.exp(-v)),
      ),
    ).toBeCloseTo(-1, 12);
  });

  it("matches the hand-computed value with ties", () => {
    // Ranks of y: 1, 2.5, 2.5, 4, 5; sum of products of deviations 9.5, squares 10 and 9.5.
    expect(spearman([1, 2, 3, 4, 5], [1, 2, 2, 3, 5])).toBeCloseTo(9.5 / Math.sqrt(95), 11);
  });

  it("is near 0 for independent columns", () => {
    const next = seeded(17);
    const x = Array.from({ length: 2000 }, () => next());
    const y = Array.from({ length: 2000 }, () => next());
    expect(Math.abs(spearman(x, y)!)).toBeLessThan(0.06);
    expect(spearman(x.slice(0, 300), y.slice(0, 300))).toBeCloseTo(
      referenceSpearman(x.slice(0, 300), y.slice(0, 300)),
      11,
    );
  });

  it("uses only pairs where both have a value", () => {
    expect(spearman([1, 2, Number.NaN, 3, 4], [10, 20, 5, Number.NaN, 40])).toBeCloseTo(1, 12);
  });

  it("is null for a constant column or too few pairs", () => {
    expect(spearman([1, 2, 3], [4, 4, 4])).toBeNull();
    expect(spearman([1, 2], [1, 2])).toBeNull();
  });
});

describe("strongestSensitivities", () => {
  const next = seeded(5);
  const n = 200;
  const a = Array.from({ length: n }, () => next());
  const b = Array.from({ length: n }, () => next());
  const c = Array.from({ length: n }, () => 1);
  const parameters = matrix({ a, b, c });

  it("returns the strongest pairs by |rho|, strongest first, skipping constant columns", () => {
    const observations = matrix({
      up: a.map((v) => 2 * v + 1),
      down: b.map((v) => -(v ** 2)),
      noise: a.map(() => next()),
      flat: a.map(() => 3),
    });
    const top = strongestSensitivities(parameters, observations, 2);
    expect(top.map((s) => [s.parameter, s.observation])).toEqual([
      ["a", "up"],
      ["b", "down"],
    ]);
    expect(top[0]!.rho).toBe(1);
    expect(top[1]!.rho).toBe(-1);
    const all = strongestSensitivities(parameters, observations, 100);
    expect(all).toHaveLength(6);
    expect(all.some((s) => s.parameter === "c" || s.observation === "flat")).toBe(false);
    for (let i = 1; i < all.length; i++)
      expect(Math.abs(all[i]!.rho)).toBeLessThanOrEqual(Math.abs(all[i - 1]!.rho));
    const noise = all.find((s) => s.parameter === "a" && s.observation === "noise")!;
    expect(noise.rho).toBeCloseTo(referenceSpearman(a, [...observations.columns[2]!]), 11);
  });

  it("ranks over the rows both columns have when values are missing", () => {
    const partial = a.map((v, i) => (i % 10 === 0 ? Number.NaN : v * 5));
    const withGap = b.map((v, i) => (i === 3 ? Number.NaN : v));
    const observations = matrix({ partial, mixed: a.map((v, i) => v + b[i]!) });
    const top = strongestSensitivities(matrix({ a, b: withGap }), observations, 10);
    const pair = (p: string, o: string) => top.find((s) => s.parameter === p && s.observation === o)!.rho;
    expect(pair("a", "partial")).toBeCloseTo(1, 12);
    const keep = (i: number) => i % 10 !== 0 && i !== 3;
    const rows = a.map((_, i) => i).filter(keep);
    expect(pair("b", "partial")).toBeCloseTo(
      referenceSpearman(
        rows.map((i) => b[i]!),
        rows.map((i) => partial[i]!),
      ),
      11,
    );
  });

  it("orders equally strong pairs by parameter, then observation", () => {
    const top = strongestSensitivities(matrix({ a, b: a, c: a }), matrix({ x: a, y: a }), 3);
    expect(top.map((s) => `${s.parameter}-${s.observation}`)).toEqual(["a-x", "a-y", "b-x"]);
  });

  it("gives nothing for fewer than three realisations", () => {
    expect(strongestSensitivities(matrix({ a: [1, 2] }), matrix({ o: [1, 2] }))).toEqual([]);
  });

  it("refuses matrices of different rows", () => {
    expect(() => strongestSensitivities(matrix({ a: [1, 2, 3] }), matrix({ o: [1, 2] }))).toThrow(RangeError);
  });
});

describe("sensitivitiesFromTable", () => {
  /** Parameters p0..p(n-1) over realisations r0..r(rows-1), from a seeded generator, and
   * observations that each follow one parameter with noise. */
  function ensemble(parameterCount: number, observationCount: number, rows: number) {
    const next = seeded(7);
    const ids = Array.from({ length: rows }, (_, r) => `r${r}`);
    const parameters: ValueMatrix = {
      ids,
      names: Array.from({ length: parameterCount }, (_, p) => `p${p}`),
      columns: Array.from({ length: parameterCount }, () => Float64Array.from(ids, () => next())),
    };
    const observations: ValueMatrix = {
      ids,
      names: Array.from({ length: observationCount }, (_, o) => `o${o}`),
      columns: Array.from({ length: observationCount }, (_, o) =>
        Float64Array.from(
          ids,
          (_, r) => parameters.columns[(o * 37) % parameterCount]![r]! + (o % 3) * next(),
        ),
      ),
    };
    const values = new Map(
      ids.map((id, r) => [id, new Map(parameters.names.map((n, p) => [n, parameters.columns[p]![r]!]))]),
    );
    return { parameters, observations, table: tableOfValues(values) };
  }

  it("finds what strongestSensitivities finds over every pair, reading parameters a block at a time", () => {
    // More parameters than one block, so the blocks' strongest pairs are merged.
    const { parameters, observations, table } = ensemble(600, 40, 30);
    const all = strongestSensitivities(parameters, observations, 25);
    const { sensitivities, scope } = sensitivitiesFromTable({ parameters: table, observations, count: 25 });
    expect(scope).toBeUndefined();
    expect(sensitivities).toEqual(all);
  });

  it("over budget, correlates the preferred observations and every k-th of the others, and says so", () => {
    const { parameters, observations, table } = ensemble(50, 100, 20);
    // Room for 10 observations: 50 parameters x 20 realisations x 10.
    const { sensitivities, scope } = sensitivitiesFromTable({
      parameters: table,
      observations,
      count: 500,
      preferred: ["o99", "o42", "nowhere"],
      budget: 50 * 20 * 10,
    });
    expect(scope).toEqual({ observations: 10, ofObservations: 100 });
    const used = [...new Set(sensitivities.map((s) => s.observation))].sort(
      (a, b) => Number(a.slice(1)) - Number(b.slice(1)),
    );
    expect(used).toEqual(["o0", "o12", "o24", "o36", "o42", "o50", "o62", "o74", "o86", "o99"]);
    const chosen: ValueMatrix = {
      ids: observations.ids,
      names: used,
      columns: used.map((n) => observations.columns[observations.names.indexOf(n)]!),
    };
    expect(sensitivities).toEqual(strongestSensitivities(parameters, chosen, 500));
  });
});
