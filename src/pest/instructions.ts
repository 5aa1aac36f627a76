// PEST instruction files (`pif`): parsing them once into a compiled form, and reading model
// output files with that form to get observation values, with errors that say where and why.
//
// The rules are those of John Doherty's PEST (its MIO reader) and the PEST++ manual. Where the
// two differ we follow PEST++, which read our reference fixtures: commas (and `extraDelimiters`,
// PEST++'s `additional_ins_delimiters`) end non-fixed and semi-fixed numbers, columns count
// characters as they are (PEST expands tabs to 8-column stops; PEST++ does not), and `dum` may
// stand for any observation type. `w` skips blanks, tabs and extra delimiters but not commas, as
// both programs do in code. A line advance may also appear after the first item, as both accept.
//
// Files are bytes, as PEST and PEST++ read them: instruction files and model outputs are held as
// byte strings (text.ts), so columns count bytes and markers match byte for byte whatever the
// encoding. Observation names are text (UTF-8, or Latin-1 where the bytes are not UTF-8).
//
// Cursor model: `pos` counts the bytes of the current output line already consumed, so
// PEST's "cursor on the last character of the marker" is `pos` just past it, and the next
// instruction looks from index `pos` on.

import { PestFormatError } from "../errors.ts";
import { type FormatProblems, reportOrThrow } from "./format-problems.ts";
import { parseFortranNumber } from "./fortran-number.ts";
import { byteString, readableText, splitLines, utf8OfBytes } from "./text.ts";

/** `lN`: move down N lines, cursor before the start of the new line. */
export interface LineAdvance {
  readonly kind: "line";
  readonly count: number;
  /** The item as written in the instruction file. */
  readonly text: string;
  /** 1-based line of the instruction file holding the item. */
  readonly line: number;
}

/** A marker that starts an instruction line: search down the output for a line containing it. */
export interface PrimaryMarker {
  readonly kind: "primary";
  readonly marker: string;
  readonly text: string;
  readonly line: number;
}

/** A marker later on a line: search the rest of the current output line for it. */
export interface SecondaryMarker {
  readonly kind: "secondary";
  readonly marker: string;
  /** True when only markers precede it on a line that starts with a primary marker: then a
   * miss means "wrong line", and the primary search resumes below (PEST's rule). */
  readonly rewind: boolean;
  readonly text: string;
  readonly line: number;
}

/** `w`: move past the next run of whitespace. */
export interface Whitespace {
  readonly kind: "whitespace";
  readonly text: string;
  readonly line: number;
}

/** `tN`: put the cursor on column N. */
export interface Tab {
  readonly kind: "tab";
  readonly column: number;
  readonly text: string;
  readonly line: number;
}

/** `[name]a:b` (fixed: the number fills columns a-b) or `(name)a:b` (semi-fixed: the
 * delimited number that has a character in columns a-b). Names are lower-cased. */
export interface ColumnObservation {
  readonly kind: "fixed" | "semifixed";
  readonly name: string;
  readonly dummy: boolean;
  readonly first: number;
  readonly last: number;
  readonly text: string;
  readonly line: number;
}

/** `!name!`: the next delimited number after the cursor. */
export interface NonFixedObservation {
  readonly kind: "nonfixed";
  readonly name: string;
  readonly dummy: boolean;
  /** The marker of a secondary marker that directly follows, which may end the number
   * when the whitespace-delimited word is not one (`=21.3%` read with `!x! ~%~`). */
  readonly endMarker: string | undefined;
  readonly text: string;
  readonly line: number;
}

export type ObservationInstruction = ColumnObservation | NonFixedObservation;

/** One instruction item, compiled. */
export type Instruction =
  | LineAdvance
  | PrimaryMarker
  | SecondaryMarker
  | Whitespace
  | Tab
  | ObservationInstruction;

/** The instructions for one model output line: an instruction-file line plus any `&`
 * continuation lines after it. */
export interface InstructionLine {
  /** 1-based line in the instruction file where this line starts. */
  readonly line: number;
  readonly instructions: readonly Instruction[];
}

export interface InstructionFile {
  readonly file: string;
  readonly marker: string;
  /** Observation names read by the file, lower-cased, in instruction order; dummies excluded. */
  readonly observations: readonly string[];
  readonly lines: readonly InstructionLine[];
}

