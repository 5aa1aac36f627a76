import { describe, expect, it } from "vitest";
import { UserError } from "../errors.ts";
import {
  erf,
  erfc,
  normalCdf,
  normalQuantile,
  PriorError,
  parameterStream,
  sampleRealisations,
  splitMix64,
  Xoshiro128ss,
} from "./sampling.ts";
import type { Prior, SamplingOptions } from "./types.ts";

function column(options: SamplingOptions, name: string): number[] {
  return sampleRealisations(options).map((r) => {
    const v = r.values.get(name);
    if (v === undefined) throw new Error(`no ${name}`);
    return v;
  });
}

function one(prior: Prior, n: number, method: "mc" | "lhs" = "mc", seed = 7): number[] {
  return column({ n, method, seed, priors: [{ name: "p", prior }] }, "p");
}

function expectClose(actual: number, expected: number, relTol: number): void {
  if (expected === 0) expect(Math.abs(actual)).toBeLessThan(relTol);
  else expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThan(relTol);
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1));
};

/** Kolmogorov-Smirnov distance between a sample and a CDF. */
function ksDistance(xs: number[], cdf: (x: number) => number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  let d = 0;
  sorted.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / sorted.length), Math.abs(f - (i + 1) / sorted.length));
  });
  return d;
}

