// Per-realisation values in columns: what aggregation builds once and what charts (scatter,
// histograms) and the CSV files read. Columns are Float64Array so 2,000 realisations x 5,000
// observations stay compact (80 MB) and fast to sort.

export interface ValueMatrix {
  /** Realisation ids, one per row, in the order of the columns' entries. */
  readonly ids: readonly string[];
  /** Column names, in order. */
  readonly names: readonly string[];
  /** One column per name; NaN where a realisation has no value. */
  readonly columns: readonly Float64Array[];
}

/** The observations and parameters of the successful realisations of a run set. */
export interface RunSetMatrices {
  readonly observations: ValueMatrix;
  readonly parameters: ValueMatrix;
}

export function column(matrix: ValueMatrix, name: string): Float64Array | undefined {
  const i = matrix.names.indexOf(name);
  return i < 0 ? undefined : matrix.columns[i];
}
