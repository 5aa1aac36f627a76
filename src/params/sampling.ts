// Seeded, reproducible sampling of parameter priors (Monte Carlo or Latin hypercube) for runs
// that have no par files: every value comes from inverting the prior's CDF, so truncated priors
// are sampled inside their bounds, never clipped onto them. Bounds truncate every distribution;
// bounds that truncate nothing leave its values exactly as without them.
//
// Reproducibility: a parameter's values depend only on the seed, its lower-cased name, its
// prior, `n` and the method. Each parameter draws from its own stream (xoshiro128** keyed by
// the seed and a hash of the name), so adding, removing or reordering other parameters leaves
// its values unchanged; renaming it changes them. With "mc" a sample of k is also the first k
// realisations of any larger sample; with "lhs" every value depends on `n`. The generator is
// exact 32-bit integer arithmetic; the transforms use Math.exp/log/pow/sqrt, which V8 computes
// in software (fdlibm), so samples match byte for byte across machines. A golden test pins them.

import { UserError } from "../errors.ts";
import { ColumnIndex, RowValues } from "./parameter-matrix.ts";
import type { Prior, Realisation, SamplingOptions } from "./types.ts";

/** Beyond this a sample no longer fits comfortably in memory; nobody runs a model that often. */
const MAX_SAMPLES = 10_000_000;
/** The largest double below 1: unit values are kept in (0, 1) so no quantile is infinite. */
const ONE_BELOW = 1 - 2 ** -53;

/** A prior that cannot be sampled: names the parameter and, where one is to blame, the key of
 * the prior that is wrong (`bounds`, or the distribution's own key such as `uniform`). */
export class PriorError extends UserError {
  readonly parameter: string;
  readonly field: string | undefined;
  /** The message without the parameter's name. */
  readonly detail: string;
  constructor(parameter: string, field: string | undefined, detail: string) {
    super(`Parameter "${parameter}": ${detail}`);
    this.name = "PriorError";
    this.parameter = parameter;
    this.field = field;
    this.detail = detail;
  }
}

/** Checks a prior without drawing from it: the PriorError sampling it would throw, if any (a
 * prior whose draws overflow is only found by drawing). */
export function priorProblem(name: string, prior: Prior): PriorError | undefined {
  try {
    if (prior?.kind === "fixed") checkFixed(name, prior);
    else compilePrior(name, prior);
    return undefined;
  } catch (e) {
    if (e instanceof PriorError) return e;
    throw e;
  }
}

/** Draws `options.n` realisations; see the module comment for what makes them reproducible.
 * Throws `UserError` naming the parameter and the fix when an option or prior is invalid. */
export function sampleRealisations(options: SamplingOptions): Realisation[] {
  const { n, method, seed } = options;
  const firstId = options.firstId ?? 1;
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError(`Sample size n must be a whole number of at least 1 (got ${String(n)}).`);
  }
  if (n > MAX_SAMPLES) {
    throw new UserError(`Sample size n = ${n} is more than ${MAX_SAMPLES}; sample in smaller batches.`);
  }
  if (method !== "mc" && method !== "lhs") {
    throw new UserError(
      `Sampling method must be "mc" (Monte Carlo) or "lhs" (Latin hypercube), got ${JSON.stringify(method)}.`,
    );
  }
  if (!Number.isSafeInteger(seed)) {
    throw new UserError(
      `Seed must be a whole number between -(2^53 - 1) and 2^53 - 1 (got ${String(seed)}); pick any integer.`,
    );
  }
  if (!Number.isSafeInteger(firstId) || firstId < 0 || !Number.isSafeInteger(firstId + n - 1)) {
    throw new UserError(`firstId must be a whole number of at least 0 (got ${String(firstId)}).`);
  }
  if (options.priors.length === 0) {
    throw new UserError("No parameters to sample: give a prior for at least one parameter.");
  }

  const seen = new Map<string, string>();
  const columns: { name: string; values: Float64Array }[] = [];
  for (const { name: rawName, prior } of options.priors) {
    const name = checkName(rawName);
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      throw new UserError(
        `Parameter "${rawName}" is given twice` +
          (earlier === rawName ? "" : ` (as "${earlier}" too; names are case-insensitive)`) +
          "; remove or rename one.",
      );
    }
    seen.set(name, rawName);
    columns.push({ name, values: drawColumn(name, rawName, prior, n, method, seed) });
  }

  // One row per realisation (parameter-matrix.ts), the parameters in the order of the priors.
  const index = new ColumnIndex(columns.map((c) => c.name));
  const width = columns.length;
  const all = new Float64Array(n * width);
  for (let c = 0; c < width; c++) {
    const drawn = columns[c]!.values;
    for (let i = 0; i < n; i++) all[i * width + c] = drawn[i]!;
  }
  const realisations: Realisation[] = new Array(n);
  for (let i = 0; i < n; i++) {
    realisations[i] = {
      id: String(firstId + i),
      values: new RowValues(index, all.subarray(i * width, (i + 1) * width)),
    };
  }
  return realisations;
}

