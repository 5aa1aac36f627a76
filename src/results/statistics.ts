// Distribution statistics of one column of values: count, mean, standard deviation, extremes,
// quantiles and exceedance probabilities. NaN marks a missing value and is never counted.
//
// Quantiles use numpy's default method ("linear", Hyndman & Fan type 7): for n sorted values
// x[0..n-1] and a quantile q, h = (n - 1) q, lo = floor(h), g = h - lo, and the quantile is
// x[lo] + g (x[lo+1] - x[lo]) (numpy's lerp, written from the upper end when g >= 0.5, is used
// so results match numpy to the last bit). One value gives that value for every q.
//
// Order statistics of a column (a few thousand values) come from a bucket sort over its range:
// linear time for the smooth distributions model outputs have. A pooled group can hold
// millions of values of which only a few order statistics are wanted: a histogram pass finds
// the bins holding them and only those bins are sorted, or, when a heavy tail crowds them into
// one bin, they are found by selection (Floyd-Rivest).
import { type DistributionStats, type QuantileKey, quantileKey } from "./summary.ts";

// Keys are asked for once per quantile per column: 25,000 times for 5,000 columns.
const keys = new Map<number, QuantileKey>();
function keyOf(q: number): QuantileKey {
  let key = keys.get(q);
  if (key === undefined) {
    key = quantileKey(q);
    keys.set(q, key);
  }
  return key;
}

/** Copies the non-NaN values of `column` into the front of `into` and returns how many. */
export function compactValues(column: ArrayLike<number>, into: Float64Array, at = 0): number {
  let n = at;
  for (let i = 0; i < column.length; i++) {
    const v = column[i]!;
    if (!Number.isNaN(v)) into[n++] = v;
  }
  return n - at;
}

/** The statistics of `column`, ignoring NaN. `scratch` (at least column.length long) saves an
 * allocation when describing many columns. */
export function describe(
  column: ArrayLike<number>,
  quantiles: readonly number[],
  scratch?: Float64Array,
): DistributionStats {
  const buffer =
    scratch !== undefined && scratch.length >= column.length ? scratch : new Float64Array(column.length);
  return describeValues(buffer, compactValues(column, buffer), quantiles);
}

/** The statistics of values[0..n), none of them NaN. May reorder those values. */
export function describeValues(
  values: Float64Array,
  n: number,
  quantiles: readonly number[],
): DistributionStats {
  if (n === 0) {
    return { count: 0, mean: null, std: null, min: null, max: null, quantiles: nullQuantiles(quantiles) };
  }
  let sum = 0;
  let min = values[0]!;
  let max = min;
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  // Rounding in the sum can put the mean of equal values a hair outside them.
  const mean = min === max ? min : Math.min(Math.max(sum / n, min), max);
  // Two passes (mean, then squared deviations) keep the variance accurate when the values sit
  // far from zero with a small spread, as heads in metres above datum do.
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean;
    squares += d * d;
  }
  return {
    count: n,
    mean,
    std: n > 1 ? Math.sqrt(squares / (n - 1)) : null,
    min,
    max,
    quantiles: quantilesByKey(values, n, min, max, quantiles),
  };
}

/**
 * The statistics of several columns' values taken together (NaN ignored); `parts` are the
 * columns' own statistics. Count, mean, std, min and max are combined from the parts' (Chan,
 * Golub & LeVeque's pairwise update: exact but for rounding); quantiles are read from the
 * columns without copying them when there are many values (see pooledOrderStatistics).
 */
