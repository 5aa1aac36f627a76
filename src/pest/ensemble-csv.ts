// Parameter ensembles in the CSV layout pyemu and PEST++ (pestpp-ies, pestpp-swp) share: a
// header row, then one row per realisation; the first column is the realisation name (its
// header cell can be anything, `real_name` or empty as pandas writes it) and every other
// column is a parameter. Every column after the first is taken as a parameter: the tplins
// fixture's sweep_in.csv has only parameter columns (`stage` is a fixed parameter of its
// control file), and matching columns against a control file is the caller's business.
import { isUtf8 } from "node:buffer";
import { PestFormatError, UserError } from "../errors.ts";
import type { ColumnBounds } from "./column-bounds.ts";
import { type FormatProblems, reportOrThrow } from "./format-problems.ts";
import { parseFortranNumber } from "./fortran-number.ts";
import { numberText } from "./par-file.ts";
import { readPlainRow } from "./plain-row.ts";
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

/** Reads an ensemble CSV: its bytes, which must be UTF-8 (NotUtf8Error otherwise, with the
 * line), or its text. `file` names it in errors. Blank lines are ignored. */
export function parseEnsembleCsv(source: Uint8Array | string, file: string): EnsembleCsv {
  const read = readEnsembleRows(source, file);
  return {
    columns: read.columns,
    rows: read.rows.map((values, i) => ({ name: read.names[i]!, values: [...values] })),
  };
}

/** Reads an ensemble CSV with the line each row starts on. With `problems`, every bad cell
 * and row is recorded there (a bad row is left out) instead of the first being thrown. */
export function readEnsembleCsv(
  source: Uint8Array | string,
  file: string,
  problems?: FormatProblems,
): { csv: EnsembleCsv; lines: number[] } {
  const read = readEnsembleRows(source, file, problems);
  return {
    csv: {
      columns: read.columns,
      rows: read.rows.map((values, i) => ({ name: read.names[i]!, values: [...values] })),
    },
    lines: read.lines,
  };
}

/** An ensemble's rows as they are read: each row's values a Float64Array (views of one
 * buffer), with its name and the line it starts on. */
export interface EnsembleRows {
  /** Lower-case parameter names, in file order, without the realisation-name column. */
  readonly columns: string[];
  readonly names: string[];
  readonly lines: number[];
  readonly rows: Float64Array[];
  /** The range of each column's values, when the reader worked it out (column-bounds.ts). */
  readonly bounds?: ColumnBounds;
}

/**
 * As readEnsembleCsv, straight from the bytes: a row of plain decimal numbers (the usual
 * case) is read without making a string of its cells (decimal-bytes.ts); any other row (quoted
 * cells, Fortran numbers, a bad cell) is read cell by cell as text, with the same rules and
 * messages. 10,000 realisations × 8,000 parameters are a 1.5 GB file: more than a string holds.
 * ensemble-file.ts reads large files on several threads.
 */
export function readEnsembleRows(
  source: Uint8Array | string,
  file: string,
  problems?: FormatProblems,
): EnsembleRows {
  const bytes = typeof source === "string" ? Buffer.from(decodeText(source), "utf8") : source;
  const start = startEnsemble(bytes, file, problems);
  if (!("reader" in start)) return start;
  const { reader, width } = start;
  const rows = new RowCollector(start, new Float64Array(countLines(bytes, reader.pos) * width));
  while (!reader.done) {
    // A row left out is written over by the next.
    const row = rows.values.subarray(rows.count * width, (rows.count + 1) * width);
    const line = reader.line;
    const name = reader.plainRow(width, row, 0);
    if (name !== undefined) rows.plain(name, line, row);
    else rows.record(reader.next()!, row);
  }
  return rows.finish();
}

/** The header read: its columns, and the reader at the first row. */
export interface EnsembleStart {
  readonly reader: RecordReader;
  readonly file: string;
  readonly header: CsvRecord;
  readonly columns: string[];
  readonly width: number;
  readonly problems: FormatProblems | undefined;
}