export interface ReadObservationsOptions {
  /** Characters that, besides space, tab and comma, delimit non-fixed and semi-fixed numbers
   * and count as whitespace for `w` (PEST++'s `additional_ins_delimiters`). Each is one byte of
   * the output: ASCII, or a character code up to 255 for a Latin-1 byte. */
  extraDelimiters?: string;
}

/** Reading a model output file with an instruction file failed. The message starts with the
 * instruction file and line (as every PestFormatError does) and names the output file, line
 * and column, the instruction, and what it expected. */
export class InstructionReadError extends PestFormatError {
  readonly outputFile: string;
  /** 1-based line of the output file where reading failed; the last line at end of file. */
  readonly outputLine: number;
  /** 1-based column where the failing instruction started looking, where that matters. */
  readonly column: number | undefined;
  /** The failing instruction as written in the instruction file. */
  readonly instruction: string;
  /** Lower-cased observation name when an observation instruction failed (`dum` for dummies). */
  readonly observation: string | undefined;
  /** Values read before the failure, in instruction order. */
  readonly partial: ReadonlyMap<string, number>;
  constructor(
    insFile: string,
    insLine: number,
    detail: string,
    info: {
      outputFile: string;
      outputLine: number;
      column?: number | undefined;
      instruction: string;
      observation?: string | undefined;
      partial: ReadonlyMap<string, number>;
    },
  ) {
    super(insFile, insLine, detail);
    this.name = "InstructionReadError";
    this.outputFile = info.outputFile;
    this.outputLine = info.outputLine;
    this.column = info.column;
    this.instruction = info.instruction;
    this.observation = info.observation;
    this.partial = info.partial;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

const SPACE = 32;
const TAB = 9;
const COMMA = 44;

// PEST reserves these for instruction syntax, so a marker delimiter may not be one of them.
const FORBIDDEN_MARKERS = "![]():&";
const FIXED_RANGE = /^(\d+):(\d+)$/;
const COUNT = /^\d+$/;

interface Token {
  readonly text: string;
  /** Marker text without its delimiters; undefined for non-marker tokens. */
  readonly marker: string | undefined;
}

/** Parses an instruction file: its bytes, or its text (which stands for its UTF-8 bytes); BOM
 * and CRLF allowed. `file` names it in error messages. Throws PestFormatError, with the line,
 * for anything malformed; with `problems`, records every malformed line there instead (and
 * leaves it out) and throws only for a bad header, after which nothing else can be read. */
export function parseInstructions(
  source: Uint8Array | string,
  file: string,
  problems?: FormatProblems,
): InstructionFile {
  // Quoted pieces of the file are bytes; show them as the text they stand for.
  const readable = (e: PestFormatError) => new PestFormatError(e.file, e.line, readableText(e.detail));
  const from = problems?.kept.length ?? 0;
  try {
    return compileInstructions(byteString(source), file, problems);
  } catch (e) {
    if (e instanceof PestFormatError) throw readable(e);
    throw e;
  } finally {
    if (problems)
      for (let i = from; i < problems.kept.length; i++) problems.kept[i] = readable(problems.kept[i]!);
  }
}

function compileInstructions(text: string, file: string, problems?: FormatProblems): InstructionFile {
  const rows = splitLines(text);
  const marker = parseHeader(rows[0], file);
  const lines: { line: number; instructions: Instruction[] }[] = [];
  const seen = new Map<string, number>();
  const observations: string[] = [];
  // A line left out for a problem takes its continuation lines with it.
  let skipping = false;

  for (let r = 1; r < rows.length; r++) {
    const lineNo = r + 1;
    try {
      const tokens = tokenize(rows[r]!, marker, file, lineNo);
      if (tokens.length === 0) continue;
      const continues = tokens[0]!.marker === undefined && tokens[0]!.text === "&";
      if (continues && skipping) continue;
      skipping = false;
      const previous = lines[lines.length - 1];
      if (continues && previous === undefined) {
        throw new PestFormatError(
          file,
          lineNo,
          `the first instruction line cannot be a continuation ("&"): there is no line to continue`,
        );
      }
      const target = continues ? previous! : { line: lineNo, instructions: [] };
      const items = compileLine(
        tokens.slice(continues ? 1 : 0),
        target.instructions.length === 0,
        file,
        lineNo,
      );
      const named = new Map<string, number>();
      for (const item of items) {
        if ((item.kind !== "fixed" && item.kind !== "semifixed" && item.kind !== "nonfixed") || item.dummy)
          continue;
        const earlier = seen.get(item.name) ?? named.get(item.name);
        if (earlier !== undefined) {
          throw new PestFormatError(
            file,
            lineNo,
            `observation ${item.name} is already read at line ${earlier}; an observation may be read only ` +
              `once (only the dummy name "dum" may repeat)`,
          );
        }
        named.set(item.name, lineNo);
      }
      for (const [name, line] of named) {
        seen.set(name, line);
        observations.push(name);
      }
      if (!continues) lines.push(target);
      target.instructions.push(...items);
    } catch (e) {
      if (!(e instanceof PestFormatError)) throw e;
      reportOrThrow(problems, e);
      skipping = true;
    }
  }

  return { file, marker, observations, lines: lines.map(link) };
}

/** The instructions of one line's tokens; `first` when they start an instruction line. */
function compileLine(tokens: readonly Token[], first: boolean, file: string, lineNo: number): Instruction[] {
  const items: Instruction[] = [];
  for (const tok of tokens) {
    const starts = first && items.length === 0;
    const item = compileToken(tok, starts, file, lineNo);
    if (starts && item.kind !== "line" && item.kind !== "primary") {
      throw new PestFormatError(
        file,
        lineNo,
        `"${tok.text}" cannot start an instruction line: each line must begin with a line advance (lN) ` +
          `or a primary marker, to say which output line the other instructions apply to`,
      );
    }
    items.push(item);
  }
  return items;
}

function parseHeader(row: string | undefined, file: string): string {
  const words = (row ?? "").split(/[ \t]+/).filter((w) => w !== "");
  const tag = (words[0] ?? "").toLowerCase();
  if (row === undefined || (tag !== "pif" && tag !== "jif") || words.length < 2) {
    const found = row === undefined ? "an empty file" : `"${row.replace(/^[ \t]+|[ \t]+$/g, "")}"`;
    throw new PestFormatError(
      file,
      1,
      `expected the header "pif <marker delimiter>" (e.g. "pif ~") on the first line, found ${found}`,
    );
  }
  const marker = words[1]!;
  // One byte, or one character in UTF-8 (PEST itself takes a byte).
  const asText = utf8OfBytes(marker);
  if (marker.length !== 1 && (asText === undefined || [...asText].length !== 1)) {
    throw new PestFormatError(
      file,
      1,
      `the marker delimiter in the "pif" header must be a single character, found "${marker}"`,
    );
  }
  if (/[A-Za-z0-9]/.test(marker) || FORBIDDEN_MARKERS.includes(marker)) {
    throw new PestFormatError(
      file,
      1,
      `"${marker}" cannot be the marker delimiter: letters, digits and ${FORBIDDEN_MARKERS.split("").join(" ")} ` +
        `have other meanings in instruction files`,
    );
  }
  if (words.length > 2) {
    throw new PestFormatError(
      file,
      1,
      `unexpected "${words.slice(2).join(" ")}" after the marker delimiter in the "pif" header`,
    );
  }
  return marker;
}

/** Splits an instruction line into items: markers run from delimiter to delimiter (spaces
 * inside are part of the marker); other items end at a space, tab or marker delimiter. */
function tokenize(row: string, marker: string, file: string, lineNo: number): Token[] {
  const tokens: Token[] = [];
  const n = row.length;
  let j = 0;
  while (j < n) {
    const c = row.charCodeAt(j);
    if (c === SPACE || c === TAB) {
      j++;
      continue;
    }
    if (row.startsWith(marker, j)) {
      const close = row.indexOf(marker, j + marker.length);
      if (close < 0) {
        throw new PestFormatError(
          file,
          lineNo,
          `unclosed marker: the "${marker}" at column ${j + 1} has no closing "${marker}" on this line ` +
            `(${JSON.stringify(row.slice(j))})`,
        );
      }
      const text = row.slice(j, close + marker.length);
      if (close === j + marker.length) {
        throw new PestFormatError(file, lineNo, `empty marker "${text}" at column ${j + 1}`);
      }
      tokens.push({ text, marker: row.slice(j + marker.length, close) });
      j = close + marker.length;
      continue;
    }
    const start = j;
    while (j < n) {
      const d = row.charCodeAt(j);
      if (d === SPACE || d === TAB || row.startsWith(marker, j)) break;
      j++;
    }
    tokens.push({ text: row.slice(start, j), marker: undefined });
  }
  return tokens;
}

function compileToken(tok: Token, first: boolean, file: string, line: number): Instruction {
  const { text } = tok;
  if (tok.marker !== undefined) {
    return first
      ? { kind: "primary", marker: tok.marker, text, line }
      : { kind: "secondary", marker: tok.marker, rewind: false, text, line };
  }
  switch (text[0]) {
    case "l":
    case "L": {
      const count = wholeNumber(text.slice(1));
      if (count === undefined || count < 1) {
        throw new PestFormatError(
          file,
          line,
          `bad line advance "${text}": expected "l" followed by a whole number of lines, at least 1 (e.g. l1)`,
        );
      }
      return { kind: "line", count, text, line };
    }
    case "w":
    case "W":
      if (text.length !== 1) throw unknownInstruction(text, file, line);
      return { kind: "whitespace", text, line };
    case "t":
    case "T": {
      const column = wholeNumber(text.slice(1));
      if (column === undefined || column < 1) {
        throw new PestFormatError(
          file,
          line,
          `bad tab "${text}": expected "t" followed by a column number, at least 1 (e.g. t20)`,
        );
      }
      return { kind: "tab", column, text, line };
    }
    case "[":
    case "(":
      return compileColumns(text, file, line);
    case "!": {
      const close = text.indexOf("!", 1);
      if (close !== text.length - 1 || close < 2) {
        throw new PestFormatError(
          file,
          line,
          `bad non-fixed observation "${text}": expected the observation name between two "!" (e.g. !h1!)`,
        );
      }
      const name = observationName(text.slice(1, close), text, file, line);
      return { kind: "nonfixed", name, dummy: name === "dum", endMarker: undefined, text, line };
    }
    case "&":
      throw new PestFormatError(
        file,
        line,
        text === "&"
          ? `"&" (continuation) may only be the first item of an instruction line`
          : `bad continuation "${text}": "&" must be followed by a space`,
      );
    default:
      throw unknownInstruction(text, file, line);
  }
}

function compileColumns(text: string, file: string, line: number): Instruction {
  const fixed = text[0] === "[";
  const closeChar = fixed ? "]" : ")";
  const what = fixed ? "fixed observation" : "semi-fixed observation";
  const example = fixed ? "[h1]21:30" : "(h1)21:30";
  const close = text.indexOf(closeChar);
  if (close < 0) {
    throw new PestFormatError(
      file,
      line,
      `bad ${what} "${text}": no closing "${closeChar}" (expected e.g. ${example})`,
    );
  }
  const name = observationName(text.slice(1, close), text, file, line);
  const range = FIXED_RANGE.exec(text.slice(close + 1));
  if (range === null) {
    throw new PestFormatError(
      file,
      line,
      `bad column range in ${what} "${text}": expected first:last column numbers after "${closeChar}" ` +
        `with no spaces (e.g. ${example})`,
    );
  }
  const first = Number(range[1]);
  const last = Number(range[2]);
  if (first < 1 || last < first) {
    throw new PestFormatError(
      file,
      line,
      first < 1
        ? `bad column range in ${what} "${text}": columns are numbered from 1`
        : `bad column range in ${what} "${text}": the first column (${first}) is after the last (${last})`,
    );
  }
  return { kind: fixed ? "fixed" : "semifixed", name, dummy: name === "dum", first, last, text, line };
}

function observationName(raw: string, text: string, file: string, line: number): string {
  if (raw.length === 0) {
    throw new PestFormatError(file, line, `observation name missing in "${text}"`);
  }
  if (/[[\]()]/.test(raw)) {
    throw new PestFormatError(
      file,
      line,
      `bad observation name "${raw}" in "${text}": names cannot contain [ ] ( or )`,
    );
  }
  return readableText(raw).toLowerCase();
}

function wholeNumber(s: string): number | undefined {
  return COUNT.test(s) ? Number(s) : undefined;
}

function unknownInstruction(text: string, file: string, line: number): PestFormatError {
  return new PestFormatError(
    file,
    line,
    `unknown instruction "${text}": expected lN, w, tN, [name]first:last, (name)first:last, !name!, ` +
      `a marker between marker delimiters, or "&" to continue the previous line`,
  );
}

/** Fills in what an instruction needs to know about its neighbours on the same line. */
function link(row: { line: number; instructions: Instruction[] }): InstructionLine {
  const items = row.instructions;
  const startsWithPrimary = items[0]?.kind === "primary";
  let onlyMarkers = true;
  const out: Instruction[] = items.map((item, i) => {
    if (item.kind === "secondary") {
      return { ...item, rewind: startsWithPrimary && onlyMarkers };
    }
    if (item.kind !== "primary") onlyMarkers = false;
    if (item.kind === "nonfixed") {
      const next = items[i + 1];
      return { ...item, endMarker: next?.kind === "secondary" ? next.marker : undefined };
    }
    return item;
  });
  return { line: row.line, instructions: out };
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Reads the observations an instruction file defines from a model output file: its bytes, or
 * its text (which stands for its UTF-8 bytes). Returns name → value in instruction order,
 * without dummy observations (which pass over any text, as PEST++ reads them: pyemu writes
 * `!dum!` over date columns). Throws InstructionReadError
 * at the first instruction that fails. */
export function readObservations(
  ins: InstructionFile,
  output: Uint8Array | string,
  outputFile: string,
  options: ReadObservationsOptions = {},
): Map<string, number> {
  const tables = delimiterTables(options.extraDelimiters ?? "");
  const values = new Map<string, number>();
  const cur = new OutputCursor(byteString(output));
  const ctx: ReadContext = { ins, outputFile, cur, values, tables };
  for (const row of ins.lines) readLine(row, ctx);
  return values;
}

interface DelimiterTables {
  /** Codes < 128 that end a number (space, tab, comma, extras): 1 = delimiter. */
  readonly number: Uint8Array;
  /** Codes < 128 that `w` skips (space, tab, extras). */
  readonly white: Uint8Array;
  /** Extra delimiters outside ASCII, rarely any. */
  readonly wide: string;
}

const tableCache = new Map<string, DelimiterTables>();

function delimiterTables(extra: string): DelimiterTables {
  const cached = tableCache.get(extra);
  if (cached !== undefined) return cached;
  const number = new Uint8Array(128);
  const white = new Uint8Array(128);
  number[SPACE] = number[TAB] = number[COMMA] = 1;
  white[SPACE] = white[TAB] = 1;
  let wide = "";
  for (const ch of extra) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c < 128) number[c] = white[c] = 1;
    else wide += ch;
  }
  const tables = { number, white, wide };
  if (tableCache.size < 64) tableCache.set(extra, tables);
  return tables;
}

function isIn(table: Uint8Array, wide: string, s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c < 128 ? table[c] === 1 : wide.length > 0 && wide.includes(s[i]!);
}

/** Walks the output text line by line without splitting it up front: skipped lines and
 * primary-marker searches never materialise the lines they pass over. */
class OutputCursor {
  readonly text: string;
  /** Offset where the next line starts (text.length at the end). */
  next = 0;
  /** 1-based number of the current line; 0 before the first line. */
  lineNo = 0;
  /** The current line, without its terminator. */
  line = "";
  /** Length of the current line without trailing spaces and tabs. */
  end = 0;
  /** Characters of the current line already consumed by instructions. */
  pos = 0;