export function describePooled(
  columns: readonly ArrayLike<number>[],
  parts: readonly DistributionStats[],
  quantiles: readonly number[],
): DistributionStats {
  let n = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const p of parts) {
    if (p.count === 0) continue;
    n += p.count;
    sum += p.count * p.mean!;
    if (p.min! < min) min = p.min!;
    if (p.max! > max) max = p.max!;
  }
  if (n === 0) return describeValues(new Float64Array(0), 0, quantiles);
  const mean = min === max ? min : Math.min(Math.max(sum / n, min), max);
  let squares = 0;
  for (const p of parts) {
    if (p.count === 0) continue;
    const within = p.std === null ? 0 : (p.count - 1) * p.std * p.std;
    const d = p.mean! - mean;
    squares += within + p.count * d * d;
  }
  const positions = quantilePositions(n, quantiles);
  let at = n > SORT_LIMIT ? pooledOrderStatistics(columns, n, min, max, positions.ranks) : undefined;
  if (at === undefined) {
    const values = new Float64Array(n);
    let filled = 0;
    for (const c of columns) filled += compactValues(c, values, filled);
    if (filled !== n) throw new RangeError(`the columns hold ${filled} values, their statistics count ${n}`);
    if (n <= SORT_LIMIT) {
      const sorted = sortedValues(values, n, min, max);
      at = new Map(positions.ranks.map((r) => [r, sorted[r]!]));
    } else {
      selectMany(values, positions.ranks, 0, positions.ranks.length - 1, 0, n - 1);
      at = new Map(positions.ranks.map((r) => [r, values[r]!]));
    }
  }
  const byKey: Record<QuantileKey, number | null> = {};
  for (const p of positions.each) byKey[keyOf(p.q)] = lerp(at.get(p.lo)!, at.get(p.hi)!, p.gamma);
  return { count: n, mean, std: n > 1 ? Math.sqrt(squares / (n - 1)) : null, min, max, quantiles: byKey };
}

/** Where each quantile falls among n sorted values, and the ranks that takes, ascending. */
function quantilePositions(n: number, quantiles: readonly number[]) {
  const each = quantiles.map((q) => {
    const h = (n - 1) * q;
    const lo = Math.min(Math.max(Math.floor(h), 0), n - 1);
    return { q, lo, hi: Math.min(lo + 1, n - 1), gamma: h - lo };
  });
  const ranks = [...new Set(each.flatMap((p) => (p.gamma > 0 ? [p.lo, p.hi] : [p.lo])))].sort(
    (a, b) => a - b,
  );
  return { each, ranks };
}

/** Bins of the histogram pooledOrderStatistics counts in. */
const HISTOGRAM_BINS = 1 << 16;

/**
 * The values of the given ranks among all the columns' values (NaN ignored; n of them, within
 * [min, max]), in two passes and without copying: count the values in equal-width bins, then
 * collect and sort only the bins holding a wanted rank. Undefined when those bins hold too many
 * values (a heavy tail crowding one bin), to be found by selection instead.
 */
function pooledOrderStatistics(
  columns: readonly ArrayLike<number>[],
  n: number,
  min: number,
  max: number,
  ranks: readonly number[],
): Map<number, number> | undefined {
  const bins = HISTOGRAM_BINS;
  const scale = bins / (max - min);
  if (!(min < max) || !Number.isFinite(scale)) return undefined;
  const counts = new Int32Array(bins);
  for (const column of columns) {
    for (let i = 0; i < column.length; i++) {
      const v = column[i]!;
      if (Number.isNaN(v)) continue;
      const b = Math.floor((v - min) * scale);
      counts[b < bins ? b : bins - 1]!++;
    }
  }
  // The bin of each rank and the number of values in lower bins.
  const binOf = new Map<number, { bin: number; below: number }>();
  let below = 0;
  let r = 0;
  for (let b = 0; b < bins && r < ranks.length; b++) {
    const c = counts[b]!;
    while (r < ranks.length && ranks[r]! < below + c) binOf.set(ranks[r++]!, { bin: b, below });
    below += c;
  }
  const wantedBins = new Set([...binOf.values()].map((x) => x.bin));
  let collected = 0;
  for (const bin of wantedBins) collected += counts[bin]!;
  if (binOf.size !== ranks.length || collected > Math.max(SORT_LIMIT, n / 8)) return undefined;
  const wanted = new Map(
    [...wantedBins].map((bin) => [bin, { values: new Float64Array(counts[bin]!), filled: 0 }]),
  );
  const flags = new Uint8Array(bins);
  for (const bin of wanted.keys()) flags[bin] = 1;
  for (const column of columns) {
    for (let i = 0; i < column.length; i++) {
      const v = column[i]!;
      if (Number.isNaN(v)) continue;
      let b = Math.floor((v - min) * scale);
      if (b >= bins) b = bins - 1;
      if (flags[b] === 0) continue;
      const w = wanted.get(b)!;
      w.values[w.filled++] = v;
    }
  }
  for (const w of wanted.values()) w.values.sort();
  return new Map(
    ranks.map((rank) => {
      const { bin, below } = binOf.get(rank)!;
      return [rank, wanted.get(bin)!.values[rank - below]!];
    }),
  );
}

