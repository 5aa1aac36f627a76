// Which parameters move which observations: Spearman's rank correlation between every
// parameter and every observation over the successful realisations, strongest pairs first.
//
// Spearman's rho is Pearson's correlation of the ranks (ties get the average of the positions
// they span). Each column is ranked once, centred and scaled to unit length, so a pair's rho
// is one dot product: 20 parameters x 5,000 observations x 2,000 realisations is 5,020
// rankings and 100,000 dot products. A pair uses the realisations where both have a value;
// columns with missing values (NaN) are ranked again over the rows they share, once per
// distinct set of missing rows. A constant column correlates with nothing and is skipped, as is
// any pair with fewer than MIN_PAIRS realisations.
import type { ValueMatrix } from "./matrix.ts";
import { allProducts, scratchMatrix, sharedMatrix } from "./parallel-products.ts";
import { type ParameterTable, tableColumns } from "./parameter-table.ts";
import type { Sensitivity } from "./summary.ts";

export const DEFAULT_SENSITIVITIES = 12;
/** Fewer realisations than this say nothing about a rank correlation. */
export const MIN_PAIRS = 3;

/** Ranks 1..n of `values` (no NaN), ties given the average of the positions they span. */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const copy = Float64Array.from(values);
  const ranks = new Float64Array(n);
  createRanker(n)(copy, n, ranks);
  return ranks;
}

/** Spearman's rho over the pairs where both are numbers; null when fewer than MIN_PAIRS such
 * pairs or either side is constant. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number | null {
  if (x.length !== y.length) throw new RangeError(`columns of different lengths (${x.length}, ${y.length})`);
  const rows: number[] = [];
  for (let i = 0; i < x.length; i++) if (!Number.isNaN(x[i]!) && !Number.isNaN(y[i]!)) rows.push(i);
  if (rows.length < MIN_PAIRS) return null;
  const prepare = createPreparer(x.length);
  const a = prepare(x, Int32Array.from(rows));
  const b = prepare(y, Int32Array.from(rows));
  return a === null || b === null ? null : tidy(dot(a, b, rows.length));
}

/** The `count` parameter-observation pairs with the largest |rho| (rounded to 12 decimals);
 * ties keep parameter, then observation, order. Both matrices must have the same rows. */
export function strongestSensitivities(
  parameters: ValueMatrix,
  observations: ValueMatrix,
  count = DEFAULT_SENSITIVITIES,
): Sensitivity[] {
  const rows = parameters.ids.length;
  if (observations.ids.length !== rows) {
    throw new RangeError(`parameter rows (${rows}) and observation rows (${observations.ids.length}) differ`);
  }
  if (count <= 0 || rows < MIN_PAIRS) return [];
  const prepare = createPreparer(rows);
  const parameterMissing = parameters.columns.map(missingRows);
  // Parameter vectors by the rows they are ranked over ("" is every row, the usual case), each
  // ranked when first wanted: undefined until then, null when constant over those rows.
  const parameterVectors = new Map<string, Array<Float64Array | null | undefined>>();
  const parameterVector = (key: string, keep: Int32Array, p: number): Float64Array | null => {
    let vectors = parameterVectors.get(key);
    if (vectors === undefined) {
      vectors = [];
      parameterVectors.set(key, vectors);
    }
    let v = vectors[p];
    if (v === undefined) {
      v = prepare(parameters.columns[p]!, keep);
      vectors[p] = v;
    }
    return v;
  };
  const complete = parameterMissing.flatMap((m, p) => (m.length === 0 ? [p] : []));
  const incomplete = parameterMissing.flatMap((m, p) => (m.length > 0 ? [p] : []));
  const sums = new Float64Array(4);
  const allRows = Int32Array.from({ length: rows }, (_, i) => i);
  const top = createTop(count);
  // Observations and parameters without missing values (the usual case): ranked over every
  // row, packed, and multiplied as two matrices (rank-products.ts).
  const packed = packedObservations(observations, prepare, allRows);
  const packedParameters = scratchMatrix("parameters", complete.length * rows);
  const parameterAt: number[] = [];
  for (const p of complete) {
    const v = parameterVector("", allRows, p);
    if (v === null) continue;
    packedParameters.set(v, parameterAt.length * rows);
    parameterAt.push(p);
  }
  const products = allProducts(packedParameters, parameterAt.length, packed.values, packed.at.length, rows);
  for (let a = 0; a < parameterAt.length; a++) {
    for (let b = 0; b < packed.at.length; b++)
      top.offer(parameterAt[a]!, packed.at[b]!, products[a * packed.at.length + b]!);
  }
  observations.columns.forEach((column, o) => {
    const obsMissing = missingRows(column);
    // Parameters without missing values are ranked over the observation's rows (done above
    // for an observation with none missing).
    const sharedKey = obsMissing.join(",");
    const sharedRows = obsMissing.length === 0 ? allRows : keptRows(rows, obsMissing);
    if (obsMissing.length > 0 && sharedRows.length >= MIN_PAIRS) {
      const observation = prepare(column, sharedRows);
      if (observation !== null) {
        const usable: Float64Array[] = [];
        const usableIndex: number[] = [];
        for (const p of complete) {
          const v = parameterVector(sharedKey, sharedRows, p);
          if (v === null) continue;
          usable.push(v);
          usableIndex.push(p);
        }
        const n = sharedRows.length;
        let k = 0;
        for (; k + 3 < usable.length; k += 4) {
          dot4(usable[k]!, usable[k + 1]!, usable[k + 2]!, usable[k + 3]!, observation, n, sums);
          for (let j = 0; j < 4; j++) top.offer(usableIndex[k + j]!, o, sums[j]!);
        }
        for (; k < usable.length; k++) top.offer(usableIndex[k]!, o, dot(usable[k]!, observation, n));
      }
    }
    // Parameters with missing values: over the rows both have, the observation ranked once
    // per distinct set of rows.
    const observationOver = new Map<string, Float64Array | null>();
    for (const p of incomplete) {
      const missing = [...new Set([...parameterMissing[p]!, ...obsMissing])].sort((a, b) => a - b);
      if (rows - missing.length < MIN_PAIRS) continue;
      const key = missing.join(",");
      const keep = keptRows(rows, missing);
      let ov = observationOver.get(key);
      if (ov === undefined) {
        ov = prepare(column, keep);
        observationOver.set(key, ov);
      }
      const pv = parameterVector(key, keep, p);
      if (pv !== null && ov !== null) top.offer(p, o, dot(pv, ov, keep.length));
    }
  });
  return top.pairs().map(({ p, o, rho }) => ({
    parameter: parameters.names[p]!,
    observation: observations.names[o]!,
    rho,
  }));
}