describe("random streams", () => {
  it("xoshiro128** matches the reference implementation", () => {
    const rng = new Xoshiro128ss([1, 2, 3, 4]);
    const out = Array.from({ length: 10 }, () => rng.nextUint32());
    expect(out).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it("splitmix64 matches the reference implementation", () => {
    let state = 1234567n;
    const out: bigint[] = [];
    for (let i = 0; i < 5; i++) {
      const step = splitMix64(state);
      out.push(step.value);
      state = step.state;
    }
    expect(out).toEqual([
      6457827717110365317n,
      3203168211198807973n,
      9817491932198370423n,
      4593380528125082431n,
      16408922859458223821n,
    ]);
  });

  it("gives open unit values and unbiased bounded integers", () => {
    const rng = parameterStream(1, "x");
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) {
      const u = rng.nextOpen();
      expect(u > 0 && u < 1).toBe(true);
      counts[rng.nextBelow(3)]! += 1;
    }
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(400);
  });

  it("rejects an all-zero state", () => {
    expect(() => new Xoshiro128ss([0, 0, 0, 0])).toThrow(/zero/);
  });
});

describe("normal distribution functions", () => {
  // Reference values from mpmath at 50 digits, rounded to double.
  it("erf and erfc", () => {
    const cases: [number, number, number][] = [
      [0.1, 0.1124629160182849, 0.8875370839817152],
      [0.5, 0.5204998778130465, 0.4795001221869535],
      [1, 0.8427007929497149, 0.15729920705028513],
      [2, 0.9953222650189527, 0.004677734981047266],
      [3.5, 0.9999992569016276, 7.430983723414128e-7],
      [5, 0.9999999999984626, 1.537459794428035e-12],
      [10, 1, 2.088487583762545e-45],
      [26, 1, 5.663192408856143e-296],
    ];
    for (const [x, e, ec] of cases) {
      expectClose(erf(x), e, 1e-14);
      expectClose(erf(-x), -e, 1e-14);
      expectClose(erfc(x), ec, 1e-13);
      expectClose(erfc(-x), 2 - ec, 1e-14);
    }
    expect(erf(0)).toBe(0);
    expect(erfc(30)).toBe(0);
    expect(erfc(Number.NEGATIVE_INFINITY)).toBe(2);
  });

  it("normalCdf", () => {
    const cases: [number, number][] = [
      [-37, 5.725571222524577e-300],
      [-20, 2.7536241186062337e-89],
      [-10, 7.619853024160525e-24],
      [-5, 2.866515718791939e-7],
      [-3, 0.0013498980316300946],
      [-1, 0.15865525393145705],
      [-0.5, 0.3085375387259869],
      [0, 0.5],
      [0.3, 0.6179114221889527],
      [1, 0.8413447460685429],
      [2.5, 0.9937903346742238],
      [6, 0.9999999990134123],
    ];
    // x/sqrt(2) is rounded before erfc, which costs about 2 x^2 ulps deep in the tail.
    for (const [x, p] of cases) expectClose(normalCdf(x), p, x < -10 ? 1e-12 : 1e-14);
    expect(normalCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
  });

  it("normalQuantile", () => {
    const cases: [number, number][] = [
      [1e-300, -37.0470962993612],
      [1e-100, -21.273453560965326],
      [1e-20, -9.262340089798407],
      [1e-10, -6.361340902404057],
      [1e-5, -4.264890793922825],
      [0.001, -3.0902323061678136],
      [0.025, -1.9599639845400543],
      [0.1, -1.2815515655446004],
      [0.3, -0.5244005127080408],
      [0.7, 0.5244005127080408],
      [0.975, 1.9599639845400543],
      [0.999, 3.0902323061678136],
    ];
    for (const [p, z] of cases) expectClose(normalQuantile(p), z, 1e-14);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
  });

  it("normalQuantile inverts normalCdf", () => {
    for (let x = -30; x <= 0; x += 0.37) expectClose(normalQuantile(normalCdf(x)), x, 1e-12);
  });
});

describe("sampleRealisations", () => {
  const priors: SamplingOptions["priors"] = [
    { name: "hk1", prior: { kind: "loguniform", low: 0.1, high: 100 } },
    { name: "rch", prior: { kind: "truncnormal", mean: 3e-4, sd: 1e-4, bounds: [0, 1e-3] } },
    { name: "stage", prior: { kind: "triangular", low: 94, mode: 95, high: 96.5 } },
    { name: "slope", prior: { kind: "lognormal", log10Mean: -3, log10Sd: 0.5 } },
  ];

  it("pins the first values for a fixed seed (a change here changes every user's samples)", () => {
    const mc = sampleRealisations({ n: 5, method: "mc", seed: 20240611, priors });
    expect([...mc[0]!.values]).toEqual([
      ["hk1", 20.2496716240257],
      ["rch", 0.0003799654614901358],
      ["stage", 95.41231490189871],
      ["slope", 0.0011587156314220924],
    ]);
    expect([...mc[2]!.values]).toEqual([
      ["hk1", 0.9700687573316086],
      ["rch", 0.000337440845806689],
      ["stage", 96.23759882792935],
      ["slope", 0.0036982276846430863],
    ]);
    const lhs = sampleRealisations({ n: 5, method: "lhs", seed: 20240611, priors });
    expect([...lhs[0]!.values]).toEqual([
      ["hk1", 2.496666324889586],
      ["rch", 0.00030745909539014814],
      ["stage", 96.38265062837488],
      ["slope", 0.0006916621296315045],
    ]);
    expect([...lhs[1]!.values]).toEqual([
      ["hk1", 1.5320286547917932],
      ["rch", 0.0002526261299239547],
      ["stage", 95.46038381094695],
      ["slope", 0.003428333676384974],
    ]);
    const s = parameterStream(42, "hk1");
    expect([s.nextUint32(), s.nextUint32(), s.nextOpen()]).toEqual([
      2214944555, 223094305, 0.4333893450086427,
    ]);
  });

  it("is reproducible for a seed and differs between seeds", () => {
    for (const method of ["mc", "lhs"] as const) {
      const a = sampleRealisations({ n: 50, method, seed: 3, priors });
      const b = sampleRealisations({ n: 50, method, seed: 3, priors });
      const c = sampleRealisations({ n: 50, method, seed: 4, priors });
      expect(a).toEqual(b);
      for (const { name } of priors) {
        const av = a.map((r) => r.values.get(name));
        const cv = c.map((r) => r.values.get(name));
        expect(av.filter((v, i) => v === cv[i]).length).toBe(0);
      }
    }
  });

  it("numbers ids from firstId", () => {
    expect(sampleRealisations({ n: 3, method: "mc", seed: 1, priors }).map((r) => r.id)).toEqual([
      "1",
      "2",
      "3",
    ]);
    expect(sampleRealisations({ n: 2, method: "lhs", seed: 1, priors, firstId: 0 }).map((r) => r.id)).toEqual(
      ["0", "1"],
    );
    expect(
      sampleRealisations({ n: 2, method: "mc", seed: 1, priors, firstId: 101 }).map((r) => r.id),
    ).toEqual(["101", "102"]);
  });

  it("keeps a parameter's values when others are added, removed or reordered", () => {
    for (const method of ["mc", "lhs"] as const) {
      const base = sampleRealisations({ n: 40, method, seed: 11, priors });
      const extra = { name: "new", prior: { kind: "uniform", low: 0, high: 1 } as const };
      const variants = [[...priors, extra], [extra, ...priors], [...priors].reverse()];
      for (const variant of variants) {
        const other = sampleRealisations({ n: 40, method, seed: 11, priors: variant });
        for (const { name } of priors) {
          expect(other.map((r) => r.values.get(name))).toEqual(base.map((r) => r.values.get(name)));
        }
      }
    }
  });

  it("lower-cases names, and a Monte Carlo sample is a prefix of a larger one", () => {
    const upper = sampleRealisations({
      n: 10,
      method: "mc",
      seed: 5,
      priors: [{ name: "HK1", prior: { kind: "uniform", low: 0, high: 1 } }],
    });
    expect([...upper[0]!.values.keys()]).toEqual(["hk1"]);
    const small = one({ kind: "normal", mean: 0, sd: 1 }, 10);
    const large = one({ kind: "normal", mean: 0, sd: 1 }, 1000);
    expect(large.slice(0, 10)).toEqual(small);
  });

  it("fixed priors give the value every time", () => {
    expect(one({ kind: "fixed", value: 2.5 }, 5, "lhs")).toEqual([2.5, 2.5, 2.5, 2.5, 2.5]);
  });

  describe("Latin hypercube stratification", () => {
    const n = 97;
    const strataOf = (us: number[]) => us.map((u) => Math.floor(u * n)).sort((a, b) => a - b);
    const all = Array.from({ length: n }, (_, i) => i);

    it("draws each stratum exactly once per parameter", () => {
      const rs = sampleRealisations({
        n,
        method: "lhs",
        seed: 99,
        priors: [
          { name: "a", prior: { kind: "uniform", low: 0, high: 1 } },
          { name: "b", prior: { kind: "uniform", low: 0, high: 1 } },
        ],
      });
      const a = rs.map((r) => r.values.get("a")!);
      const b = rs.map((r) => r.values.get("b")!);
      expect(strataOf(a)).toEqual(all);
      expect(strataOf(b)).toEqual(all);
      // Independently permuted: the two columns are not in the same stratum order.
      expect(a.filter((x, i) => Math.floor(x * n) === Math.floor(b[i]! * n)).length).toBeLessThan(10);
    });

    it("stratifies in probability for normal and truncated priors", () => {
      const normal = one({ kind: "normal", mean: 5, sd: 2 }, n, "lhs");
      expect(strataOf(normal.map((x) => normalCdf((x - 5) / 2)))).toEqual(all);
      const pa = normalCdf(-0.5);
      const pb = normalCdf(3);
      const trunc = one({ kind: "truncnormal", mean: 0, sd: 1, bounds: [-0.5, 3] }, n, "lhs");
      expect(strataOf(trunc.map((x) => (normalCdf(x) - pa) / (pb - pa)))).toEqual(all);
      const logu = one({ kind: "loguniform", low: 1, high: 1000 }, n, "lhs");
      expect(strataOf(logu.map((x) => Math.log10(x) / 3))).toEqual(all);
    });
  });

  describe("distributions (n = 20,000)", () => {
    const n = 20_000;
    // Seeded, so these are deterministic; the limits are 99%-level KS and ~4-sigma mean bounds.
    const ksLimit = 1.63 / Math.sqrt(n);

    const cases: {
      label: string;
      prior: Prior;
      cdf: (x: number) => number;
      mean: number;
      sd: number;
      transform?: (x: number) => number;
    }[] = [
      {
        label: "uniform",
        prior: { kind: "uniform", low: 2, high: 5 },
        cdf: (x) => (x - 2) / 3,
        mean: 3.5,
        sd: 3 / Math.sqrt(12),
      },
      {
        label: "loguniform (in log10)",
        prior: { kind: "loguniform", low: 0.1, high: 100 },
        cdf: (x) => (Math.log10(x) + 1) / 3,
        mean: 0.5,
        sd: 3 / Math.sqrt(12),
        transform: Math.log10,
      },
      {
        label: "normal",
        prior: { kind: "normal", mean: 10, sd: 2 },
        cdf: (x) => normalCdf((x - 10) / 2),
        mean: 10,
        sd: 2,
      },
      {
        label: "lognormal (in log10)",
        prior: { kind: "lognormal", log10Mean: 1, log10Sd: 0.5 },
        cdf: (x) => normalCdf((Math.log10(x) - 1) / 0.5),
        mean: 1,
        sd: 0.5,
        transform: Math.log10,
      },
      {
        label: "half-normal (truncnormal at the mean)",
        prior: { kind: "truncnormal", mean: 0, sd: 1, bounds: [0, Number.POSITIVE_INFINITY] },
        cdf: (x) => 2 * normalCdf(x) - 1,
        mean: Math.sqrt(2 / Math.PI),
        sd: Math.sqrt(1 - 2 / Math.PI),
      },
      {
        label: "truncnormal in the upper tail",
        prior: { kind: "truncnormal", mean: 0, sd: 1, bounds: [1, 2] },
        cdf: (x) => (normalCdf(x) - normalCdf(1)) / (normalCdf(2) - normalCdf(1)),
        mean: (Math.exp(-0.5) - Math.exp(-2)) / Math.sqrt(2 * Math.PI) / (normalCdf(2) - normalCdf(1)),
        sd: 0.27,
      },
      {
        label: "triangular",
        prior: { kind: "triangular", low: 0, mode: 1, high: 4 },
        cdf: (x) => (x <= 1 ? (x * x) / 4 : 1 - (4 - x) ** 2 / 12),
        mean: 5 / 3,
        sd: Math.sqrt((0 + 1 + 16 - 0 - 0 - 4) / 18),
      },
    ];

    for (const c of cases) {
      for (const method of ["mc", "lhs"] as const) {
        it(`${c.label}, ${method}`, () => {
          const xs = one(c.prior, n, method, 2024);
          const t = c.transform === undefined ? xs : xs.map(c.transform);
          expect(Math.abs(mean(t) - c.mean)).toBeLessThan((4 * c.sd) / Math.sqrt(n));
          expect(Math.abs(sd(t) / c.sd - 1)).toBeLessThan(0.03);
          expect(ksDistance(xs, c.cdf)).toBeLessThan(method === "lhs" ? 2 / n : ksLimit);
        });
      }
    }

    it("matches normal quantiles", () => {
      const xs = one({ kind: "normal", mean: 10, sd: 2 }, n, "mc", 8).sort((a, b) => a - b);
      for (const p of [0.025, 0.25, 0.5, 0.75, 0.975]) {
        const z = normalQuantile(p);
        // The standard error of a sample quantile: sqrt(p (1 - p) / n) / density.
        const se = (2 * Math.sqrt((p * (1 - p)) / n)) / (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI));
        expect(Math.abs(xs[Math.floor(p * n)]! - (10 + 2 * z))).toBeLessThan(4 * se);
      }
    });
  });

  describe("bounds", () => {
    const inside = (xs: number[], lo: number, hi: number) => {
      for (const x of xs) {
        expect(x).toBeGreaterThan(lo);
        expect(x).toBeLessThan(hi);
      }
    };

    it("keeps every value strictly inside the bounds, far tails included", () => {
      for (const method of ["mc", "lhs"] as const) {
        inside(one({ kind: "truncnormal", mean: 0, sd: 1, bounds: [-0.1, 0.1] }, 5000, method), -0.1, 0.1);
        const upper = one({ kind: "truncnormal", mean: 0, sd: 1, bounds: [8, 9] }, 5000, method);
        inside(upper, 8, 9);
        // Mass piles towards the lower bound of a far-upper-tail interval, not onto the bounds.
        expect(Math.min(...upper)).toBeLessThan(8.001);
        inside(
          one({ kind: "normal", mean: 0, sd: 1, bounds: [Number.NEGATIVE_INFINITY, -30] }, 2000, method),
          -32,
          -30,
        );
        inside(one({ kind: "normal", mean: 100, sd: 10, bounds: [99, 130] }, 5000, method), 99, 130);
        inside(one({ kind: "lognormal", log10Mean: 0, log10Sd: 1, bounds: [0.5, 2] }, 5000, method), 0.5, 2);
        inside(
          one({ kind: "lognormal", log10Mean: 0, log10Sd: 1, bounds: [-1, 1e-3] }, 2000, method),
          0,
          1e-3,
        );
        inside(one({ kind: "loguniform", low: 1e-6, high: 1e-5 }, 5000, method), 1e-6, 1e-5);
        inside(one({ kind: "uniform", low: -1, high: 1 }, 5000, method), -1, 1);
        inside(one({ kind: "triangular", low: 3, mode: 3, high: 4 }, 5000, method), 3, 4);
        inside(one({ kind: "triangular", low: 3, mode: 4, high: 4 }, 5000, method), 3, 4);
      }
    });
  });

  describe("bounds truncate every distribution", () => {
    const n = 97;
    const all = Array.from({ length: n }, (_, i) => i);
    const strataOf = (us: number[]) => us.map((u) => Math.floor(u * n)).sort((a, b) => a - b);
    const within = (xs: number[], lo: number, hi: number) => xs.every((x) => x > lo && x < hi);
    const triCdf = (x: number) => (x <= 1 ? (x * x) / 4 : 1 - (4 - x) ** 2 / 12);

    it("draws inside the bounds, Latin hypercube strata inside the truncated range", () => {
      for (const method of ["mc", "lhs"] as const) {
        const u = one({ kind: "uniform", low: 0, high: 1, bounds: [0.5, 0.6] }, n, method);
        expect(within(u, 0.5, 0.6)).toBe(true);
        const lu = one({ kind: "loguniform", low: 1, high: 1000, bounds: [10, 100] }, n, method);
        expect(within(lu, 10, 100)).toBe(true);
        const t = one({ kind: "triangular", low: 0, mode: 1, high: 4, bounds: [0.5, 2] }, n, method);
        expect(within(t, 0.5, 2)).toBe(true);
        if (method === "lhs") {
          expect(strataOf(u.map((x) => (x - 0.5) / 0.1))).toEqual(all);
          expect(strataOf(lu.map((x) => Math.log10(x) - 1))).toEqual(all);
          const [a, b] = [triCdf(0.5), triCdf(2)];
          expect(strataOf(t.map((x) => (triCdf(x) - a) / (b - a)))).toEqual(all);
        }
      }
      // A one-sided bound, and a bound beyond the support on the other side.
      expect(within(one({ kind: "uniform", low: 0, high: 10, bounds: [-5, 2] }, n), 0, 2)).toBe(true);
      expect(
        within(one({ kind: "triangular", low: 0, mode: 1, high: 4, bounds: [3, 9] }, n, "lhs"), 3, 4),
      ).toBe(true);
    });

    it("bounds that truncate nothing leave a sample byte for byte as it was", () => {
      const cases: [Prior, Prior][] = [
        [
          { kind: "uniform", low: 2, high: 5 },
          { kind: "uniform", low: 2, high: 5, bounds: [0, 5] },
        ],
        [
          { kind: "loguniform", low: 0.1, high: 100 },
          { kind: "loguniform", low: 0.1, high: 100, bounds: [-1, Number.POSITIVE_INFINITY] },
        ],
        [
          { kind: "triangular", low: 94, mode: 95, high: 96.5 },
          { kind: "triangular", low: 94, mode: 95, high: 96.5, bounds: [94, 100] },
        ],
      ];
      for (const method of ["mc", "lhs"] as const)
        for (const [plain, bounded] of cases)
          expect(one(bounded, 50, method)).toEqual(one(plain, 50, method));
    });

    it("a fixed value inside its bounds is kept; outside them it is an error", () => {
      expect(one({ kind: "fixed", value: 1, bounds: [0, 2] }, 3)).toEqual([1, 1, 1]);
      expect(one({ kind: "fixed", value: 2, bounds: [0, 2] }, 1)).toEqual([2]);
      const run = () => one({ kind: "fixed", value: 1, bounds: [2, 3] }, 3);
      expect(run).toThrow(PriorError);
      expect(run).toThrow(
        'Parameter "p": fixed value 1 lies outside its bounds [2, 3]; change the value, or widen the bounds',
      );
    });

    it("bounds that do not overlap the distribution's support are an error, named at `bounds`", () => {
      const cases: [Prior, string][] = [
        [
          { kind: "uniform", low: 0, high: 1, bounds: [5, 6] },
          "uniform prior on [0, 1] has bounds [5, 6], which do not overlap it: no value can be drawn; correct the bounds or the distribution",
        ],
        [
          { kind: "uniform", low: 0, high: 1, bounds: [1, 6] },
          "uniform prior on [0, 1] has bounds [1, 6], which do not overlap it",
        ],
        [
          { kind: "loguniform", low: 1, high: 10, bounds: [-5, 0.5] },
          "loguniform prior on [1, 10] has bounds [-5, 0.5], which do not overlap it",
        ],
        [
          { kind: "triangular", low: 0, mode: 1, high: 4, bounds: [-3, -1] },
          "triangular prior on [0, 4] has bounds [-3, -1], which do not overlap it",
        ],
      ];
      for (const [prior, message] of cases) {
        try {
          one(prior, 3);
          expect.unreachable();
        } catch (e) {
          expect(e).toBeInstanceOf(PriorError);
          expect((e as PriorError).field).toBe("bounds");
          expect((e as PriorError).parameter).toBe("p");
          expect((e as PriorError).detail).toContain(message);
        }
      }
    });

    it("a prior whose draws overflow to Infinity is an error at the prior, with the fix", () => {
      const run = () => one({ kind: "lognormal", log10Mean: 400, log10Sd: 1 }, 5);
      expect(run).toThrow(PriorError);
      expect(run).toThrow(
        'Parameter "p": lognormal prior [400, 1] draws Infinity: its numbers are the mean and sd of log10(value), so it centres on 10^400, beyond the largest number (about 1.8e308); for values around 400, write [2.60206, sd]',
      );
      // A range wider than the largest number is still drawn across, not piled on its top.
      const wide = one({ kind: "uniform", low: -1e308, high: 1e308 }, 100, "lhs");
      expect(wide.every((x) => x > -1e308 && x < 1e308)).toBe(true);
      expect(wide.filter((x) => x < 0).length).toBe(50);
      expect(() => one({ kind: "normal", mean: 1e308, sd: 1e308 }, 50)).toThrow(
        /normal prior .* draws -?Infinity/,
      );
    });
  });

  describe("validation", () => {
    const base = { n: 10, method: "mc" as const, seed: 1 };
    const fails = (
      options: Partial<SamplingOptions> & { priors?: SamplingOptions["priors"] },
      message: RegExp,
    ) => {
      const run = () => sampleRealisations({ ...base, priors, ...options } as SamplingOptions);
      expect(run).toThrow(UserError);
      expect(run).toThrow(message);
    };
    const withPrior = (prior: unknown, message: RegExp) =>
      fails({ priors: [{ name: "hk1", prior: prior as Prior }] }, message);

    it("checks the options", () => {
      fails({ n: 0 }, /Sample size n must be a whole number of at least 1 \(got 0\)/);
      fails({ n: 2.5 }, /Sample size n must be a whole number/);
      fails({ n: 1e8 }, /sample in smaller batches/);
      fails({ method: "sobol" as "mc" }, /Sampling method must be "mc".*got "sobol"/);
      fails({ seed: 1.5 }, /Seed must be a whole number/);
      fails({ seed: Number.NaN }, /Seed must be a whole number/);
      fails({ firstId: -1 }, /firstId must be a whole number of at least 0/);
      fails({ priors: [] }, /No parameters to sample/);
    });

    it("checks names", () => {
      fails({ priors: [{ name: "", prior: { kind: "fixed", value: 1 } }] }, /empty name/);
      fails({ priors: [{ name: "hk 1", prior: { kind: "fixed", value: 1 } }] }, /"hk 1" contains whitespace/);
      fails(
        {
          priors: [
            { name: "hk1", prior: { kind: "fixed", value: 1 } },
            { name: "HK1", prior: { kind: "fixed", value: 2 } },
          ],
        },
        /Parameter "HK1" is given twice \(as "hk1" too; names are case-insensitive\)/,
      );
    });

    it("checks each prior, naming the parameter and the fix", () => {
      withPrior({ kind: "gamma" }, /Parameter "hk1": unknown prior kind "gamma"; use one of fixed, uniform/);
      withPrior(
        { kind: "fixed", value: Number.NaN },
        /Parameter "hk1": fixed prior value must be a finite number/,
      );
      withPrior(
        { kind: "uniform", low: 5, high: 1 },
        /Parameter "hk1": uniform prior needs low < high \(got low 5/,
      );
      withPrior({ kind: "uniform", low: 1 }, /uniform prior high must be a finite number/);
      withPrior({ kind: "loguniform", low: 0, high: 10 }, /Parameter "hk1": loguniform prior needs low > 0/);
      withPrior({ kind: "loguniform", low: 10, high: 1 }, /loguniform prior needs low < high/);
      withPrior({ kind: "normal", mean: 1, sd: 0 }, /Parameter "hk1": normal prior needs sd > 0/);
      withPrior({ kind: "normal", mean: 1, sd: -1 }, /normal prior needs sd > 0/);
      withPrior({ kind: "normal", mean: 0, sd: 1, bounds: [2, 1] }, /bounds must be ordered low < high/);
      withPrior({ kind: "normal", mean: 0, sd: 1, bounds: [1, 1] }, /bounds must be ordered low < high/);
      withPrior({ kind: "normal", mean: 0, sd: 1, bounds: [1] }, /bounds must be two numbers/);
      withPrior(
        { kind: "normal", mean: 0, sd: 1, bounds: [40, 50] },
        /Parameter "hk1": normal prior has bounds \[40, 50\] so far into the tail .* widen the bounds/,
      );
      withPrior({ kind: "truncnormal", mean: 0, sd: 1 }, /Parameter "hk1": truncnormal prior needs bounds/);
      withPrior({ kind: "lognormal", log10Mean: 0, log10Sd: 0 }, /lognormal prior needs log10Sd > 0/);
      withPrior(
        { kind: "lognormal", log10Mean: 0, log10Sd: 1, bounds: [-2, -1] },
        /Parameter "hk1": lognormal prior has bounds \[-2, -1\] outside \(0, inf\)/,
      );
      withPrior({ kind: "lognormal", log10Mean: 0, log10Sd: 0.1, bounds: [1e50, 1e60] }, /no probability/);
      withPrior({ kind: "triangular", low: 1, mode: 2, high: 1 }, /triangular prior needs low < high/);
      withPrior(
        { kind: "triangular", low: 0, mode: 5, high: 4 },
        /Parameter "hk1": triangular prior needs low <= mode <= high \(got mode 5 outside \[0, 4\]\)/,
      );
    });
  });
});
