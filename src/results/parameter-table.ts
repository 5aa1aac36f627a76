// The parameter values of a run set's realisations, read where they are rather than gathered
// into a matrix: results carry only a hash of their values, and at 10,000 realisations x 8,000
// parameters a matrix of them would be most of a gigabyte. Reports read them a row (the CSV)
// or a few columns (sensitivities, scatter plots) at a time.

import { type RowValues, rowsOf } from "../params/parameter-matrix.ts";

export interface ParameterTable {
  /** Every parameter, in order. */
  readonly names: readonly string[];
  /** Writes the values realisation `id` has for the parameters at `which` (indices into
   * names) into out[0 .. which.length); NaN where it has none. */
  fill(id: string, which: Int32Array, out: Float64Array): void;
}

/** A table over values held by id (a spec's realisations). Names in order of first appearance. */
export function tableOfValues(values: ReadonlyMap<string, ReadonlyMap<string, number>>): ParameterTable {
  // Rows of one matrix (an ensemble CSV, a sample) share their names: no row is gone through.
  const matrix = rowsOf([...values.values()]);
  if (matrix !== undefined) {
    const rows = values as ReadonlyMap<string, RowValues>;
    return {
      names: matrix.columns.names,
      fill(id, which, out) {
        const row = rows.get(id)?.row;
        for (let k = 0; k < which.length; k++) out[k] = row === undefined ? Number.NaN : row[which[k]!]!;
      },
    };
  }
  const names: string[] = [];
  const seen = new Set<string>();
  for (const row of values.values()) {
    for (const name of row.keys()) {
      if (seen.has(name)) continue;
      seen.add(name);
      names.push(name);
    }
  }
  return {
    names,
    fill(id, which, out) {
      const row = values.get(id);
      for (let k = 0; k < which.length; k++) out[k] = row?.get(names[which[k]!]!) ?? Number.NaN;
    },
  };
}

/** `table`, except for the realisations whose values were recorded in their results (results
 * written before they carried only a hash): those values are theirs. */
export function withRecordedValues(
  table: ParameterTable,
  recorded: ReadonlyMap<string, Readonly<Record<string, number>>>,
): ParameterTable {
  if (recorded.size === 0) return table;
  const names = [...table.names];
  const index = new Map(names.map((n, i) => [n, i]));
  for (const row of recorded.values()) {
    for (const name of Object.keys(row)) {
      if (index.has(name)) continue;
      index.set(name, names.length);
      names.push(name);
    }
  }
  const known = table.names.length;
  return {
    names,
    fill(id, which, out) {
      const row = recorded.get(id);
      if (row === undefined) {
        // Parameters the table does not have are NaN for its realisations.
        const inner = which.filter((p) => p < known);
        const values = new Float64Array(inner.length);
        table.fill(id, inner, values);
        let j = 0;
        for (let k = 0; k < which.length; k++) out[k] = which[k]! < known ? values[j++]! : Number.NaN;
        return;
      }
      for (let k = 0; k < which.length; k++) {
        const v = row[names[which[k]!]!];
        out[k] = typeof v === "number" ? v : Number.NaN;
      }
    },
  };
}

export const EMPTY_TABLE: ParameterTable = { names: [], fill: () => {} };

/** The columns of the parameters at `which` over the realisations `ids`, one Float64Array each. */
export function tableColumns(
  table: ParameterTable,
  ids: readonly string[],
  which: Int32Array,
): Float64Array[] {
  const columns = Array.from(which, () => new Float64Array(ids.length));
  const row = new Float64Array(which.length);
  for (let r = 0; r < ids.length; r++) {
    table.fill(ids[r]!, which, row);
    for (let k = 0; k < which.length; k++) columns[k]![r] = row[k]!;
  }
  return columns;
}