function checkName(name: string): string {
  if (typeof name !== "string" || name.trim() === "") {
    throw new UserError(`A parameter has an empty name (${JSON.stringify(name)}); give every prior a name.`);
  }
  if (/\s/.test(name)) {
    throw new UserError(
      `Parameter name ${JSON.stringify(name)} contains whitespace, which PEST files cannot hold; remove it.`,
    );
  }
  return name.toLowerCase();
}

function drawColumn(
  name: string,
  rawName: string,
  prior: Prior,
  n: number,
  method: "mc" | "lhs",
  seed: number,
): Float64Array {
  const out = new Float64Array(n);
  if (prior?.kind === "fixed") {
    out.fill(checkFixed(rawName, prior));
    return out;
  }
  const inverse = compilePrior(rawName, prior);
  const rng = parameterStream(seed, name);
  if (method === "mc") {
    for (let i = 0; i < n; i++) out[i] = inverse(rng.nextOpen());
    return finiteDraws(rawName, prior, out);
  }
  // Permutation first, then jitter: this order is part of what a seed means, so changing it
  // would change every Latin hypercube sample already drawn.
  const strata = new Uint32Array(n);
  for (let i = 0; i < n; i++) strata[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.nextBelow(i + 1);
    const t = strata[i]!;
    strata[i] = strata[j]!;
    strata[j] = t;
  }
  for (let i = 0; i < n; i++) {
    // (k + u) / n can round up to exactly 1 for the top stratum.
    out[i] = inverse(Math.min((strata[i]! + rng.nextOpen()) / n, ONE_BELOW));
  }
  return finiteDraws(rawName, prior, out);
}

/** A draw beyond the largest double becomes ±Infinity, which no model input can hold: most
 * often a lognormal given the value's mean rather than its log10. */
function finiteDraws(name: string, prior: Prior, out: Float64Array): Float64Array {
  const bad = out.find((x) => !Number.isFinite(x));
  if (bad === undefined) return out;
  const numbers = priorNumbers(prior);
  const start = `${prior.kind} prior [${numbers.join(", ")}] draws ${bad}`;
  if (prior.kind === "lognormal" && !Number.isFinite(10 ** prior.log10Mean)) {
    const around =
      prior.log10Mean > 0
        ? `; for values around ${prior.log10Mean}, write [${Number(Math.log10(prior.log10Mean).toPrecision(6))}, sd]`
        : "";
    throw new PriorError(
      name,
      prior.kind,
      `${start}: its numbers are the mean and sd of log10(value), so it centres on 10^${prior.log10Mean}, beyond the largest number (about 1.8e308)${around}`,
    );
  }
  throw new PriorError(
    name,
    prior.kind,
    `${start}, beyond the largest number (about 1.8e308); give it bounds, or narrow its spread`,
  );
}

function priorNumbers(prior: Prior): number[] {
  switch (prior.kind) {
    case "fixed":
      return [prior.value];
    case "uniform":
    case "loguniform":
      return [prior.low, prior.high];
    case "normal":
    case "truncnormal":
      return [prior.mean, prior.sd];
    case "lognormal":
      return [prior.log10Mean, prior.log10Sd];
    case "triangular":
      return [prior.low, prior.mode, prior.high];
  }
}

/** A fixed prior's value, which must lie inside its bounds (a value outside them contradicts
 * them; sampling never moves it). */