/** Checks the encoding and reads the header; a header with problems gives no rows. */
export function startEnsemble(
  bytes: Uint8Array,
  file: string,
  problems: FormatProblems | undefined,
): EnsembleStart | EnsembleRows {
  if (!isUtf8(bytes)) decodeUtf8(bytes, file); // throws, naming the line and column
  const reader = new RecordReader(bytes, file);
  let header = reader.next();
  while (header !== undefined && isBlank(header)) header = reader.next();
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
      reportOrThrow(problems, new PestFormatError(file, header.line, problem));
    }
  });
  // Rows are read by the header's columns: with a bad header, what they hold is unknown.
  if (!headerOk) return { columns: [], names: [], lines: [], rows: [] };
  return { reader, file, header, columns, width: columns.length, problems };
}

/** The rows kept, in order; every problem said as it is found. */
export class RowCollector {
  /** Where the one-thread reader puts its rows. */
  readonly values: Float64Array;
  readonly #start: EnsembleStart;
  readonly #names: string[] = [];
  readonly #lines: number[] = [];
  readonly #rows: Float64Array[] = [];
  readonly #rowLine = new Map<string, number>();

  constructor(start: EnsembleStart, values = new Float64Array(0)) {
    this.#start = start;
    this.values = values;
  }

  /** Rows kept so far. */
  get count(): number {
    return this.#rows.length;
  }

  #fail(line: number | undefined, detail: string): void {
    reportOrThrow(this.#start.problems, new PestFormatError(this.#start.file, line, detail));
  }

