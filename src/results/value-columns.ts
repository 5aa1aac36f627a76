// Named values of many records stored as columns that grow as records arrive: one
// Float64Array per name, doubled when full, NaN where a record has no value. This is how the
// aggregator keeps 2,000 realisations x 5,000 observations in 80 MB without holding on to the
// result objects.
import type { ValueMatrix } from "./matrix.ts";

export interface ValueColumns {
  /** Appends one row. Names never seen before add a column, NaN in the earlier rows. */
  addRow(values: Readonly<Record<string, number>> | ReadonlyMap<string, number>): void;
  readonly rowCount: number;
  /** Names in order of first appearance. */
  readonly names: readonly string[];
  /** The column of a name, rowCount long; undefined for a name never seen. */
  column(name: string): Float64Array | undefined;
  /** The columns trimmed to rowCount, labelled with the row ids (one per row added). */
  toMatrix(ids: readonly string[]): ValueMatrix;
}

export function createValueColumns(initialCapacity = 64): ValueColumns {
  let capacity = Math.max(1, Math.floor(initialCapacity));
  let rows = 0;
  const names: string[] = [];
  const columns: Float64Array[] = [];
  const indexOf = new Map<string, number>();
  // Every record of a run set usually lists the same names in the same order, so the previous
  // record's key order is checked first and the map is consulted only when it differs.
  const lastKeys: string[] = [];
  const lastColumns: number[] = [];

  const grow = () => {
    capacity = Math.max(1, capacity * 2);
    for (let c = 0; c < columns.length; c++) {
      const wider = new Float64Array(capacity);
      wider.set(columns[c]!);
      wider.fill(Number.NaN, rows);
      columns[c] = wider;
    }
  };
  const addColumn = (name: string): number => {
    const c = columns.length;
    columns.push(new Float64Array(capacity).fill(Number.NaN));
    names.push(name);
    indexOf.set(name, c);
    return c;
  };

  return {
    addRow(values) {
      if (rows === capacity) grow();
      const row = rows;
      const put = (k: number, name: string, v: number | undefined) => {
        let c: number;
        if (lastKeys[k] === name) c = lastColumns[k]!;
        else {
          c = indexOf.get(name) ?? addColumn(name);
          lastKeys[k] = name;
          lastColumns[k] = c;
        }
        columns[c]![row] = typeof v === "number" ? v : Number.NaN;
      };
      if (values instanceof Map) {
        let k = 0;
        for (const [name, v] of values) put(k++, name, v);
      } else {
        const record = values as Readonly<Record<string, number>>;
        const keys = Object.keys(record);
        for (let k = 0; k < keys.length; k++) put(k, keys[k]!, record[keys[k]!]);
      }
      rows++;
    },
    get rowCount() {
      return rows;
    },
    names,
    column(name) {
      const c = indexOf.get(name);
      return c === undefined ? undefined : columns[c]!.subarray(0, rows);
    },
    toMatrix(ids) {
      if (ids.length !== rows) throw new RangeError(`${ids.length} ids for ${rows} rows`);
      // Views when little capacity is spare (the usual case when sized for the planned
      // realisations); copies otherwise, so a matrix does not pin twice its size.
      if (capacity > rows * 1.25) {
        for (let c = 0; c < columns.length; c++) columns[c] = columns[c]!.slice(0, rows);
        capacity = rows;
      }
      return { ids: [...ids], names: [...names], columns: columns.map((c) => c.subarray(0, rows)) };
    },
  };
}
