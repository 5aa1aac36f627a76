// The files a run set's results are published as, each built as a string by a pure function:
// summary.json, summary.csv (one row per observation) and the observation and parameter
// ensembles in the CSV layout pyemu and PEST++ read (first column `real_name`, then one column
// per name, one row per successful realisation; see ../pest/ensemble-csv.ts).
//
// parameters.csv is made in chunks from a ParameterTable (the spec's values), as it is written.
//
// The ensembles are written here rather than with writeEnsembleCsv: that one rejects missing
// values, and an observation a realisation did not report is written as an empty cell (pandas
// reads it as NaN); and at 2,000 x 5,000 values the per-number strings it makes take most of
// the time (numbers are written as bytes instead, see number-bytes.ts).
import { Buffer } from "node:buffer";
import type { RunSetMatrices, ValueMatrix } from "./matrix.ts";
import { MAX_NUMBER_BYTES, writeShortestNumber } from "./number-bytes.ts";
import type { ParameterTable } from "./parameter-table.ts";
import { quantileKey, type RunSetSummary } from "./summary.ts";

/** summary.json: the summary as indented JSON; JSON.parse gives back an equal object. */
export function summaryJson(summary: RunSetSummary): string {
  return `${JSON.stringify(summary, null, 2)}\n`;
}

/**
 * summary.csv: one row per observation: name, group, count, mean, std, min, each quantile
 * (p10, p50, ...), max, then one column per exceedance threshold any observation has (P(>98),
 * P(<12.5)), empty where an observation has no such threshold or a statistic has no value.
 */
export function summaryCsv(summary: RunSetSummary): string {
  const quantileKeys = summary.quantiles.map(quantileKey);
  const exceedanceColumns: string[] = [];
  for (const o of summary.observations) {
    for (const e of o.exceedance) {
      const column = exceedanceColumn(e.direction, e.threshold);
      if (!exceedanceColumns.includes(column)) exceedanceColumns.push(column);
    }
  }
  const header = [
    "observation",
    "group",
    "count",
    "mean",
    "std",
    "min",
    ...quantileKeys,
    "max",
    ...exceedanceColumns,
  ];
  const lines = [header.map(csvCell).join(",")];
  for (const o of summary.observations) {
    const exceedance = new Map(
      o.exceedance.map((e) => [exceedanceColumn(e.direction, e.threshold), e.probability]),
    );
    const cells = [
      csvCell(o.name),
      csvCell(o.group),
      String(o.count),
      numberCell(o.mean),
      numberCell(o.std),
      numberCell(o.min),
      ...quantileKeys.map((k) => numberCell(o.quantiles[k])),
      numberCell(o.max),
      ...exceedanceColumns.map((c) => numberCell(exceedance.get(c))),
    ];
    lines.push(cells.join(","));
  }
  return `${lines.join("\n")}\n`;
}

/** The observations of the successful realisations as an ensemble CSV. */
export function observationsCsv(matrices: RunSetMatrices): string {
  return ensembleCsv(matrices.observations);
}

/** Rows of parameters.csv made into one chunk. */
const CHUNK_ROWS = 64;

/** The parameters of the realisations `ids` as an ensemble CSV, in chunks of rows made as they
 * are taken: at 10,000 x 8,000 values the file is larger than a string may be. */
export function* parametersCsv(table: ParameterTable, ids: readonly string[]): Generator<Uint8Array> {
  const names = table.names;
  yield Buffer.from(`${["real_name", ...names].map(csvCell).join(",")}\n`, "utf8");
  const all = Int32Array.from(names, (_, i) => i);
  const row = new Float64Array(names.length);
  const rowBytes = (MAX_NUMBER_BYTES + 1) * names.length + 1;
  for (let first = 0; first < ids.length; first += CHUNK_ROWS) {
    const parts: Buffer[] = [];
    for (let r = first; r < Math.min(ids.length, first + CHUNK_ROWS); r++) {
      const id = ids[r]!;
      table.fill(id, all, row);
      const bytes = Buffer.allocUnsafe(rowBytes);
      let at = 0;
      for (let k = 0; k < row.length; k++) {
        bytes[at++] = 44;
        const v = row[k]!;
        if (!Number.isNaN(v)) at = writeShortestNumber(bytes, at, v);
      }
      bytes[at++] = 10;
      parts.push(Buffer.from(csvCell(id), "utf8"), bytes.subarray(0, at));
    }
    yield Buffer.concat(parts);
  }
}

/** Rows written together: each column is read for that many rows at a time rather than one
 * value per row, which takes a third less time at 2,000 x 5,000 than going row by row. */
const ROW_BLOCK = 16;

/** A matrix as an ensemble CSV: header `real_name,<names>`, then one row per id; NaN is an
 * empty cell. */
export function ensembleCsv(matrix: ValueMatrix, indexName = "real_name"): string {
  const { ids, names, columns } = matrix;
  const lines: string[] = [[indexName, ...names].map(csvCell).join(",")];
  const rowBytes = (MAX_NUMBER_BYTES + 1) * names.length;
  const buffers = Array.from({ length: ROW_BLOCK }, () => Buffer.allocUnsafe(rowBytes));
  const ends = new Int32Array(ROW_BLOCK);
  for (let first = 0; first < ids.length; first += ROW_BLOCK) {
    const block = Math.min(ROW_BLOCK, ids.length - first);
    ends.fill(0);
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c]!;
      for (let b = 0; b < block; b++) {
        const bytes = buffers[b]!;
        let at = ends[b]!;
        bytes[at++] = 44;
        const v = column[first + b]!;
        ends[b] = Number.isNaN(v) ? at : writeShortestNumber(bytes, at, v);
      }
    }
    for (let b = 0; b < block; b++) {
      lines.push(csvCell(ids[first + b]!) + buffers[b]!.toString("latin1", 0, ends[b]!));
    }
  }
  return `${lines.join("\n")}\n`;
}

function exceedanceColumn(direction: "above" | "below", threshold: number): string {
  return `P(${direction === "above" ? ">" : "<"}${threshold})`;
}

function numberCell(v: number | null | undefined): string {
  if (v === null || v === undefined) return "";
  return Object.is(v, -0) ? "0" : String(v);
}

/** Quoted when it holds a comma, quote, line break or surrounding space. */
function csvCell(text: string): string {
  if (!/[",\r\n]/.test(text) && text.trim() === text) return text;
  return `"${text.replaceAll('"', '""')}"`;
}
