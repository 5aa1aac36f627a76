// Plain rows of an ensemble read line by line: what each thread of the parallel reader does
// with its share of the lines (ensemble-rows-parallel.ts). Imports only what it needs, so a
// worker thread starts quickly.
import { readPlainRow } from "./plain-row.ts";

const text = new TextDecoder("utf-8");

/**
 * Reads lines `from` to `to` (indexes into `starts`, each a line's first byte) as plain rows
 * (plain-row.ts), line i's values into `values` at i × width. Returns each line's realisation
 * name (trimmed), or null for a line that is not a plain row (the caller reads it as text).
 */
export function readPlainLines(
  bytes: Uint8Array,
  starts: Float64Array,
  from: number,
  to: number,
  width: number,
  values: Float64Array,
): Array<string | null> {
  const names: Array<string | null> = new Array(to - from);
  const search = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = from; i < to; i++) {
    const pos = starts[i]!;
    const end = readPlainRow(bytes, pos, width, values, i * width);
    names[i - from] = end < 0 ? null : text.decode(bytes.subarray(pos, search.indexOf(44, pos))).trim();
  }
  return names;
}
