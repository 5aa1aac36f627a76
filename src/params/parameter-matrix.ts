// Parameter values of many realisations that share their parameter names (an ensemble CSV,
// a sample): one Float64Array per realisation and one name index for all of them, instead of
// a Map per realisation. 10,000 realisations × 8,000 parameters are 80 million values: as maps
// they took about 14 GB and most of validation's time; here they take 8 bytes each.
//
// Each realisation's `values` is a RowValues, a read-only Map view of its row, so code that
// reads values by name works unchanged; code that goes over every value of every realisation
// (field checks, keys) reads the rows directly (`rowsOf`).

import { addValue, type ColumnBounds, emptyBounds } from "../pest/column-bounds.ts";

/** The names of a matrix's columns, lower-case, and where each is. */
export class ColumnIndex {
  readonly names: readonly string[];
  /** The range of each column's values over every row, when known (column-bounds.ts). */
  readonly bounds: ColumnBounds | undefined;
  readonly #at: Map<string, number>;
  #sorted: Int32Array | undefined;

  constructor(names: readonly string[], bounds?: ColumnBounds) {
    this.names = names;
    this.bounds = bounds;
    this.#at = new Map(names.map((n, i) => [n, i]));
  }

  get size(): number {
    return this.names.length;
  }

  columnOf(name: string): number | undefined {
    return this.#at.get(name);
  }

  /** Column numbers in the order of their names sorted (as keys and hashes list them). */
  sortedOrder(): Int32Array {
    if (this.#sorted === undefined) {
      const order = this.names.map((_, i) => i).sort((a, b) => compare(this.names[a]!, this.names[b]!));
      this.#sorted = Int32Array.from(order);
    }
    return this.#sorted;
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** One realisation's values: a row of a matrix, read as a Map from name to value. */
export class RowValues implements ReadonlyMap<string, number> {
  readonly columns: ColumnIndex;
  readonly row: Float64Array;

  constructor(columns: ColumnIndex, row: Float64Array) {
    if (row.length !== columns.size)
      throw new RangeError(`a row of ${row.length} values for ${columns.size} columns`);
    this.columns = columns;
    this.row = row;
  }

  get size(): number {
    return this.columns.size;
  }

  get(name: string): number | undefined {
    const i = this.columns.columnOf(name);
    return i === undefined ? undefined : this.row[i];
  }

  has(name: string): boolean {
    return this.columns.columnOf(name) !== undefined;
  }

  keys(): MapIterator<string> {
    return this.columns.names.values();
  }

  *values(): MapIterator<number> {
    yield* this.row;
  }

  *entries(): MapIterator<[string, number]> {
    const names = this.columns.names;
    for (let i = 0; i < names.length; i++) yield [names[i]!, this.row[i]!];
  }

  [Symbol.iterator](): MapIterator<[string, number]> {
    return this.entries();
  }

  forEach(
    fn: (value: number, key: string, map: ReadonlyMap<string, number>) => void,
    thisArg?: unknown,
  ): void {
    const names = this.columns.names;
    for (let i = 0; i < names.length; i++) fn.call(thisArg, this.row[i]!, names[i]!, this);
  }
}

/** The rows of `values` when every one is a row over the same columns; otherwise undefined
 * (realisations from par files, each a Map of its own). */
export function rowsOf(
  values: ReadonlyArray<ReadonlyMap<string, number>>,
): { columns: ColumnIndex; rows: Float64Array[] } | undefined {
  const first = values[0];
  if (!(first instanceof RowValues)) return undefined;
  const rows: Float64Array[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v instanceof RowValues) || v.columns !== first.columns) return undefined;
    rows[i] = v.row;
  }
  return { columns: first.columns, rows };
}

/**
 * The same rows with more columns: `added` names each new (or replaced) column and the value
 * it takes in each row. Used for `parameters.fixed` and tied parameters, which every
 * realisation gets.
 */
export function withColumns(
  columns: ColumnIndex,
  rows: readonly Float64Array[],
  added: ReadonlyArray<{ readonly name: string; readonly value: (row: Float64Array) => number }>,
): { columns: ColumnIndex; rows: Float64Array[] } {
  const names = [...columns.names];
  const target: number[] = [];
  for (const a of added) {
    const existing = names.indexOf(a.name);
    if (existing >= 0) target.push(existing);
    else target.push(names.push(a.name) - 1);
  }
  const out = new Float64Array(rows.length * names.length);
  const result: Float64Array[] = new Array(rows.length);
  // The bounds of the columns kept carry over; those of the added ones are worked out here.
  const bounds = columns.bounds === undefined ? undefined : emptyBounds(names.length);
  if (bounds !== undefined) {
    bounds.set(columns.bounds!);
    for (const t of target) bounds.set(emptyBounds(1), t * 5);
  }
  for (let r = 0; r < rows.length; r++) {
    const row = out.subarray(r * names.length, (r + 1) * names.length);
    row.set(rows[r]!);
    for (let k = 0; k < added.length; k++) {
      const v = added[k]!.value(rows[r]!);
      row[target[k]!] = v;
      if (bounds !== undefined) addValue(bounds, target[k]!, v);
    }
    result[r] = row;
  }
  return { columns: new ColumnIndex(names, bounds), rows: result };
}