/** The observations without missing values, ranked over every row and packed a row each, with
 * the index of each: made once for a matrix of observations, however many blocks of
 * parameters are correlated with it. */
const packedCache = new WeakMap<ValueMatrix, { readonly values: Float64Array; readonly at: number[] }>();

function packedObservations(
  observations: ValueMatrix,
  prepare: ReturnType<typeof createPreparer>,
  allRows: Int32Array,
): { readonly values: Float64Array; readonly at: number[] } {
  const cached = packedCache.get(observations);
  if (cached !== undefined) return cached;
  const rows = allRows.length;
  const at: number[] = [];
  const values = sharedMatrix(observations.columns.length * rows);
  observations.columns.forEach((column, o) => {
    if (missingRows(column).length > 0) return;
    const v = prepare(column, allRows);
    if (v === null) return;
    values.set(v, at.length * rows);
    at.push(o);
  });
  const packed = { values: values.subarray(0, at.length * rows), at };
  packedCache.set(observations, packed);
  return packed;
}

function missingRows(column: Float64Array): number[] {
  const missing: number[] = [];
  for (let i = 0; i < column.length; i++) if (Number.isNaN(column[i]!)) missing.push(i);
  return missing;
}

function keptRows(rows: number, missing: readonly number[]): Int32Array {
  const keep = new Int32Array(rows - missing.length);
  let k = 0;
  let m = 0;
  for (let i = 0; i < rows; i++) {
    if (m < missing.length && missing[m] === i) m++;
    else keep[k++] = i;
  }
  return keep;
}

/** A function giving the ranks of column[rows], centred and scaled to unit length (so the dot
 * product of two is Pearson's r of the ranks), or null for a constant column. */
function createPreparer(
  capacity: number,
): (column: ArrayLike<number>, rows: Int32Array) => Float64Array | null {
  const values = new Float64Array(capacity);
  const rank = createRanker(capacity);
  return (column, rows) => {
    const n = rows.length;
    for (let i = 0; i < n; i++) values[i] = column[rows[i]!]!;
    const out = new Float64Array(n);
    rank(values, n, out);
    const centre = (n + 1) / 2;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const d = out[i]! - centre;
      out[i] = d;
      squares += d * d;
    }
    if (squares === 0) return null;
    const scale = 1 / Math.sqrt(squares);
    for (let i = 0; i < n; i++) out[i] = out[i]! * scale;
    return out;
  };
}

function dot(a: Float64Array, b: Float64Array, n: number): number {
  // Four running sums: independent additions pipeline where a single sum would wait on each.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[i]! * b[i]!;
    s1 += a[i + 1]! * b[i + 1]!;
    s2 += a[i + 2]! * b[i + 2]!;
    s3 += a[i + 3]! * b[i + 3]!;
  }
  for (; i < n; i++) s0 += a[i]! * b[i]!;
  return s0 + s1 + s2 + s3;
}