function checkFixed(name: string, prior: Extract<Prior, { kind: "fixed" }>): number {
  const value = finite(name, "fixed", "value", prior.value);
  const [lo, hi] = checkBounds(name, "fixed", prior.bounds);
  if (!(value >= lo && value <= hi)) {
    throw new PriorError(
      name,
      "bounds",
      `fixed value ${value} lies outside its bounds [${lo}, ${hi}]; change the value, or widen the bounds`,
    );
  }
  return value;
}

// --- priors ---------------------------------------------------------------------------------

type Inverse = (v: number) => number;

/** Validates a (non-fixed) prior and returns its inverse CDF on (0, 1), truncation included. */
function compilePrior(name: string, prior: Prior): Inverse {
  const fail = (kind: string, detail: string, field: string = kind) =>
    new PriorError(name, field, `${kind} prior ${detail}`);
  /** The support [low, high] cut to the bounds; unchanged when they truncate nothing. */
  const cut = (kind: string, low: number, high: number, bounds: readonly [number, number] | undefined) => {
    const [blo, bhi] = checkBounds(name, kind, bounds);
    const lo = Math.max(low, blo);
    const hi = Math.min(high, bhi);
    if (!(lo < hi)) {
      throw fail(
        kind,
        `on [${low}, ${high}] has bounds [${blo}, ${bhi}], which do not overlap it: no value can be drawn; correct the bounds or the distribution.`,
        "bounds",
      );
    }
    return [lo, hi] as const;
  };
  switch (prior?.kind) {
    case "uniform": {
      const low0 = finite(name, "uniform", "low", prior.low);
      const high0 = finite(name, "uniform", "high", prior.high);
      if (!(low0 < high0))
        throw fail("uniform", `needs low < high (got low ${low0}, high ${high0}); swap or correct them.`);
      // Uniform truncated to its bounds is uniform on what is left.
      const [low, high] = cut("uniform", low0, high0, prior.bounds);
      // A range wider than the largest double (-1e308 to 1e308) would put every draw on `high`.
      if (!Number.isFinite(high - low)) return (v) => clamp(low * (1 - v) + high * v, low, high);
      return (v) => clamp(low + v * (high - low), low, high);
    }
    case "loguniform": {
      const low0 = finite(name, "loguniform", "low", prior.low);
      const high0 = finite(name, "loguniform", "high", prior.high);
      if (!(low0 > 0)) {
        throw fail(
          "loguniform",
          `needs low > 0 (got low ${low0}); use a small positive low, or a uniform prior if zero or negative values are meant.`,
        );
      }
      if (!(low0 < high0)) {
        throw fail("loguniform", `needs low < high (got low ${low0}, high ${high0}); swap or correct them.`);
      }
      const [low, high] = cut("loguniform", low0, high0, prior.bounds);
      const a = Math.log(low);
      const span = Math.log(high) - a;
      return (v) => clamp(Math.exp(a + v * span), low, high);
    }
    case "normal":
    case "truncnormal": {
      const kind = prior.kind;
      const mean = finite(name, kind, "mean", prior.mean);
      const sd = finite(name, kind, "sd", prior.sd);
      if (!(sd > 0)) throw fail(kind, `needs sd > 0 (got ${sd}); use a fixed prior for a constant value.`);
      if (kind === "truncnormal" && prior.bounds === undefined) {
        throw fail(
          kind,
          "needs bounds [low, high]; give them, or use a normal prior for no truncation.",
          "bounds",
        );
      }
      const [lo, hi] = checkBounds(name, kind, prior.bounds);
      const z = truncatedStandardNormal((lo - mean) / sd, (hi - mean) / sd, () =>
        fail(
          kind,
          `has bounds [${lo}, ${hi}] so far into the tail of N(${mean}, ${sd}) that they hold no probability; ` +
            "widen the bounds or move the mean towards them.",
          "bounds",
        ),
      );
      return (v) => clamp(mean + sd * z(v), lo, hi);
    }
    case "lognormal": {
      const mu = finite(name, "lognormal", "log10Mean", prior.log10Mean);
      const sigma = finite(name, "lognormal", "log10Sd", prior.log10Sd);
      if (!(sigma > 0)) {
        throw fail("lognormal", `needs log10Sd > 0 (got ${sigma}); use a fixed prior for a constant value.`);
      }
      const [lo, hi] = checkBounds(name, "lognormal", prior.bounds);
      if (!(hi > 0)) {
        throw fail(
          "lognormal",
          `has bounds [${lo}, ${hi}] outside (0, inf), where all its values lie; give an upper bound above 0.`,
          "bounds",
        );
      }
      // A lower bound at or below zero truncates nothing.
      const logLo = lo > 0 ? Math.log10(lo) : Number.NEGATIVE_INFINITY;
      const logHi = Math.log10(hi);
      const z = truncatedStandardNormal((logLo - mu) / sigma, (logHi - mu) / sigma, () =>
        fail(
          "lognormal",
          `has bounds [${lo}, ${hi}] so far into the tail (log10 mean ${mu}, log10 sd ${sigma}) that they hold ` +
            "no probability; widen the bounds or move log10Mean towards them.",
          "bounds",
        ),
      );
      return (v) => clamp(10 ** (mu + sigma * z(v)), lo, hi);
    }
    case "triangular": {
      const low = finite(name, "triangular", "low", prior.low);
      const mode = finite(name, "triangular", "mode", prior.mode);
      const high = finite(name, "triangular", "high", prior.high);
      if (!(low < high)) {
        throw fail("triangular", `needs low < high (got low ${low}, high ${high}); swap or correct them.`);
      }
      if (!(mode >= low && mode <= high)) {
        throw fail("triangular", `needs low <= mode <= high (got mode ${mode} outside [${low}, ${high}]).`);
      }
      const width = high - low;
      if (!Number.isFinite(width)) {
        throw fail(
          "triangular",
          `spans [${low}, ${high}], wider than the largest number (about 1.8e308); narrow it.`,
        );
      }
      const split = (mode - low) / width;
      const inverse = (v: number) =>
        v < split
          ? low + Math.sqrt(v * width * (mode - low))
          : high - Math.sqrt((1 - v) * width * (high - mode));
      const [lo, hi] = cut("triangular", low, high, prior.bounds);
      if (lo === low && hi === high) return (v) => clamp(inverse(v), low, high);
      const cdf = (x: number) =>
        x <= low
          ? 0
          : x >= high
            ? 1
            : x <= mode
              ? (x - low) ** 2 / (width * (mode - low))
              : 1 - (high - x) ** 2 / (width * (high - mode));
      const pLo = cdf(lo);
      const pWidth = cdf(hi) - pLo;
      if (!(pWidth > 0)) {
        throw fail(
          "triangular",
          `has bounds [${lo}, ${hi}] too narrow to hold any probability; widen them.`,
          "bounds",
        );
      }
      return (v) => clamp(inverse(pLo + v * pWidth), lo, hi);
    }
    default: {
      const kind = (prior as { kind?: unknown } | undefined)?.kind;
      throw new PriorError(
        name,
        undefined,
        `unknown prior kind ${JSON.stringify(kind)}; use one of fixed, uniform, loguniform, ` +
          "normal, lognormal, truncnormal, triangular.",
      );
    }
  }
}