  #keep(name: string, line: number, row: Float64Array): void {
    this.#names.push(name);
    this.#lines.push(line);
    this.#rows.push(row);
  }

  #accept(name: string, line: number): boolean {
    if (name === "") {
      this.#fail(line, "the realisation name (first cell) is empty");
      return false;
    }
    // Exact repeats only: names that differ in case are different names here (as ids, that
    // they would share a folder is checked where they become ids, and said in those words).
    const seen = this.#rowLine.get(name);
    if (seen !== undefined) {
      this.#fail(line, `realisation "${name}" appears twice (also on line ${seen})`);
      return false;
    }
    this.#rowLine.set(name, line);
    return true;
  }

  /** A row read by readPlainRow, its values already in `row`. */
  plain(name: string, line: number, row: Float64Array): void {
    if (this.#accept(name, line)) this.#keep(name, line, row);
  }

  /** A row read as text: its values go to `row` when every cell is a number. */
  record(r: CsvRecord, row: Float64Array): void {
    if (isBlank(r)) return;
    const { header, columns, width } = this.#start;
    if (r.cells.length !== header.cells.length) {
      this.#fail(
        r.line,
        `expected ${header.cells.length} cells (the realisation name and ${width} parameter${width === 1 ? "" : "s"}), found ${r.cells.length}`,
      );
      return;
    }
    const name = r.cells[0]!;
    if (!this.#accept(name, r.line)) return;
    let rowOk = true;
    for (const [i, c] of columns.entries()) {
      const cell = r.cells[i + 1]!;
      const v = parseFortranNumber(cell);
      if (v === undefined) {
        const what =
          cell === ""
            ? "is empty"
            : `"${cell.length > 40 ? `${cell.slice(0, 37)}...` : cell}" is not a number`;
        this.#fail(r.line, `column "${c}" of realisation "${name}" ${what}`);
        rowOk = false;
        continue;
      }
      row[i] = v;
    }
    if (rowOk) this.#keep(name, r.line, row);
  }

  finish(): EnsembleRows {
    const problems = this.#start.problems;
    if (this.#rows.length === 0 && (problems === undefined || problems.count === 0))
      this.#fail(this.#start.header.line, "no realisations: the CSV has only a header row");
    return { columns: this.#start.columns, names: this.#names, lines: this.#lines, rows: this.#rows };
  }
}

/** A blank line: one empty cell. */
function isBlank(r: CsvRecord): boolean {
  return r.cells.length === 1 && r.cells[0] === "";
}

/** Line breaks after `from`, plus one: at least the number of records left. */
function countLines(bytes: Uint8Array, from: number): number {
  let count = 1;
  for (let i = bytes.indexOf(10, from); i >= 0; i = bytes.indexOf(10, i + 1)) count++;
  return count;
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

export interface CsvRecord {
  readonly line: number;
  readonly cells: string[];
}

const text = new TextDecoder("utf-8");

/** Reads CSV bytes a record at a time: commas separate cells, double quotes enclose cells
 * holding commas, quotes (doubled) or line breaks, lines end in LF or CRLF, and cells are
 * trimmed unless quoted. `plainRow` reads a row of plain numbers without making strings. */
export class RecordReader {
  readonly #bytes: Uint8Array;
  readonly #file: string;
  /** The next record starts here, on this line. */
  pos: number;
  line = 1;

  constructor(bytes: Uint8Array, file: string) {
    this.#bytes = bytes;
    this.#file = file;
    this.pos = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  }

  get done(): boolean {
    return this.pos >= this.#bytes.length;
  }

  #cell(start: number, end: number): string {
    return text.decode(this.#bytes.subarray(start, end)).trim();
  }

  /** The next record, or undefined at the end. */
  next(): CsvRecord | undefined {
    const b = this.#bytes;
    const n = b.length;
    if (this.pos >= n) return undefined;
    const cells: string[] = [];
    const recordLine = this.line;
    let i = this.pos;
    let start = i;
    for (;;) {
      if (i >= n) {
        cells.push(this.#cell(start, i));
        break;
      }
      const c = b[i]!;
      if (c === 34 && this.#cell(start, i) === "") {
        // A quoted cell: read to the closing quote; "" inside is a literal quote.
        const opened = this.line;
        const parts: string[] = [];
        let from = ++i;
        for (;;) {
          if (i >= n) {
            throw new PestFormatError(
              this.#file,
              opened,
              "a quoted cell is never closed (missing closing double quote)",
            );
          }
          const q = b[i]!;
          if (q === 34) {
            parts.push(text.decode(b.subarray(from, i)));
            if (b[i + 1] === 34) {
              parts.push('"');
              i += 2;
              from = i;
              continue;
            }
            i++;
            break;
          }
          if (q === 10) this.line++;
          i++;
        }
        const cell = parts.join("");
        cells.push(cell);
        while (i < n && (b[i] === 32 || b[i] === 9)) i++;
        if (i >= n) break;
        if (b[i] === 44) {
          start = ++i;
          continue;
        }
        if (b[i] === 10 || (b[i] === 13 && b[i + 1] === 10)) {
          i += b[i] === 13 ? 2 : 1;
          this.line++;
          break;
        }
        throw new PestFormatError(this.#file, this.line, `unexpected text after the quoted cell "${cell}"`);
      }
      if (c === 44) {
        cells.push(this.#cell(start, i));
        start = ++i;
        continue;
      }
      if (c === 10 || (c === 13 && b[i + 1] === 10)) {
        cells.push(this.#cell(start, i));
        i += c === 13 ? 2 : 1;
        this.line++;
        break;
      }
      i++;
    }
    this.pos = i;
    return { line: recordLine, cells };
  }

  /**
   * Reads the next record when it is a name and `width` plain decimal numbers on one line
   * (plain-row.ts): the numbers go to `out` from `offset`, and the trimmed name is returned.
   * Anything else returns undefined and reads nothing: `next` reads it instead.
   */
  plainRow(width: number, out: Float64Array, offset: number): string | undefined {
    const end = readPlainRow(this.#bytes, this.pos, width, out, offset);
    if (end < 0) return undefined;
    const name = this.#cell(this.pos, this.#bytes.indexOf(44, this.pos));
    this.pos = end;
    this.line++;
    return name;
  }
}