/** Beyond this many values, selecting the few order statistics wanted beats sorting them all
 * (and needs no sorted copy). */
const SORT_LIMIT = 1 << 18;

function quantilesByKey(
  values: Float64Array,
  n: number,
  min: number,
  max: number,
  quantiles: readonly number[],
): Record<QuantileKey, number | null> {
  const byKey: Record<QuantileKey, number | null> = {};
  if (quantiles.length === 0) return byKey;
  if (n <= SORT_LIMIT) {
    const sorted = sortedValues(values, n, min, max);
    for (const q of quantiles) byKey[keyOf(q)] = sortedQuantile(sorted, n, q);
  } else {
    const qs = selectQuantiles(values, n, quantiles);
    quantiles.forEach((q, i) => {
      byKey[keyOf(q)] = qs[i]!;
    });
  }
  return byKey;
}

/** The q-quantile of sorted[0..n), n >= 1. */
function sortedQuantile(sorted: Float64Array, n: number, q: number): number {
  const h = (n - 1) * q;
  const lo = Math.min(Math.max(Math.floor(h), 0), n - 1);
  return lerp(sorted[lo]!, sorted[Math.min(lo + 1, n - 1)]!, h - lo);
}

// Work space for sortedValues, grown as needed and reused: describing 5,000 columns would
// otherwise allocate three arrays each.
let bucketOf = new Int32Array(0);
let bucketStarts = new Int32Array(0);
let sortedSpace = new Float64Array(0);

/**
 * values[0..n) sorted ascending, in a shared buffer valid until the next call: values are
 * bucketed over [min, max] (one bucket per value) and the nearly sorted result finished by
 * insertion; when values crowd into few buckets (a heavy tail) a comparison sort takes over.
 */
function sortedValues(values: Float64Array, n: number, min: number, max: number): Float64Array {
  if (sortedSpace.length < n) {
    const size = Math.max(n, 2 * sortedSpace.length);
    bucketOf = new Int32Array(size);
    bucketStarts = new Int32Array(size + 1);
    sortedSpace = new Float64Array(size);
  }
  const out = sortedSpace;
  const scale = n / (max - min);
  if (min === max || !Number.isFinite(scale)) {
    out.set(values.subarray(0, n));
    if (min !== max) out.subarray(0, n).sort();
    return out;
  }
  bucketStarts.fill(0, 0, n + 1);
  for (let i = 0; i < n; i++) {
    let b = Math.floor((values[i]! - min) * scale);
    if (b >= n) b = n - 1;
    bucketOf[i] = b;
    bucketStarts[b + 1]!++;
  }
  for (let b = 0; b < n; b++) bucketStarts[b + 1]! += bucketStarts[b]!;
  for (let i = 0; i < n; i++) out[bucketStarts[bucketOf[i]!]!++] = values[i]!;
  let budget = 16 * n;
  for (let i = 1; i < n; i++) {
    const v = out[i]!;
    let j = i - 1;
    while (j >= 0 && out[j]! > v) {
      out[j + 1] = out[j]!;
      j--;
      if (--budget < 0) {
        out.set(values.subarray(0, n));
        out.subarray(0, n).sort();
        return out;
      }
    }
    out[j + 1] = v;
  }
  return out;
}

/** Every quantile key with a null value: the statistics of no values. */
function nullQuantiles(quantiles: readonly number[]): Record<QuantileKey, number | null> {
  const byKey: Record<QuantileKey, number | null> = {};
  for (const q of quantiles) byKey[keyOf(q)] = null;
  return byKey;
}

/** The q-quantiles (0 <= q <= 1) of values[0..n), n >= 1, none NaN, in the order asked. Reorders
 * those values. */
