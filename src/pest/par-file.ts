// PEST parameter value files (.par): reading them into parameter sets and writing them.
//
// Layout (PEST manual, "parameter value file"; what PEST writes as <case>.par and PARREP
// reads): a first line `<precision> <dpoint>` (`single|double`, `point|nopoint`), then one
// line per parameter: name, value, scale, offset, separated by spaces or tabs. The value a
// model sees is value * scale + offset, which is what PEST writes into model input files.
import { PestFormatError, UserError } from "../errors.ts";
import { parseFortranNumber } from "./fortran-number.ts";
import { MAX_PARAMETER_NAME_LENGTH } from "./template.ts";
import { byteString, readableText, splitLines } from "./text.ts";

export interface ParEntry {
  /** Lower-case when read from a file (PEST names are case-insensitive). */
  readonly name: string;
  readonly value: number;
  readonly scale: number;
  readonly offset: number;
}

export interface ParFile {
  readonly precision: "single" | "double";
  readonly point: "point" | "nopoint";
  readonly entries: ParEntry[];
}

export interface WriteParOptions {
  /** Default "single", as PEST writes unless told otherwise. */
  readonly precision?: "single" | "double";
  /** Default "point". */
  readonly point?: "point" | "nopoint";
  /** Default "\n". */
  readonly eol?: "\n" | "\r\n";
}

const HEADER_HELP = 'the first line must be the precision and decimal-point setting, e.g. "single point"';

/** Reads a parameter value file: its bytes, or its text (which stands for its UTF-8 bytes).
 * `file` names it in errors. Blank lines are ignored. */
export function parseParFile(source: Uint8Array | string, file: string): ParFile {
  const lines = splitLines(byteString(source));
  const header = tokens(lines[0] ?? "");
  if (header.length === 0) throw new PestFormatError(file, 1, `missing header: ${HEADER_HELP}`);
  const [precision, point] = header.map((t) => t.toLowerCase());
  if (precision !== "single" && precision !== "double") {
    throw new PestFormatError(
      file,
      1,
      `precision "${shorten(header[0]!)}" must be "single" or "double"; ${HEADER_HELP}`,
    );
  }
  if (point === undefined)
    throw new PestFormatError(
      file,
      1,
      `no decimal-point setting after "${shorten(header[0]!)}"; ${HEADER_HELP}`,
    );
  if (point !== "point" && point !== "nopoint") {
    throw new PestFormatError(
      file,
      1,
      `decimal-point setting "${shorten(header[1]!)}" must be "point" or "nopoint"`,
    );
  }
  if (header.length > 2)
    throw new PestFormatError(
      file,
      1,
      `unexpected "${shorten(header[2]!)}" after "${shorten(header[1]!)}"; ${HEADER_HELP}`,
    );

  const entries: ParEntry[] = [];
  const firstLine = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = i + 1;
    const items = tokens(lines[i]!);
    if (items.length === 0) continue;
    if (items.length !== 4) {
      throw new PestFormatError(
        file,
        line,
        `expected 4 items (name, value, scale, offset), found ${items.length}: "${shorten(lines[i]!.trim())}"`,
      );
    }
    const [rawName, ...numbers] = items as [string, string, string, string];
    const bad = nameProblem(rawName);
    if (bad) throw new PestFormatError(file, line, bad);
    const name = rawName.toLowerCase();
    const [value, scale, offset] = numbers.map((s, k) => {
      const v = parseFortranNumber(s);
      if (v === undefined) {
        throw new PestFormatError(
          file,
          line,
          `${COLUMNS[k]} "${shorten(s)}" of parameter "${name}" is not a number`,
        );
      }
      return v;
    }) as [number, number, number];
    const seen = firstLine.get(name);
    if (seen !== undefined)
      throw new PestFormatError(file, line, `parameter "${name}" appears twice (also on line ${seen})`);
    firstLine.set(name, line);
    entries.push({ name, value, scale, offset });
  }
  return { precision, point, entries };
}

const COLUMNS = ["value", "scale", "offset"] as const;

/** The values a model sees: value * scale + offset, by lower-case name. */
export function parValues(par: ParFile): Map<string, number> {
  const out = new Map<string, number>();
  for (const e of par.entries) out.set(e.name.toLowerCase(), e.value * e.scale + e.offset);
  return out;
}

/**
 * A parameter value file for `entries`. Numbers are written in their shortest form that
 * reads back exactly (`2.5`, `1.23456789e-7`), which Fortran, PEST and PEST++ all read.
 */
export function writeParFile(entries: readonly ParEntry[], options: WriteParOptions = {}): string {
  const eol = options.eol ?? "\n";
  const seen = new Set<string>();
  for (const e of entries) {
    const bad = nameProblem(e.name);
    if (bad) throw new UserError(`cannot write par file: ${bad}`);
    const key = e.name.toLowerCase();
    if (seen.has(key)) throw new UserError(`cannot write par file: parameter "${e.name}" is given twice`);
    seen.add(key);
  }
  const nameWidth = Math.max(12, ...entries.map((e) => e.name.length));
  const out = [`${options.precision ?? "single"} ${options.point ?? "point"}`];
  for (const e of entries) {
    const cells = [e.value, e.scale, e.offset].map((v, k) => {
      if (!Number.isFinite(v))
        throw new UserError(`cannot write par file: ${COLUMNS[k]} of "${e.name}" is ${v}`);
      return numberText(v).padStart(24);
    });
    out.push(`${e.name.padEnd(nameWidth)}${cells.join("")}`);
  }
  return out.join(eol) + eol;
}

/** Shortest round-trip text; -0 is written as 0. */
export function numberText(v: number): string {
  return Object.is(v, -0) ? "0" : String(v);
}

function tokens(line: string): string[] {
  return line.split(/[ \t]+/).filter((t) => t !== "");
}

function nameProblem(name: string): string | undefined {
  if (name.length === 0) return "empty parameter name";
  if (!/^[\x21-\x7e]+$/.test(name))
    return `parameter name "${shorten(name)}" must be printable ASCII without spaces`;
  if (name.length > MAX_PARAMETER_NAME_LENGTH) {
    return `parameter name "${shorten(name)}" is ${name.length} characters long; PEST++ allows at most ${MAX_PARAMETER_NAME_LENGTH}`;
  }
  return undefined;
}

/** A piece of the file (bytes) for a message, shortened when long. */
function shorten(s: string): string {
  return readableText(s.length > 40 ? `${s.slice(0, 37)}...` : s);
}