  constructor(text: string) {
    this.text = text;
  }

  /** Moves to the next line; false at end of file. */
  advance(): boolean {
    const { text } = this;
    if (this.next >= text.length) return false;
    const nl = text.indexOf("\n", this.next);
    const stop = nl < 0 ? text.length : nl;
    this.load(this.next, stop);
    this.next = nl < 0 ? text.length : nl + 1;
    return true;
  }

  /** Passes over the next line without loading it; false at end of file. */
  skip(): boolean {
    const { text } = this;
    if (this.next >= text.length) return false;
    const nl = text.indexOf("\n", this.next);
    this.next = nl < 0 ? text.length : nl + 1;
    this.lineNo++;
    return true;
  }

  /** Moves to the first line below the current one that contains `marker`, cursor just after
   * it; false (at end of file) when there is none. */
  find(marker: string): boolean {
    const { text } = this;
    const at = this.next < text.length ? text.indexOf(marker, this.next) : -1;
    if (at < 0) {
      while (this.skip());
      return false;
    }
    for (;;) {
      const nl = text.indexOf("\n", this.next);
      const stop = nl < 0 ? text.length : nl;
      if (at < stop) {
        const start = this.next;
        this.load(start, stop);
        this.next = nl < 0 ? text.length : nl + 1;
        this.pos = at - start + marker.length;
        return true;
      }
      this.next = nl + 1;
      this.lineNo++;
    }
  }