export function selectQuantiles(values: Float64Array, n: number, quantiles: readonly number[]): number[] {
  if (n === 0) throw new RangeError("selectQuantiles needs at least one value");
  const { each, ranks } = quantilePositions(n, quantiles);
  selectMany(values, ranks, 0, ranks.length - 1, 0, n - 1);
  return each.map((p) => lerp(values[p.lo]!, values[p.hi]!, p.gamma));
}

/** Puts every rank in ranks[first..last] (ascending) in place within values[left..right]:
 * the middle rank first, then the ranks below it in the part below it and the ranks above in
 * the part above, so k ranks cost about n log k rather than n k. */
function selectMany(
  values: Float64Array,
  ranks: readonly number[],
  first: number,
  last: number,
  left: number,
  right: number,
): void {
  if (first > last) return;
  const middle = (first + last) >> 1;
  const k = ranks[middle]!;
  // The neighbour of a selected rank (interpolation wants both) is often the smallest or the
  // largest of what is left: a scan finds it for less than a partition.
  if (k === left) swap(values, k, extremeIndex(values, left, right, -1));
  else if (k === right) swap(values, k, extremeIndex(values, left, right, 1));
  else select(values, k, left, right);
  selectMany(values, ranks, first, middle - 1, left, k - 1);
  selectMany(values, ranks, middle + 1, last, k + 1, right);
}

/** numpy's _lerp: exact at both ends, monotone in gamma. */
function lerp(a: number, b: number, gamma: number): number {
  if (gamma <= 0) return a;
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/** P(value > threshold) ("above") or P(value < threshold) ("below") over the non-NaN values
 * of `column`; null when it has none. */
export function exceedanceOf(
  column: ArrayLike<number>,
  threshold: number,
  direction: "above" | "below",
): number | null {
  let n = 0;
  let hits = 0;
  for (let i = 0; i < column.length; i++) {
    const v = column[i]!;
    if (Number.isNaN(v)) continue;
    n++;
    if (direction === "above" ? v > threshold : v < threshold) hits++;
  }
  return n === 0 ? null : hits / n;
}

/**
 * Rearranges values[left..right] so that values[k] is the value of rank k in that range, with
 * no larger value before it and no smaller one after it (Floyd & Rivest's SELECT, as in
 * d3-array). Linear on average, and robust to sorted input and to many equal values.
 */
function select(values: Float64Array, k: number, left: number, right: number): void {
  while (right > left) {
    if (right - left > 600) {
      // Narrow to a sample range that very likely holds rank k, select there first, so the
      // partition below splits close to k.
      const n = right - left + 1;
      const m = k - left + 1;
      const z = Math.log(n);
      const s = 0.5 * Math.exp((2 * z) / 3);
      const sd = 0.5 * Math.sqrt((z * s * (n - s)) / n) * (m - n / 2 < 0 ? -1 : 1);
      const newLeft = Math.max(left, Math.floor(k - (m * s) / n + sd));
      const newRight = Math.min(right, Math.floor(k + ((n - m) * s) / n + sd));
      select(values, k, newLeft, newRight);
    }
    const t = values[k]!;
    let i = left;
    let j = right;
    swap(values, left, k);
    if (values[right]! > t) swap(values, left, right);
    while (i < j) {
      swap(values, i, j);
      i++;
      j--;
      while (values[i]! < t) i++;
      while (values[j]! > t) j--;
    }
    if (values[left] === t) swap(values, left, j);
    else {
      j++;
      swap(values, j, right);
    }
    if (j <= k) left = j + 1;
    if (k <= j) right = j - 1;
  }
}

/** Index of the smallest (sign -1) or largest (sign 1) of values[left..right]. */
function extremeIndex(values: Float64Array, left: number, right: number, sign: -1 | 1): number {
  let at = left;
  let best = values[left]!;
  for (let i = left + 1; i <= right; i++) {
    const v = values[i]!;
    if (sign < 0 ? v < best : v > best) {
      best = v;
      at = i;
    }
  }
  return at;
}

function swap(values: Float64Array, i: number, j: number): void {
  const t = values[i]!;
  values[i] = values[j]!;
  values[j] = t;
}