function finite(name: string, kind: string, field: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new PriorError(
      name,
      kind,
      `${kind} prior ${field} must be a finite number (got ${JSON.stringify(value) ?? String(value)}).`,
    );
  }
  return value;
}

/** Bounds may be infinite (a one-sided truncation); absent bounds truncate nothing. */
function checkBounds(
  name: string,
  kind: string,
  bounds: readonly [number, number] | undefined,
): readonly [number, number] {
  if (bounds === undefined) return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
  const [lo, hi] = Array.isArray(bounds) ? bounds : [];
  if (!Array.isArray(bounds) || bounds.length !== 2 || typeof lo !== "number" || typeof hi !== "number") {
    throw new PriorError(name, "bounds", `${kind} prior bounds must be two numbers [low, high].`);
  }
  if (Number.isNaN(lo) || Number.isNaN(hi) || !(lo < hi)) {
    throw new PriorError(
      name,
      "bounds",
      `${kind} prior bounds must be ordered low < high (got [${lo}, ${hi}]); swap or correct them.`,
    );
  }
  return [lo, hi];
}

/** Inverse CDF of the standard normal truncated to [a, b]. An interval in the upper half is
 * sampled as the mirror of its reflection, because CDF values near 1 lose the precision that
 * values near 0 keep (Φ(-9) is 1e-19; Φ(9) is exactly 1 in double precision). */
