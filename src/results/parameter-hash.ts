// The hash a result carries in place of its parameter values: the spec and its parameter source
// determine the values, so a result names them by this hash and parameters.csv is written from
// the source. It hashes the sorted names, then each value as its 8 bytes (IEEE 754, little
// endian) in that order: any change to a double changes the hash (but -0 is 0, as it is
// everywhere values are written), and no value is turned into text (8,000 per realisation).
import { createHash, type Hash } from "node:crypto";
import { type ColumnIndex, RowValues } from "../params/parameter-matrix.ts";

export function parameterValuesHash(values: ReadonlyMap<string, number>): string {
  if (values instanceof RowValues) return rowHash(values);
  const names = sortedNames(values);
  const bytes = new DataView(new ArrayBuffer(names.length * 8));
  for (let i = 0; i < names.length; i++) {
    const v = values.get(names[i]!)!;
    bytes.setFloat64(i * 8, v === 0 ? 0 : v, true);
  }
  return createHash("sha256").update(namesText(names)).update(new Uint8Array(bytes.buffer)).digest("hex");
}

/** Per set of columns: the hash state after the sorted names, copied for each row (the same
 * bytes as hashing the names again), and the order of the sorted columns. */
const columnHashes = new WeakMap<ColumnIndex, { readonly names: Hash; readonly order: Int32Array }>();
let scratch = new Float64Array(0);
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

function rowHash(values: RowValues): string {
  let start = columnHashes.get(values.columns);
  if (start === undefined) {
    const order = values.columns.sortedOrder();
    const sorted = Array.from(order, (i) => values.columns.names[i]!);
    start = { names: createHash("sha256").update(`${sorted.join("\n")}\n\n`), order };
    columnHashes.set(values.columns, start);
  }
  const { order } = start;
  if (!LITTLE_ENDIAN) {
    const bytes = new DataView(new ArrayBuffer(order.length * 8));
    for (let i = 0; i < order.length; i++) {
      const v = values.row[order[i]!]!;
      bytes.setFloat64(i * 8, v === 0 ? 0 : v, true);
    }
    return start.names.copy().update(new Uint8Array(bytes.buffer)).digest("hex");
  }
  if (scratch.length !== order.length) scratch = new Float64Array(order.length);
  const row = values.row;
  for (let i = 0; i < order.length; i++) {
    const v = row[order[i]!]!;
    scratch[i] = v === 0 ? 0 : v;
  }
  return start.names
    .copy()
    .update(new Uint8Array(scratch.buffer, 0, order.length * 8))
    .digest("hex");
}

/** The names, one a line (a name holds no line break), made once for the names in use. */
let lastNames: readonly string[] | undefined;
let lastText = "";
function namesText(names: readonly string[]): string {
  if (names !== lastNames) {
    lastNames = names;
    lastText = `${names.join("\n")}\n\n`;
  }
  return lastText;
}

/** The last names sorted, and the order they came in: the realisations of a run set usually
 * list the same names in the same order, so one sort serves them all. */
let lastOrder: readonly string[] = [];
let lastSorted: readonly string[] = [];

/** The names of `values`, sorted. */
export function sortedNames(values: ReadonlyMap<string, number>): readonly string[] {
  if (values.size === lastOrder.length) {
    let i = 0;
    let same = true;
    for (const name of values.keys()) {
      if (name !== lastOrder[i++]) {
        same = false;
        break;
      }
    }
    if (same) return lastSorted;
  }
  lastOrder = [...values.keys()];
  lastSorted = [...lastOrder].sort();
  return lastSorted;
}
