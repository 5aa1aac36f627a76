// Which values of a matrix of realisations might not fit their template fields: one pass over
// the rows (a row is contiguous; going down a column of 10,000 rows 8,000 times misses the cache
// on nearly every value), comparing each value with the magnitudes that surely fit its field
// (number-format.ts sureRange). Only the few values outside them get the full check.
import { sureRange } from "../pest/number-format.ts";

export interface FieldToCheck {
  readonly column: number;
  readonly width: number;
  /** The value written is value × scale + offset. */
  readonly scale: number;
  readonly offset: number;
}

/** For each field, the rows whose value is not surely fine (non-finite values included). */
export function fieldSuspects(fields: readonly FieldToCheck[], rows: readonly Float64Array[]): number[][] {
  const n = fields.length;
  const column = Int32Array.from(fields, (f) => f.column);
  const scale = Float64Array.from(fields, (f) => f.scale);
  const offset = Float64Array.from(fields, (f) => f.offset);
  const posLow = Float64Array.from(fields, (f) => sureRange(f.width, false, true).low);
  const posHigh = Float64Array.from(fields, (f) => sureRange(f.width, false, true).high);
  const negLow = Float64Array.from(fields, (f) => sureRange(f.width, true, true).low);
  const negHigh = Float64Array.from(fields, (f) => sureRange(f.width, true, true).high);
  const suspects: number[][] = Array.from({ length: n }, () => []);
  if (fields.every((f) => f.scale === 1 && f.offset === 0)) {
    // Without scale and offset (the usual case): the value is the one written.
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      for (let k = 0; k < n; k++) {
        const v = row[column[k]!]!;
        if (v > 0 ? v >= posLow[k]! && v < posHigh[k]! : v < 0 && -v >= negLow[k]! && -v < negHigh[k]!)
          continue;
        suspects[k]!.push(r);
      }
    }
    return suspects;
  }
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    for (let k = 0; k < n; k++) {
      const v = row[column[k]!]! * scale[k]! + offset[k]!;
      if (v > 0 ? v >= posLow[k]! && v < posHigh[k]! : v < 0 && -v >= negLow[k]! && -v < negHigh[k]!)
        continue;
      suspects[k]!.push(r);
    }
  }
  return suspects;
}