/** Four dot products with one vector at once: `x` is read once for all four. */
function dot4(
  a: Float64Array,
  b: Float64Array,
  c: Float64Array,
  d: Float64Array,
  x: Float64Array,
  n: number,
  out: Float64Array,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    s0 += v * a[i]!;
    s1 += v * b[i]!;
    s2 += v * c[i]!;
    s3 += v * d[i]!;
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/** rho rounded to 12 decimals: rounding noise below that would make a perfect relation read
 * 0.9999999999999998, and order it behind a weaker-looking -1. */
function tidy(rho: number): number {
  const r = Math.round(rho * 1e12) / 1e12;
  return r > 1 ? 1 : r < -1 ? -1 : r === 0 ? 0 : r;
}

/** Keeps the `count` strongest pairs offered: largest |rho|, then lower parameter, then lower
 * observation index, whatever order they are offered in. */
function createTop(count: number) {
  const kept: Array<{ p: number; o: number; rho: number }> = [];
  const before = (a: { p: number; o: number; rho: number }, p: number, o: number, strength: number) => {
    const s = Math.abs(a.rho);
    return s > strength || (s === strength && (a.p < p || (a.p === p && a.o < o)));
  };
  return {
    offer(p: number, o: number, raw: number): void {
      const rho = tidy(raw);
      const strength = Math.abs(rho);
      if (kept.length === count && before(kept[count - 1]!, p, o, strength)) return;
      let at = kept.length;
      while (at > 0 && !before(kept[at - 1]!, p, o, strength)) at--;
      kept.splice(at, 0, { p, o, rho });
      if (kept.length > count) kept.pop();
    },
    pairs: () => kept,
  };
}

/**
 * A function writing the average ranks (1-based) of values[0..n) into out[0..n), leaving
 * `values` as they are. Ranking is an argsort: a bucket sort on the value range (linear for the
 * smooth distributions observations usually have); when the values crowd into few buckets (a
 * heavy tail, as concentrations have), the native sort of the values with each one's index in
 * the low bits of its mantissa; and when that is not exact, a comparison sort.
 */
function createRanker(capacity: number): (values: Float64Array, n: number, out: Float64Array) => void {
  const bucketOf = new Int32Array(capacity);
  const starts = new Int32Array(capacity + 1);
  const order = new Int32Array(capacity);
  const keys = new Float64Array(capacity);
  return (values, n, out) => {
    if (n === 0) return;
    if (!bucketOrder(values, n, bucketOf, starts, order) && !packedOrder(values, n, keys, order)) {
      comparisonOrder(values, n, order);
    }
    let start = 0;
    for (let k = 1; k <= n; k++) {
      if (k < n && values[order[k]!] === values[order[k - 1]!]) continue;
      // Positions start..k-1 hold equal values: each gets the average of ranks start+1..k.
      const rank = (start + k + 1) / 2;
      for (let j = start; j < k; j++) out[order[j]!] = rank;
      start = k;
    }
  };
}

/** Sorts indices into `order` by bucketing values over their range and finishing with an
 * insertion sort; false (order unusable) when that would take more than a few moves per value. */
function bucketOrder(
  values: Float64Array,
  n: number,
  bucketOf: Int32Array,
  starts: Int32Array,
  order: Int32Array,
): boolean {
  let min = values[0]!;
  let max = min;
  for (let i = 1; i < n; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    else if (v > max) max = v;
  }
  if (min === max) {
    for (let i = 0; i < n; i++) order[i] = i;
    return true;
  }
  const scale = n / (max - min);
  if (!Number.isFinite(scale)) return false;
  starts.fill(0, 0, n + 1);
  for (let i = 0; i < n; i++) {
    let b = Math.floor((values[i]! - min) * scale);
    if (b >= n) b = n - 1;
    bucketOf[i] = b;
    starts[b + 1]!++;
  }
  for (let b = 0; b < n; b++) starts[b + 1]! += starts[b]!;
  for (let i = 0; i < n; i++) order[starts[bucketOf[i]!]!++] = i;
  let budget = 16 * n;
  for (let i = 1; i < n; i++) {
    const o = order[i]!;
    const v = values[o]!;
    let j = i - 1;
    while (j >= 0 && values[order[j]!]! > v) {
      order[j + 1] = order[j]!;
      j--;
      if (--budget < 0) return false;
    }
    order[j + 1] = o;
  }
  return true;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Sorts indices into `order` with the native numeric sort: each value's lowest mantissa bits
 * are replaced by its index, the keys sorted, and the indices read back from them. Only values
 * equal but for those bits can come out of order; the result is checked against the values
 * themselves and false returned when it is not in order.
 */
function packedOrder(values: Float64Array, n: number, keys: Float64Array, order: Int32Array): boolean {
  if (!LITTLE_ENDIAN || n > 1 << 20) return false;
  const mask = (1 << Math.max(1, 32 - Math.clz32(n - 1))) - 1;
  // The low 32 bits of each double, at even positions on a little-endian machine.
  const words = new Uint32Array(keys.buffer, keys.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) {
    keys[i] = values[i]!;
    words[2 * i] = (words[2 * i]! & ~mask) | i;
  }
  keys.subarray(0, n).sort();
  for (let k = 0; k < n; k++) order[k] = words[2 * k]! & mask;
  for (let k = 1; k < n; k++) if (values[order[k]!]! < values[order[k - 1]!]!) return false;
  return true;
}

function comparisonOrder(values: Float64Array, n: number, order: Int32Array): void {
  const view = order.subarray(0, n);
  for (let i = 0; i < n; i++) view[i] = i;
  view.sort((a, b) => (values[a]! < values[b]! ? -1 : values[a]! > values[b]! ? 1 : 0));
}

/** Parameter x observation x realisation products computed at most (a few seconds): beyond
 * it, every parameter is correlated with a selection of the observations. */
export const SENSITIVITY_BUDGET = 2e9;
/** Parameters whose columns are read from the table at a time. */
const PARAMETER_BLOCK = 256;

export interface SensitivityOptions {
  readonly parameters: ParameterTable;
  /** The rows of `observations`, whose parameter values are read from the table. */
  readonly observations: ValueMatrix;
  readonly count: number;
  /** Observations correlated first when not all can be (key observations, alerts' ones). */
  readonly preferred?: readonly string[];
  readonly budget?: number;
}

/** How many observations the sensitivities were computed for, when not every one. */
export interface SensitivityScope {
  readonly observations: number;
  readonly ofObservations: number;
}

/**
 * strongestSensitivities with the parameters read from a table a block of columns at a time,
 * so memory does not grow with realisations x parameters. When every pair would cost more than
 * the budget, each parameter is correlated with as many observations as the budget allows:
 * the preferred ones, then others spread evenly over the rest (every k-th), in their order.
 */
export function sensitivitiesFromTable(options: SensitivityOptions): {
  readonly sensitivities: Sensitivity[];
  readonly scope?: SensitivityScope;
} {
  const { parameters, observations, count } = options;
  const ids = observations.ids;
  const total = observations.names.length;
  const pairsPerObservation = Math.max(1, parameters.names.length * ids.length);
  const affordable = Math.max(1, Math.floor((options.budget ?? SENSITIVITY_BUDGET) / pairsPerObservation));
  const chosen =
    affordable >= total
      ? undefined
      : chooseObservations(observations.names, options.preferred ?? [], affordable);
  const shown: ValueMatrix =
    chosen === undefined
      ? observations
      : {
          ids,
          names: chosen.map((o) => observations.names[o]!),
          columns: chosen.map((o) => observations.columns[o]!),
        };
  const found: Sensitivity[] = [];
  for (let first = 0; first < parameters.names.length; first += PARAMETER_BLOCK) {
    const which = Int32Array.from(
      { length: Math.min(PARAMETER_BLOCK, parameters.names.length - first) },
      (_, k) => first + k,
    );
    const block: ValueMatrix = {
      ids,
      names: Array.from(which, (p) => parameters.names[p]!),
      columns: tableColumns(parameters, ids, which),
    };
    found.push(...strongestSensitivities(block, shown, count));
  }
  // Each block's pairs come strongest first, ties in parameter then observation order; blocks
  // are in parameter order, so a stable sort by strength keeps that order for ties.
  const sensitivities = found.sort((a, b) => Math.abs(b.rho) - Math.abs(a.rho)).slice(0, Math.max(0, count));
  return chosen === undefined
    ? { sensitivities }
    : { sensitivities, scope: { observations: chosen.length, ofObservations: total } };
}

/** Indices of `limit` observations: the preferred ones there are, then every k-th of the others. */
function chooseObservations(names: readonly string[], preferred: readonly string[], limit: number): number[] {
  const index = new Map(names.map((n, i) => [n, i]));
  const picked = new Set<number>();
  for (const name of preferred) {
    const i = index.get(name);
    if (i !== undefined && picked.size < limit) picked.add(i);
  }
  const others = names.flatMap((_, i) => (picked.has(i) ? [] : [i]));
  const wanted = limit - picked.size;
  for (let k = 0; k < wanted && k < others.length; k++)
    picked.add(others[Math.floor((k * others.length) / wanted)]!);
  return [...picked].sort((a, b) => a - b);
}