function truncatedStandardNormal(a: number, b: number, noMass: () => Error): Inverse {
  const flip = a + b > 0;
  const pLo = normalCdf(flip ? -b : a);
  const pHi = normalCdf(flip ? -a : b);
  const width = pHi - pLo;
  if (!(width > 0)) throw noMass();
  if (flip) return (v) => -normalQuantile(Math.min(pLo + v * width, ONE_BELOW));
  return (v) => normalQuantile(Math.min(pLo + v * width, ONE_BELOW));
}

function clamp(x: number, lo: number, hi: number): number {
  // Only rounding in the last bit can reach a bound; this keeps it from crossing one.
  return Math.min(Math.max(x, lo), hi);
}

// --- random streams -------------------------------------------------------------------------

/** xoshiro128** 1.1 (Blackman & Vigna): small, fast, and exact in 32-bit JavaScript integer
 * arithmetic, hence identical everywhere. */
export class Xoshiro128ss {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `state` is four 32-bit words, not all zero. */
  constructor(state: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((w) => w >>> 0) as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0)
      throw new Error("xoshiro128** state must not be all zero");
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform double strictly inside (0, 1): the centre of one of 2^52 equal cells, so
   * neither 0 nor 1 (which would make unbounded quantiles infinite) can occur. */
  nextOpen(): number {
    const hi = this.nextUint32() >>> 6;
    const lo = this.nextUint32() >>> 6;
    return (hi * 2 ** 26 + lo + 0.5) * 2 ** -52;
  }

  /** A uniform integer in [0, bound), bound <= 2^32, without modulo bias (rejection). */
  nextBelow(bound: number): number {
    const limit = 2 ** 32 - (2 ** 32 % bound);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % bound;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const MASK64 = (1n << 64n) - 1n;

/** SplitMix64 (Steele, Lea & Flood), the generator recommended for seeding xoshiro: returns
 * the next output and the advanced state. */
export function splitMix64(state: bigint): { value: bigint; state: bigint } {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return { value: z ^ (z >> 31n), state: next };
}

/** 64-bit FNV-1a of the name's UTF-8 bytes. */
function fnv1a64(text: string): bigint {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(text)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & MASK64;
  return h;
}

/** The stream a parameter draws from: keyed by the seed and the parameter's name. */
export function parameterStream(seed: number, name: string): Xoshiro128ss {
  // Mixing the seed first keeps nearby seeds from giving related keys.
  let state = splitMix64(BigInt.asUintN(64, BigInt(seed))).value ^ fnv1a64(name);
  const words: number[] = [];
  for (let i = 0; i < 2; i++) {
    const step = splitMix64(state);
    state = step.state;
    words.push(Number(step.value & 0xffffffffn), Number(step.value >> 32n));
  }
  // SplitMix64 is a bijection of its counter, so two consecutive zero outputs cannot occur.
  return new Xoshiro128ss(words as [number, number, number, number]);
}

// --- normal distribution --------------------------------------------------------------------

/** The standard normal CDF Φ(x), accurate to about 1e-15 relative in the lower tail. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  return 0.5 * erfc(-x * Math.SQRT1_2);
}

// AS 241 coefficients, lowest degree first: numerator and denominator of the rational
// approximations for the centre (|p - 0.5| <= 0.425), the near tail and the far tail.
const AS241_A = [
  3.3871328727963665, 133.14166789178438, 1971.5909503065513, 13731.69376550946, 45921.95393154987,
  67265.7709270087, 33430.57558358813, 2509.0809287301227,
];
const AS241_B = [
  1, 42.31333070160091, 687.1870074920579, 5394.196021424751, 21213.794301586597, 39307.89580009271,
  28729.085735721943, 5226.495278852854,
];
const AS241_C = [
  1.4234371107496835, 4.630337846156546, 5.769497221460691, 3.6478483247632045, 1.2704582524523684,
  0.2417807251774506, 0.022723844989269184, 7.745450142783414e-4,
];
const AS241_D = [
  1, 2.053191626637759, 1.6763848301838038, 0.6897673349851, 0.14810397642748008, 0.015198666563616457,
  5.475938084995345e-4, 1.0507500716444169e-9,
];
const AS241_E = [
  6.657904643501103, 5.463784911164114, 1.7848265399172913, 0.29656057182850487, 0.026532189526576124,
  0.0012426609473880784, 2.7115555687434876e-5, 2.0103343992922881e-7,
];
const AS241_F = [
  1, 0.599832206555888, 0.1369298809227358, 0.014875361290850615, 7.868691311456133e-4, 1.8463183175100548e-5,
  1.421511758316446e-7, 2.0442631033899397e-15,
];

/** c[0] + c[1] x + c[2] x^2 + ... by Horner's rule. */
function polynomial(c: readonly number[], x: number): number {
  let sum = 0;
  for (let i = c.length - 1; i >= 0; i--) sum = sum * x + c[i]!;
  return sum;
}

/** The standard normal quantile Φ⁻¹(p): Wichura's algorithm AS 241 (PPND16), relative
 * accuracy about 1e-15. Returns -Infinity for p <= 0 and Infinity for p >= 1. */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p)) return Number.NaN;
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (q * polynomial(AS241_A, r)) / polynomial(AS241_B, r);
  }
  const r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  const value =
    r <= 5
      ? polynomial(AS241_C, r - 1.6) / polynomial(AS241_D, r - 1.6)
      : polynomial(AS241_E, r - 5) / polynomial(AS241_F, r - 5);
  return q < 0 ? -value : value;
}

