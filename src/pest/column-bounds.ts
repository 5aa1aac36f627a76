// The range of magnitudes each column of an ensemble holds, positive and negative values
// apart, worked out by the threads that read it (ensemble-lines.ts): checking that every value
// of a column fits its template field then takes four comparisons instead of a pass over
// 10,000 rows (spec/field-suspects.ts). The bounds may be wider than the rows kept (a row left
// out for a problem still counted): they only ever make a check go through the rows.

/** Per column, five numbers at 5 × column: the least and greatest positive value, the least
 * and greatest magnitude of a negative one, and the count of others (zeros, NaN). */
export type ColumnBounds = Float64Array;

export function emptyBounds(width: number): ColumnBounds {
  const b = new Float64Array(width * 5);
  for (let c = 0; c < width; c++) {
    b[c * 5] = Number.POSITIVE_INFINITY;
    b[c * 5 + 1] = Number.NEGATIVE_INFINITY;
    b[c * 5 + 2] = Number.POSITIVE_INFINITY;
    b[c * 5 + 3] = Number.NEGATIVE_INFINITY;
  }
  return b;
}

/** Widens `bounds` to hold `row`. */
export function addRow(bounds: ColumnBounds, row: Float64Array): void {
  for (let c = 0; c < row.length; c++) addValue(bounds, c, row[c]!);
}

/** Widens column `c` of `bounds` to hold `v`. */
export function addValue(bounds: ColumnBounds, c: number, v: number): void {
  const at = c * 5;
  if (v > 0) {
    if (v < bounds[at]!) bounds[at] = v;
    if (v > bounds[at + 1]!) bounds[at + 1] = v;
  } else if (v < 0) {
    if (-v < bounds[at + 2]!) bounds[at + 2] = -v;
    if (-v > bounds[at + 3]!) bounds[at + 3] = -v;
  } else bounds[at + 4]!++;
}

/** Widens `into` to hold `other`. */
export function addBounds(into: ColumnBounds, other: ColumnBounds): void {
  for (let at = 0; at < into.length; at += 5) {
    into[at] = Math.min(into[at]!, other[at]!);
    into[at + 1] = Math.max(into[at + 1]!, other[at + 1]!);
    into[at + 2] = Math.min(into[at + 2]!, other[at + 2]!);
    into[at + 3] = Math.max(into[at + 3]!, other[at + 3]!);
    into[at + 4] = into[at + 4]! + other[at + 4]!;
  }
}

/** Whether every value of column `c` lies in [low, high) for its sign (and none is 0 or NaN). */
export function columnWithin(
  bounds: ColumnBounds,
  c: number,
  positive: { readonly low: number; readonly high: number },
  negative: { readonly low: number; readonly high: number },
): boolean {
  const at = c * 5;
  if (bounds[at + 4]! > 0) return false;
  const posOk =
    bounds[at]! === Number.POSITIVE_INFINITY ||
    (bounds[at]! >= positive.low && bounds[at + 1]! < positive.high);
  const negOk =
    bounds[at + 2]! === Number.POSITIVE_INFINITY ||
    (bounds[at + 2]! >= negative.low && bounds[at + 3]! < negative.high);
  return posOk && negOk;
}
