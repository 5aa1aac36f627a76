// One CSV row of an ensemble in its usual form, read straight from bytes: a realisation name,
// then plain decimal numbers separated by commas (blanks around them allowed), ending the
// line. Shared by the reader (ensemble-csv.ts) and its worker threads (ensemble-rows-worker.ts),
// so it imports nothing else.
import { scanDecimal } from "./decimal-bytes.ts";

/**
 * Reads the row at `pos` when it is a name and `width` plain decimal numbers on one line: the
 * numbers go to `out` from `offset` and the index after the row's line break (or the end) is
 * returned; the name is the bytes from `pos` to the first comma. Anything else (quotes, another
 * cell count, a Fortran exponent, a bad cell) returns -1: the caller reads it as text.
 */
export function readPlainRow(
  bytes: Uint8Array,
  pos: number,
  width: number,
  out: Float64Array,
  offset: number,
): number {
  const n = bytes.length;
  let i = pos;
  for (;;) {
    if (i >= n) return -1;
    const c = bytes[i]!;
    if (c === 44) break;
    if (c === 34 || c === 10 || c === 13) return -1;
    i++;
  }
  i++;
  for (let k = 0; k < width; k++) {
    let c = bytes[i]!;
    while (c === 32 || c === 9) c = bytes[++i]!;
    const end = scanDecimal(bytes, i, out, offset + k);
    if (end < 0) return -1;
    i = end;
    c = bytes[i]!;
    while (c === 32 || c === 9) c = bytes[++i]!;
    if (k < width - 1) {
      if (c !== 44) return -1;
      i++;
    } else if (c === 10) i++;
    else if (c === 13 && bytes[i + 1] === 10) i += 2;
    else if (i < n) return -1;
  }
  return i;
}