/** The error function, by W. J. Cody's rational approximations (CALERF, 1969/1990). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  if (y <= 0.5) return x * erfSmall(y);
  const c = erfcPositive(y);
  return x < 0 ? c - 1 : 1 - c;
}

/** The complementary error function 1 - erf(x), accurate in the tail where 1 - erf(x) is not;
 * by W. J. Cody's rational approximations (CALERF). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const y = Math.abs(x);
  if (y <= 0.5) return 1 - x * erfSmall(y);
  const c = erfcPositive(y);
  return x < 0 ? 2 - c : c;
}

/** erf(x) / x for |x| <= 0.5. */
function erfSmall(y: number): number {
  // Below this, y^2 vanishes against the constant term (Cody's XSMALL).
  const ysq = y > 1.11e-16 ? y * y : 0;
  let num = 0.18577770618460315 * ysq;
  let den = ysq;
  num = (num + 3.1611237438705655) * ysq;
  den = (den + 23.601290952344122) * ysq;
  num = (num + 113.86415415105016) * ysq;
  den = (den + 244.02463793444417) * ysq;
  num = (num + 377.485237685302) * ysq;
  den = (den + 1282.6165260773723) * ysq;
  return (num + 3209.3775891384694) / (den + 2844.236833439171);
}

/** erfc(y) for y > 0.5. */
function erfcPositive(y: number): number {
  // Beyond Cody's XBIG, erfc underflows.
  if (y >= 26.543) return 0;
  let result: number;
  if (y <= 4) {
    let num = 2.1531153547440383e-8 * y;
    let den = y;
    const c = [
      0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769,
      1712.0476126340707, 2051.0783778260716,
    ];
    const d = [
      15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597,
      4362.619090143247, 3439.3676741437216,
    ];
    for (let i = 0; i < 7; i++) {
      num = (num + c[i]!) * y;
      den = (den + d[i]!) * y;
    }
    result = (num + 1230.3393547979972) / (den + 1230.3393548037495);
  } else {
    const z = 1 / (y * y);
    let num = 0.016315387137302097 * z;
    let den = z;
    const p = [0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275];
    const q = [2.568520192289822, 1.8729528499234673, 0.5279051029514285, 0.06051834131244132];
    for (let i = 0; i < 4; i++) {
      num = (num + p[i]!) * z;
      den = (den + q[i]!) * z;
    }
    result = (z * (num + 0.0006587491615298378)) / (den + 0.0023352049762686918);
    result = (0.5641895835477563 - result) / y;
  }
  // exp(-y^2) split as exp(-r^2) exp(-(y - r)(y + r)) with r = y rounded down to 1/16: y^2
  // rounds badly in one step where the result is tiny.
  const r = Math.trunc(y * 16) / 16;
  return Math.exp(-r * r) * Math.exp(-(y - r) * (y + r)) * result;
}
