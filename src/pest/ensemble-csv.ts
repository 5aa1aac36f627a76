// Parameter ensembles in the CSV layout pyemu and PEST++ (pestpp-ies, pestpp-swp) share: a
// header row, then one row per realisation; the first column is the realisation name (its
// header cell can be anything, `real_name` or empty as pandas writes it) and every other
// column is a parameter. Every column after the first is taken as a parameter: the tplins
// fixture's sweep_in.csv has only parameter columns (`stage` is a fixed parameter of its
// control file), and matching columns against a control file is the caller's business.
import { PestFormatError, UserError } from "../errors.ts";
import { type FormatProblems, reportOrThrow } from "./format-problems.ts";
import { parseFortranNumber } from "./fortran-number.ts";
import { numberText } from "./par-file.ts";
import { MAX_PARAMETER_NAME_LENGTH } from "./template.ts";
import { decodeText, decodeUtf8 } from "./text.ts";

export interface EnsembleRow {
  /** As written (trimmed); names are unique ignoring case. */
  readonly name: string;
  /** One per column, in column order. */
  readonly values: number[];
}

export interface EnsembleCsv {
  /** Lower-case parameter names, in file order, without the realisation-name column. */
  readonly columns: string[];
  readonly rows: EnsembleRow[];
}

export interface WriteEnsembleOptions {
  /** Header of the realisation-name column. Default "real_name". */
  readonly indexName?: string;
  /** Default "\n". */
  readonly eol?: "\n" | "\r\n";
}

interface CsvRecord {
  readonly line: number;
  readonly cells: string[];
}

/** Reads an ensemble CSV: its bytes, which must be UTF-8 (NotUtf8Error otherwise, with the
 * line), or its text. `file` names it in errors. Blank lines are ignored. */
export function parseEnsembleCsv(source: Uint8Array | string, file: string): EnsembleCsv {
  return readEnsembleCsv(source, file).csv;
}

/** Reads an ensemble CSV with the line each row starts on. With `problems`, every bad cell
 * and row is recorded there (a bad row is left out) instead of the first being thrown. */
export function readEnsembleCsv(
  source: Uint8Array | string,
  file: string,
  problems?: FormatProblems,
): { csv: EnsembleCsv; lines: number[] } {
  const fail = (line: number | undefined, detail: string) =>
    reportOrThrow(problems, new PestFormatError(file, line, detail));
  const text = typeof source === "string" ? decodeText(source) : decodeUtf8(source, file);
  const records = readRecords(text, file).filter((r) => !(r.cells.length === 1 && r.cells[0] === ""));
  const none = { csv: { columns: [], rows: [] }, lines: [] };
  const header = records[0];
  if (header === undefined) throw new PestFormatError(file, undefined, "empty ensemble CSV: no header row");
  const columns = header.cells.slice(1).map((c) => c.toLowerCase());
  if (columns.length === 0) {
    throw new PestFormatError(
      file,
      header.line,
      "the header has no parameter columns after the realisation-name column",
    );
  }
  const columnAt = new Map<string, number>();
  let headerOk = true;
  columns.forEach((c, i) => {
    const problem = columnProblem(c, i, columnAt);
    if (problem === undefined) columnAt.set(c, i);
    else {
      headerOk = false;
      fail(header.line, problem);
    }
  });
  // Rows are read by the header's columns: with a bad header, what they hold is unknown.
  if (!headerOk) return none;

  const rows: EnsembleRow[] = [];
  const lines: number[] = [];
  const rowLine = new Map<string, number>();
  for (const r of records.slice(1)) {
    if (r.cells.length !== header.cells.length) {
      fail(
        r.line,
        `expected ${header.cells.length} cells (the realisation name and ${columns.length} parameter${columns.length === 1 ? "" : "s"}), found ${r.cells.length}`,
      );
      continue;
    }
    const name = r.cells[0]!;
    if (name === "") {
      fail(r.line, "the realisation name (first cell) is empty");
      continue;
    }
    // Exact repeats only: names that differ in case are different names here (as ids, that
    // they would share a folder is checked where they become ids, and said in those words).
    const seen = rowLine.get(name);
    if (seen !== undefined) {
      fail(r.line, `realisation "${name}" appears twice (also on line ${seen})`);
      continue;
    }
    rowLine.set(name, r.line);
    const values: number[] = [];
    let rowOk = true;
    for (const [i, c] of columns.entries()) {
      const cell = r.cells[i + 1]!;
      const v = parseFortranNumber(cell);
      if (v === undefined) {
        const what =
          cell === ""
            ? "is empty"
            : `"${cell.length > 40 ? `${cell.slice(0, 37)}...` : cell}" is not a number`;
        fail(r.line, `column "${c}" of realisation "${name}" ${what}`);
        rowOk = false;
        continue;
      }
      values.push(v);
    }
    if (!rowOk) continue;
    rows.push({ name, values });
    lines.push(r.line);
  }
  if (rows.length === 0 && (problems === undefined || problems.count === 0))
    fail(header.line, "no realisations: the CSV has only a header row");
  return { csv: { columns, rows }, lines };
}