  private load(start: number, stop: number): void {
    const { text } = this;
    let e = stop;
    if (e > start && text.charCodeAt(e - 1) === 13) e--;
    const line = text.slice(start, e);
    let end = line.length;
    for (;;) {
      const c = line.charCodeAt(end - 1);
      if (c !== SPACE && c !== TAB) break;
      end--;
    }
    this.line = line;
    this.end = end;
    this.pos = 0;
    this.lineNo++;
  }
}

interface ReadContext {
  readonly ins: InstructionFile;
  readonly outputFile: string;
  readonly cur: OutputCursor;
  readonly values: Map<string, number>;
  readonly tables: DelimiterTables;
}

function readLine(row: InstructionLine, ctx: ReadContext): void {
  const { cur, tables } = ctx;
  const items = row.instructions;
  // For the message when a primary/secondary marker combination is never found together.
  let searchFrom = -1;
  let lastHit = 0;
  let lastMissing = "";
  let i = 0;
  while (i < items.length) {
    const it = items[i]!;
    switch (it.kind) {
      case "line": {
        const from = cur.lineNo;
        for (let k = 1; k < it.count; k++) {
          if (!cur.skip()) throw pastEnd(it, from, ctx);
        }
        if (!cur.advance()) throw pastEnd(it, from, ctx);
        break;
      }
      case "primary": {
        if (searchFrom < 0) searchFrom = cur.lineNo;
        if (!cur.find(it.marker)) throw markerNotFound(it, items, searchFrom, lastHit, lastMissing, ctx);
        break;
      }
      case "secondary": {
        const at = cur.line.indexOf(it.marker, cur.pos);
        if (at < 0) {
          if (it.rewind) {
            lastHit = cur.lineNo;
            lastMissing = it.marker;
            i = 0;
            continue;
          }
          throw fail(
            ctx,
            it,
            `secondary marker "${it.marker}" not found on ${where(ctx, cur.lineNo)} after column ${cur.pos}` +
              excerpt(cur.line, cur.pos),
            cur.pos + 1,
          );
        }
        cur.pos = at + it.marker.length;
        break;
      }
      case "whitespace": {
        const { line, end } = cur;
        let p = cur.pos;
        while (p < end && !isIn(tables.white, tables.wide, line, p)) p++;
        while (p < end && isIn(tables.white, tables.wide, line, p)) p++;
        if (p >= end) {
          throw fail(
            ctx,
            it,
            `whitespace instruction "w" found no whitespace followed by more text after column ${cur.pos} ` +
              `on ${where(ctx, cur.lineNo)}` +
              excerpt(line, cur.pos),
            cur.pos + 1,
          );
        }
        cur.pos = p;
        break;
      }
      case "tab": {
        if (it.column < cur.pos) {
          throw fail(
            ctx,
            it,
            `tab "${it.text}" would move back to column ${it.column} on ${where(ctx, cur.lineNo)}, but ` +
              `earlier instructions already reached column ${cur.pos} (a line is read left to right)` +
              excerpt(cur.line, it.column - 1),
            it.column,
          );
        }
        if (it.column > cur.end) {
          throw fail(
            ctx,
            it,
            `tab "${it.text}" is past the end of ${where(ctx, cur.lineNo)}, which has ${cur.end} ` +
              `characters` +
              excerpt(cur.line, cur.end),
            it.column,
          );
        }
        cur.pos = it.column;
        break;
      }
      case "fixed":
        readFixed(it, ctx);
        break;
      case "semifixed":
        readSemiFixed(it, ctx);
        break;
      case "nonfixed":
        readNonFixed(it, ctx);
        break;
    }
    i++;
  }
}

function store(it: ObservationInstruction, value: number, ctx: ReadContext): void {
  if (!it.dummy) ctx.values.set(it.name, value);
}

/** A fixed or semi-fixed observation whose columns start past the end of the line. */
function lineTooShort(it: ColumnObservation, ctx: ReadContext) {
  const { line, end, lineNo } = ctx.cur;
  return fail(
    ctx,
    it,
    `${describe(it)} expects ${wanted(it)} in columns ${it.first}-${it.last} of ${where(ctx, lineNo)}, ` +
      `but the line has only ${end} characters` +
      excerpt(line, end),
    it.first,
  );
}

function readFixed(it: ColumnObservation, ctx: ReadContext): void {
  const { cur } = ctx;
  const { line, end } = cur;
  const a = it.first - 1;
  if (a >= end) throw lineTooShort(it, ctx);
  const field = line.slice(a, Math.min(it.last, line.length));
  const value = parseFortranNumber(field);
  // PEST++ passes over a dummy's columns whatever they hold, blanks and text included.
  if (value === undefined && !it.dummy) {
    const blank = field.trim() === "";
    throw fail(
      ctx,
      it,
      blank
        ? `${describe(it)} finds only blanks at ${where(ctx, cur.lineNo)} columns ${it.first}-${it.last}, ` +
            `where a number was expected` +
            excerpt(line, a)
        : `${describe(it)} reads ${quote(field.trim())} at ${where(ctx, cur.lineNo)} columns ${it.first}-${it.last}, ` +
            `which is not a number` +
            excerpt(line, a),
      it.first,
    );
  }
  if (value !== undefined) store(it, value, ctx);
  cur.pos = Math.min(it.last, end);
}

function readSemiFixed(it: ColumnObservation, ctx: ReadContext): void {
  const { cur, tables } = ctx;
  const { line, end } = cur;
  const a = it.first - 1;
  if (a >= end) throw lineTooShort(it, ctx);
  const b = Math.min(it.last, end);
  let p = a;
  while (p < b && isIn(tables.number, tables.wide, line, p)) p++;
  if (p >= b) {
    throw fail(
      ctx,
      it,
      `${describe(it)} finds no ${it.dummy ? "text" : "number"} in columns ${it.first}-${it.last} of ${where(ctx, cur.lineNo)}, ` +
        `only blanks or delimiters` +
        excerpt(line, a),
      it.first,
    );
  }
  // The number may start before the column range and run past it: take the whole word.
  let s = p;
  while (s > 0 && !isIn(tables.number, tables.wide, line, s - 1)) s--;
  let e = p + 1;
  while (e < end && !isIn(tables.number, tables.wide, line, e)) e++;
  const word = line.slice(s, e);
  const value = parseFortranNumber(word);
  if (value === undefined && !it.dummy) {
    throw fail(
      ctx,
      it,
      `${describe(it)} reads ${quote(word)} at ${where(ctx, cur.lineNo)} columns ${s + 1}-${e}, which is not a number` +
        delimiterHint(word) +
        excerpt(line, s),
      s + 1,
    );
  }
  if (value !== undefined) store(it, value, ctx);
  cur.pos = e;
}

function readNonFixed(it: NonFixedObservation, ctx: ReadContext): void {
  const { cur, tables } = ctx;
  const { line, end } = cur;
  let s = cur.pos;
  while (s < end && isIn(tables.number, tables.wide, line, s)) s++;
  if (s >= end) {
    throw fail(
      ctx,
      it,
      `${describe(it)} finds no ${it.dummy ? "text" : "number"} after column ${cur.pos} on ${where(ctx, cur.lineNo)} ` +
        `(end of line reached)` +
        excerpt(line, cur.pos),
      cur.pos + 1,
    );
  }
  let e = s + 1;
  while (e < end && !isIn(tables.number, tables.wide, line, e)) e++;
  let value = parseFortranNumber(line.slice(s, e));
  if (value === undefined && it.endMarker !== undefined) {
    // PEST's rule: when the word is not a number, a secondary marker written right after the
    // observation may end it (`=21.345634%` read with `~=~ !sws! ~%~`), a dummy's too.
    const m = line.indexOf(it.endMarker, s + 1);
    if (m > s && m < e) {
      value = parseFortranNumber(line.slice(s, m));
      if (value !== undefined) e = m;
    }
  }
  // PEST++ passes over a dummy's word without reading it as a number (a date, a site name).
  if (value === undefined && it.dummy) {
    cur.pos = e;
    return;
  }
  if (value === undefined) {
    throw fail(
      ctx,
      it,
      `${describe(it)} reads ${quote(line.slice(s, e))} at ${where(ctx, cur.lineNo)} columns ${s + 1}-${e}, ` +
        `which is not a number` +
        delimiterHint(line.slice(s, e)) +
        excerpt(line, s),
      s + 1,
    );
  }
  store(it, value, ctx);
  cur.pos = e;
}

/** What an observation instruction needs where it reads: a dummy passes over any text. */
function wanted(it: ObservationInstruction): string {
  return it.dummy ? "text" : "a number";
}

function describe(it: ObservationInstruction): string {
  return it.dummy ? `dummy observation ${it.text}` : `observation ${it.name} ${it.text}`;
}

function where(ctx: ReadContext, lineNo: number): string {
  return `${ctx.outputFile}:${lineNo}`;
}

/** A quoted word for messages, shortened when long. */
function quote(word: string): string {
  return JSON.stringify(word.length > 40 ? `${word.slice(0, 39)}…` : word);
}

/** When a word that is not a number starts with one and then runs into punctuation, that
 * punctuation is probably a separator nobody declared. */
function delimiterHint(word: string): string {
  const m = /[|;:/]/.exec(word);
  if (m === null || parseFortranNumber(word.slice(0, m.index)) === undefined) return "";
  return ` (if "${m[0]}" separates values there, declare it as an extra delimiter, like PEST++'s additional_ins_delimiters)`;
}

/** A short quote of the output line around index `at`, for error messages. */
function excerpt(line: string, at: number): string {
  const width = 60;
  if (line.length <= width) return `; the line is ${JSON.stringify(line)}`;
  const start = Math.max(0, Math.min(at - 20, line.length - width));
  const head = start > 0 ? "…" : "";
  const tail = start + width < line.length ? "…" : "";
  return `; the line is ${JSON.stringify(head + line.slice(start, start + width) + tail)}`;
}

function fail(ctx: ReadContext, it: Instruction, detail: string, column?: number): InstructionReadError {
  return new InstructionReadError(ctx.ins.file, it.line, readableText(detail), {
    outputFile: ctx.outputFile,
    outputLine: ctx.cur.lineNo,
    column,
    instruction: readableText(it.text),
    observation: "name" in it ? it.name : undefined,
    partial: ctx.values,
  });
}

function pastEnd(it: LineAdvance, from: number, ctx: ReadContext): InstructionReadError {
  const total = ctx.cur.lineNo;
  const start = from === 0 ? "from the start of the file" : `after line ${from}`;
  return fail(
    ctx,
    it,
    `line advance "${it.text}" needs line ${from + it.count} of ${ctx.outputFile} (${it.count} ` +
      `line${it.count === 1 ? "" : "s"} ${start}), but the file ends at line ${total}`,
  );
}

function markerNotFound(
  it: PrimaryMarker,
  items: readonly Instruction[],
  searchFrom: number,
  lastHit: number,
  lastMissing: string,
  ctx: ReadContext,
): InstructionReadError {
  const after = searchFrom === 0 ? "" : ` after line ${searchFrom}`;
  let detail = `primary marker "${it.marker}" not found in ${ctx.outputFile}${after} (end of file reached)`;
  if (lastHit > 0) {
    const together = items.flatMap((x) => (x.kind === "secondary" && x.rewind ? [`"${x.marker}"`] : []));
    detail =
      `primary marker "${it.marker}" not found together with secondary marker${together.length === 1 ? "" : "s"} ` +
      `${together.join(", ")} on one line of ${ctx.outputFile}${after} (end of file reached; the last line ` +
      `with "${it.marker}" was line ${lastHit}, which lacks "${lastMissing}")`;
  }
  return fail(ctx, it, detail);
}