function columnProblem(c: string, i: number, earlier: ReadonlyMap<string, number>): string | undefined {
  if (c === "") return `column ${i + 2} has no name`;
  if (c.length > MAX_PARAMETER_NAME_LENGTH) {
    return `column ${i + 2} name "${c.slice(0, 37)}..." is ${c.length} characters long; PEST++ allows at most ${MAX_PARAMETER_NAME_LENGTH}`;
  }
  const seen = earlier.get(c);
  if (seen !== undefined) return `column "${c}" appears twice (columns ${seen + 2} and ${i + 2})`;
  return undefined;
}

/** One realisation's values by lower-case parameter name. The name is matched exactly, then
 * ignoring case. */
export function ensembleRowValues(csv: EnsembleCsv, rowName: string): Map<string, number> {
  const row =
    csv.rows.find((r) => r.name === rowName) ??
    csv.rows.find((r) => r.name.toLowerCase() === rowName.toLowerCase());
  if (row === undefined) {
    const names = csv.rows.slice(0, 5).map((r) => r.name);
    const more = csv.rows.length > 5 ? ` and ${csv.rows.length - 5} more` : "";
    throw new UserError(`no realisation "${rowName}" in the ensemble (it has ${names.join(", ")}${more})`);
  }
  return new Map(csv.columns.map((c, i) => [c, row.values[i]!]));
}

/** An ensemble CSV; numbers are written in their shortest form that reads back exactly. */
export function writeEnsembleCsv(
  csv: {
    readonly columns: readonly string[];
    readonly rows: ReadonlyArray<{ readonly name: string; readonly values: readonly number[] }>;
  },
  options: WriteEnsembleOptions = {},
): string {
  const eol = options.eol ?? "\n";
  const seen = new Set<string>();
  for (const c of csv.columns) {
    if (c.trim() === "") throw new UserError("cannot write ensemble CSV: a column has no name");
    if (seen.has(c.toLowerCase()))
      throw new UserError(`cannot write ensemble CSV: column "${c}" appears twice`);
    seen.add(c.toLowerCase());
  }
  const out = [[options.indexName ?? "real_name", ...csv.columns].map(quote).join(",")];
  for (const r of csv.rows) {
    if (r.values.length !== csv.columns.length) {
      throw new UserError(
        `cannot write ensemble CSV: realisation "${r.name}" has ${r.values.length} values for ${csv.columns.length} columns`,
      );
    }
    const cells = r.values.map((v, i) => {
      if (!Number.isFinite(v)) {
        throw new UserError(
          `cannot write ensemble CSV: column "${csv.columns[i]}" of realisation "${r.name}" is ${v}`,
        );
      }
      return numberText(v);
    });
    out.push([quote(r.name), ...cells].join(","));
  }
  return out.join(eol) + eol;
}

function quote(cell: string): string {
  if (!/[",\r\n]/.test(cell) && cell.trim() === cell) return cell;
  return `"${cell.replaceAll('"', '""')}"`;
}

/** Splits CSV text into records of trimmed cells: commas separate, double quotes enclose
 * cells holding commas, quotes (doubled) or line breaks, and lines end in LF or CRLF. */
function readRecords(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = "";
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const n = text.length;
  const endCell = (): void => {
    cells.push(quoted ? cell : cell.trim());
    cell = "";
    quoted = false;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '"' && cell.trim() === "" && !quoted) {
      // A quoted cell: read to the closing quote; "" inside is a literal quote.
      const opened = line;
      cell = "";
      i++;
      for (;;) {
        if (i >= n)
          throw new PestFormatError(
            file,
            opened,
            "a quoted cell is never closed (missing closing double quote)",
          );
        const q = text[i]!;
        if (q === '"') {
          if (text[i + 1] === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === "\n") line++;
        cell += q;
        i++;
      }
      quoted = true;
      while (i < n && (text[i] === " " || text[i] === "\t")) i++;
      const after = text[i];
      if (
        after !== undefined &&
        after !== "," &&
        after !== "\n" &&
        !(after === "\r" && text[i + 1] === "\n")
      ) {
        throw new PestFormatError(file, line, `unexpected text after the quoted cell "${cell}"`);
      }
      continue;
    }
    if (c === ",") {
      endCell();
      i++;
      continue;
    }
    if (c === "\n" || (c === "\r" && text[i + 1] === "\n")) {
      endCell();
      records.push({ line: recordLine, cells });
      cells = [];
      i += c === "\r" ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    cell += c;
    i++;
  }
  if (cell !== "" || quoted || cells.length > 0) {
    endCell();
    records.push({ line: recordLine, cells });
  }
  return records;
}
