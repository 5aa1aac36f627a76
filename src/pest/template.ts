// PEST template files (`ptf <delimiter>`): parsing, and writing model input files from them,
// in memory for ordinary files and streamed for array files of hundreds of megabytes.
//
// Rules (PEST manual, "template files"; PEST++ TemplateFile, which the fixtures record):
// - The first line is `ptf` (or `jtf`, which PEST++ also reads) and the delimiter, a single
//   character that is not a letter, digit or space; nothing else may follow. It is not
//   written to the model input file.
// - On every other line, delimiters pair up: the text between a pair, less surrounding
//   spaces, is a parameter name (case-insensitive, no spaces, at most 200 characters as in
//   PEST++; PEST itself allows 12). The whole span, both delimiters included, is the field
//   the value is written into, right-justified.
// - Everything outside fields is copied unchanged, byte for byte, line endings included:
//   a template is bytes, whatever its encoding (Latin-1 from Windows tools, UTF-8), and
//   columns and widths count bytes, as in PEST and PEST++.
//
// A value's text is exactly as wide as its field, so no byte outside the fields ever moves:
// parseTemplate compiles a template into its bytes and the offset of each field, and rendering
// copies those bytes and writes each value over its fields, with no scanning.
import { randomBytes } from "node:crypto";
import { type FileHandle, open, rename, unlink } from "node:fs/promises";
import { PestFormatError, UserError } from "../errors.ts";
import { type FormatProblems, reportOrThrow } from "./format-problems.ts";
import {
  FieldTooNarrowError,
  type FormatOptions,
  formatForField,
  minimumFieldWidth,
  writeForField,
} from "./number-format.ts";
import { byteString, bytesOf, detectEol, readableText } from "./text.ts";

/** PEST++ allows parameter names of up to 200 characters (PEST: 12). */
export const MAX_PARAMETER_NAME_LENGTH = 200;

export interface TemplateField {
  /** Lower-case parameter name. */
  readonly name: string;
  /** 1-based line in the template file (the header is line 1). */
  readonly line: number;
  /** 1-based byte column of the opening delimiter. */
  readonly column: number;
  /** Bytes from the opening to the closing delimiter, both included. */
  readonly width: number;
}

export interface Template {
  readonly file: string;
  readonly delimiter: string;
  /** The line ending of the first line; each line keeps its own ending when rendered. */
  readonly eol: "\r\n" | "\n";
  /** Unique lower-case names, in order of first use. */
  readonly parameters: string[];
  /** In order of appearance. */
  readonly fields: TemplateField[];
  /** The template's bytes without byte-order mark, one character per byte (text.ts
   * byteString). */
  readonly text: string;
  /** What renderTemplate writes from, made once by parseTemplate. */
  readonly compiled: CompiledTemplate;
}

/** A template ready to render many times: the bytes it writes, less the values. */
export interface CompiledTemplate {
  /** The bytes after the header line; fields hold their template text until written over. */
  readonly body: Buffer;
  /** Each distinct (name, width) pair, in order of first use: a value is written once per
   * pair, and a problem is reported at the pair's first field, as the fields are read. */
  readonly slots: readonly TemplateField[];
  /** Per field, in order of appearance: its offset in `body`, and its slot. */
  readonly offsets: Int32Array;
  readonly slotOfField: Int32Array;
  /** Per slot: the offset of its first field. */
  readonly firstOffsets: Int32Array;
}

/** What a streamed scan of a template learns: enough to validate it against parameter sets
 * without holding one record per field of a huge array file. */
export interface TemplateSummary {
  readonly file: string;
  readonly delimiter: string;
  readonly eol: "\r\n" | "\n";
  readonly parameters: string[];
  readonly fieldCount: number;
  /** The narrowest field each parameter is written into (the one a value must fit). */
  readonly narrowest: Map<string, { readonly width: number; readonly line: number }>;
}

export interface RenderOptions extends FormatOptions {
  /** The file name errors name when a template is given as text. */
  readonly file?: string;
}

// ---------------------------------------------------------------------------------------
// Rules shared by the in-memory and streamed paths, so both report the same problems alike.

const HEADER_HELP = 'the first line must be "ptf <delimiter>", e.g. "ptf ~"';

/** Reads the header line, given as a byte string. */
function parseHeader(line: string, file: string): string {
  const tokens = line.split(/[ \t\r\f\v]+/).filter((t) => t !== "");
  const tag = tokens[0];
  if (tag === undefined) throw new PestFormatError(file, 1, `missing header: ${HEADER_HELP}`);
  if (tag.toLowerCase() !== "ptf" && tag.toLowerCase() !== "jtf") {
    throw new PestFormatError(
      file,
      1,
      `not a template file: it starts with "${shorten(tag)}"; ${HEADER_HELP}`,
    );
  }
  const delimiter = tokens[1];
  if (delimiter === undefined)
    throw new PestFormatError(file, 1, `no delimiter after "${tag}"; ${HEADER_HELP}`);
  if (!/^[\x21-\x7e]+$/.test(delimiter)) {
    throw new PestFormatError(
      file,
      1,
      `delimiter "${shorten(delimiter)}" must be a printable ASCII character`,
    );
  }
  if (delimiter.length !== 1) {
    throw new PestFormatError(file, 1, `delimiter "${shorten(delimiter)}" must be a single character`);
  }
  if (/[A-Za-z0-9]/.test(delimiter)) {
    throw new PestFormatError(file, 1, `delimiter "${delimiter}" must not be a letter or a digit`);
  }
  if (tokens.length > 2) {
    throw new PestFormatError(
      file,
      1,
      `unexpected "${shorten(tokens[2]!)}" after the delimiter; ${HEADER_HELP}`,
    );
  }
  return delimiter;
}

/** The lower-case name in a field's inside bytes, or a description of what is wrong with it. */
function fieldName(inside: string): { name: string } | { problem: string } {
  let a = 0;
  let b = inside.length;
  while (a < b && isSpace(inside.charCodeAt(a))) a++;
  while (b > a && isSpace(inside.charCodeAt(b - 1))) b--;
  if (a === b) return { problem: "empty parameter name between the delimiters" };
  const raw = inside.slice(a, b);
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (isSpace(c)) return { problem: `parameter name "${shorten(raw)}" contains whitespace` };
    if (c < 0x21 || c > 0x7e) {
      return { problem: `parameter name "${shorten(raw)}" contains a character that is not printable ASCII` };
    }
  }
  if (raw.length > MAX_PARAMETER_NAME_LENGTH) {
    return {
      problem: `parameter name "${shorten(raw)}" is ${raw.length} characters long; PEST++ allows at most ${MAX_PARAMETER_NAME_LENGTH}`,
    };
  }
  return { name: raw.toLowerCase() };
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9;
}

/** A piece of a template (a byte string) for a message, shortened when long. */
function shorten(s: string): string {
  return readableText(s.length > 40 ? `${s.slice(0, 37)}...` : s);
}

function unmatched(file: string, line: number, column: number, delimiter: string): PestFormatError {
  return new PestFormatError(
    file,
    line,
    `column ${column}: unmatched delimiter "${delimiter}" (a field opens here but does not close on this line)`,
  );
}

function badName(file: string, line: number, column: number, problem: string): PestFormatError {
  return new PestFormatError(file, line, `column ${column}: ${problem}`);
}

/** What writing a template's fields needs besides the fields. */
interface FieldContext {
  /** The template, as errors name it. */
  readonly file: string;
  /** By lower-case name. */
  readonly values: ReadonlyMap<string, number>;
  readonly options: FormatOptions;
}

/** The value text for a field, or the error that names the file, line, parameter and fix. */
function formatField(f: TemplateField, ctx: FieldContext): string {
  const value = fieldValue(f, ctx);
  try {
    return formatForField(value, f.width, ctx.options);
  } catch (e) {
    if (!(e instanceof FieldTooNarrowError)) throw e;
    throw tooNarrow(f, value, ctx);
  }
}

/** formatField's text, written into `out` at `at`. */
function writeField(out: Uint8Array, at: number, f: TemplateField, ctx: FieldContext): void {
  const value = fieldValue(f, ctx);
  if (!writeForField(out, at, value, f.width, ctx.options)) throw tooNarrow(f, value, ctx);
}

/** The field's parameter's value, finite, or the error that says why there is none. */
function fieldValue(f: TemplateField, { file, values }: FieldContext): number {
  const value = values.get(f.name);
  if (value === undefined) {
    throw new PestFormatError(
      file,
      f.line,
      `column ${f.column}: parameter "${f.name}" has no value in the parameter set`,
    );
  }
  if (!Number.isFinite(value)) {
    throw new PestFormatError(
      file,
      f.line,
      `column ${f.column}: parameter "${f.name}" is ${value}, which cannot be written to a model input file`,
    );
  }
  return value;
}

function tooNarrow(f: TemplateField, value: number, { file, options }: FieldContext): PestFormatError {
  return new PestFormatError(
    file,
    f.line,
    `column ${f.column}: value ${value} of parameter "${f.name}" does not fit its ${f.width}-character field ` +
      `(delimiters included; it needs ${minimumFieldWidth(value, options)}): widen the field in the template`,
  );
}

/**
 * A parameter set's values by lower-case name, its names checked once (for a name given twice
 * in different cases with different values): renderTemplate and writeTemplateFile then use
 * them as they are, for every template of the set. The map given is used as is when its names
 * are lower-case already, and must not change while these are in use.
 */
export class TemplateValues {
  readonly byName: ReadonlyMap<string, number>;
  constructor(values: ReadonlyMap<string, number>) {
    this.byName = lowerCaseKeys(values);
  }
}

/** Values keyed by lower-case name; the caller's map is used as is when it already is. */
function lowerCaseKeys(values: ReadonlyMap<string, number> | TemplateValues): ReadonlyMap<string, number> {
  if (values instanceof TemplateValues) return values.byName;
  let lower = true;
  for (const k of values.keys()) {
    if (k !== k.toLowerCase()) {
      lower = false;
      break;
    }
  }
  if (lower) return values;
  const out = new Map<string, number>();
  for (const [k, v] of values) {
    const key = k.toLowerCase();
    const seen = out.get(key);
    if (seen !== undefined && !Object.is(seen, v)) {
      throw new UserError(`parameter "${key}" is given twice with different values (${seen} and ${v})`);
    }
    out.set(key, v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// In memory.

/** Parses a template: its bytes, or its text (which stands for its UTF-8 bytes). A leading
 * byte-order mark is ignored. `file` names it in errors. */
export function parseTemplate(source: Uint8Array | string, file: string): Template {
  const body = byteString(source);
  const headerEnd = body.indexOf("\n");
  const delimiter = parseHeader(headerEnd < 0 ? body : body.slice(0, headerEnd), file);
  const parameters: string[] = [];
  const seen = new Set<string>();
  const fields: TemplateField[] = [];
  const bodyStart = headerEnd < 0 ? body.length : headerEnd + 1;
  /** Each field's offset after the header. */
  const offsets: number[] = [];
  let pos = bodyStart;
  // Found once and carried over lines without fields, so long runs of plain lines are not
  // searched again for each line.
  let at = body.indexOf(delimiter, pos);
  for (let line = 2; pos < body.length; line++) {
    const nl = body.indexOf("\n", pos);
    const next = nl < 0 ? body.length : nl + 1;
    let end = nl < 0 ? body.length : nl;
    if (end > pos && body.charCodeAt(end - 1) === 13) end--;
    while (at >= 0 && at < end) {
      const close = body.indexOf(delimiter, at + 1);
      if (close < 0 || close >= end) throw unmatched(file, line, at - pos + 1, delimiter);
      const column = at - pos + 1;
      const got = fieldName(body.slice(at + 1, close));
      if ("problem" in got) throw badName(file, line, column, got.problem);
      fields.push({ name: got.name, line, column, width: close - at + 1 });
      offsets.push(at - bodyStart);
      if (!seen.has(got.name)) {
        seen.add(got.name);
        parameters.push(got.name);
      }
      at = body.indexOf(delimiter, close + 1);
    }
    pos = next;
  }
  return {
    file,
    delimiter,
    eol: detectEol(body),
    parameters,
    fields,
    text: body,
    compiled: compile(body.slice(bodyStart), fields, offsets),
  };
}

function compile(
  body: string,
  fields: readonly TemplateField[],
  offsets: readonly number[],
): CompiledTemplate {
  const slotOfField = new Int32Array(fields.length);
  const slots: TemplateField[] = [];
  const firstOffsets: number[] = [];
  /** Name, then width: the slot. */
  const slotOf = new Map<string, number[]>();
  fields.forEach((f, i) => {
    let byWidth = slotOf.get(f.name);
    if (byWidth === undefined) {
      byWidth = [];
      slotOf.set(f.name, byWidth);
    }
    let slot = byWidth[f.width];
    if (slot === undefined) {
      slot = slots.length;
      slots.push(f);
      firstOffsets.push(offsets[i]!);
      byWidth[f.width] = slot;
    }
    slotOfField[i] = slot;
  });
  return {
    body: bytesOf(body),
    slots,
    offsets: Int32Array.from(offsets),
    slotOfField,
    firstOffsets: Int32Array.from(firstOffsets),
  };
}

/**
 * The bytes of the model input file a template writes: each field replaced by its parameter's
 * value (looked up case-insensitively), every other byte kept, the header line dropped.
 */
export function renderTemplate(
  template: Template | Uint8Array | string,
  values: ReadonlyMap<string, number> | TemplateValues,
  options: RenderOptions = {},
): Buffer {
  const t =
    typeof template === "string" || template instanceof Uint8Array
      ? parseTemplate(template, options.file ?? "template")
      : template;
  const ctx: FieldContext = { file: t.file, values: lowerCaseKeys(values), options };
  const { body, slots, offsets, slotOfField, firstOffsets } = t.compiled;
  const out = Buffer.allocUnsafe(body.length);
  body.copy(out);
  // Fields in order, so the first field of each slot comes first, in the order of the slots:
  // the value is written there, and copied from there into the slot's other fields.
  for (let i = 0; i < offsets.length; i++) {
    const slot = slotOfField[i]!;
    const at = offsets[i]!;
    const first = firstOffsets[slot]!;
    const f = slots[slot]!;
    if (first === at) writeField(out, at, f, ctx);
    else for (let k = 0; k < f.width; k++) out[at + k] = out[first + k]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Streamed: bytes in, bytes out, a chunk at a time. A field's text has exactly the width of
// the field, so each chunk is rewritten in place and written out as is; the only per-field
// work is hashing the bytes between the delimiters and copying the cached value text over them.

const CHUNK_BYTES = 1 << 20;
/** Distinct (name, width) fields remembered; past this the cache starts again, so a template
 * with a parameter per cell costs memory for its values, not for every field. */
const CACHE_LIMIT = 1 << 16;

interface CacheEntry {
  /** The bytes between the delimiters, which fix both the name and the width. */
  readonly inside: Uint8Array;
  readonly name: string;
  /** The value text, as wide as the field; empty when only scanning. */
  readonly text: Uint8Array;
  readonly next: CacheEntry | undefined;
}

class StreamState {
  readonly file: string;
  readonly delimiter: number;
  readonly values: ReadonlyMap<string, number> | undefined;
  readonly options: FormatOptions;
  readonly cache = new Map<number, CacheEntry>();
  cached = 0;
  last: CacheEntry | undefined;
  /** Line number of the next byte to process. */
  line = 2;
  fieldCount = 0;
  readonly parameters: string[] = [];
  readonly narrowest = new Map<string, { width: number; line: number }>();
  /** When scanning to report: problems are recorded here and the field or line skipped. */
  readonly problems: FormatProblems | undefined;
  constructor(
    file: string,
    delimiter: number,
    values: ReadonlyMap<string, number> | undefined,
    options: FormatOptions,
    problems?: FormatProblems,
  ) {
    this.file = file;
    this.delimiter = delimiter;
    this.values = values;
    this.options = options;
    this.problems = problems;
  }
}

/** Rewrites the fields in buf[start, end) in place; the range starts at a line start and ends
 * after a line feed or at the end of the file. */
function processRegion(st: StreamState, buf: Uint8Array, start: number, end: number): void {
  const delim = st.delimiter;
  let line = st.line;
  let lineStart = start;
  let fields = 0;
  // Array templates repeat a field many times over; checking the previous one first skips
  // the hash and the lookup for most fields.
  let last = st.last;
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    if (b === delim) {
      if (last !== undefined) {
        const inside = last.inside;
        const close = i + 1 + inside.length;
        if (close < end && buf[close] === delim && sameBytes(inside, buf, i + 1, close)) {
          const text = last.text;
          for (let k = 0; k < text.length; k++) buf[i + k] = text[k]!;
          fields++;
          i = close + 1;
          continue;
        }
      }
      let h = 0x811c9dc5;
      let j = i + 1;
      for (; j < end; j++) {
        const c = buf[j]!;
        if (c === delim || c === 10) break;
        h = Math.imul(h ^ c, 0x01000193);
      }
      if (j >= end || buf[j] !== delim) {
        reportOrThrow(st.problems, unmatched(st.file, line, i - lineStart + 1, String.fromCharCode(delim)));
        i = j; // on to the line feed (or the end): the rest of this line is left alone
        continue;
      }
      let e = st.cache.get(h);
      while (e !== undefined && !sameBytes(e.inside, buf, i + 1, j)) e = e.next;
      if (e === undefined) e = addEntry(st, h, buf, i, j, line, i - lineStart + 1);
      if (e === undefined) {
        i = j + 1;
        continue;
      }
      const text = e.text;
      for (let k = 0; k < text.length; k++) buf[i + k] = text[k]!;
      last = e;
      fields++;
      i = j + 1;
      continue;
    }
    if (b === 10) {
      line++;
      lineStart = i + 1;
    }
    i++;
  }
  st.line = line;
  st.fieldCount += fields;
  st.last = last;
}

function sameBytes(a: Uint8Array, buf: Uint8Array, from: number, to: number): boolean {
  if (a.length !== to - from) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== buf[from + k]) return false;
  return true;
}

function addEntry(
  st: StreamState,
  hash: number,
  buf: Uint8Array,
  open: number,
  close: number,
  line: number,
  column: number,
): CacheEntry | undefined {
  const inside = buf.slice(open + 1, close);
  const got = fieldName(Buffer.from(inside.buffer, inside.byteOffset, inside.length).toString("latin1"));
  if ("problem" in got) {
    reportOrThrow(st.problems, badName(st.file, line, column, got.problem));
    return undefined;
  }
  const name = got.name;
  const width = close - open + 1;
  // Each (name, width) reaches here at least once, on its first use, so this sees every width.
  const seen = st.narrowest.get(name);
  if (seen === undefined) st.parameters.push(name);
  if (seen === undefined || width < seen.width) st.narrowest.set(name, { width, line });
  const text =
    st.values === undefined
      ? new Uint8Array(0)
      : bytesOf(
          formatField(
            { name, line, column, width },
            { file: st.file, values: st.values, options: st.options },
          ),
        );
  if (st.cached >= CACHE_LIMIT) {
    st.cache.clear();
    st.cached = 0;
    st.last = undefined;
  }
  const entry: CacheEntry = { inside, name, text, next: st.cache.get(hash) };
  st.cache.set(hash, entry);
  st.cached++;
  return entry;
}

interface HeaderInfo {
  readonly delimiter: string;
  readonly eol: "\r\n" | "\n";
  /** Offset of the first byte after the header line. */
  readonly bodyStart: number;
}

function readHeader(buf: Uint8Array, len: number, eof: boolean, file: string): HeaderInfo | undefined {
  const bom = len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const nl = buf.indexOf(10, bom);
  const found = nl >= 0 && nl < len;
  if (!found && !eof) return undefined;
  const end = found ? nl : len;
  const delimiter = parseHeader(byteString(buf.subarray(bom, end)), file);
  const eol = found && nl > 0 && buf[nl - 1] === 13 ? "\r\n" : "\n";
  return { delimiter, eol, bodyStart: found ? nl + 1 : len };
}

/** Reads the template a chunk at a time, rewriting each run of whole lines in place and
 * handing it to `emit`. Two buffers alternate, so one is written out while the next is read
 * and rewritten; writes stay in file order. */
async function streamTemplate(
  templatePath: string,
  file: string,
  values: ReadonlyMap<string, number> | undefined,
  options: FormatOptions,
  emit: ((buf: Uint8Array, start: number, end: number) => Promise<void>) | undefined,
  problems?: FormatProblems,
): Promise<{ state: StreamState; header: HeaderInfo }> {
  const input = await open(templatePath, "r");
  const bufs = [new Uint8Array(CHUNK_BYTES), new Uint8Array(CHUNK_BYTES)];
  const pending: Array<Promise<void>> = [Promise.resolve(), Promise.resolve()];
  let written: Promise<void> = Promise.resolve();
  try {
    let k = 0;
    let len = 0;
    let eof = false;
    let header: HeaderInfo | undefined;
    let state: StreamState | undefined;
    while (!eof) {
      let buf = bufs[k]!;
      if (len === buf.length) {
        // A line longer than the buffer: memory grows with the longest line, never the file.
        const bigger = new Uint8Array(buf.length * 2);
        bigger.set(buf);
        bufs[k] = buf = bigger;
      }
      const { bytesRead } = await input.read(buf, len, buf.length - len, null);
      if (bytesRead === 0) eof = true;
      len += bytesRead;
      let start = 0;
      if (header === undefined) {
        header = readHeader(buf, len, eof, file);
        if (header === undefined) continue;
        state = new StreamState(file, header.delimiter.charCodeAt(0), values, options, problems);
        start = header.bodyStart;
      }
      const end = eof ? len : buf.lastIndexOf(10, len - 1) + 1;
      if (end <= start) {
        // No whole line yet: keep reading into this buffer.
        buf.copyWithin(0, start, len);
        len -= start;
        continue;
      }
      processRegion(state!, buf, start, end);
      if (emit) {
        const chunk = buf;
        written = written.then(() => emit(chunk, start, end));
        // Handled here so a failed write is not reported as unhandled before it is awaited.
        written.catch(() => {});
        pending[k] = written;
      }
      // The partial line after `end` moves to the other buffer once that one is written out.
      const other = 1 - k;
      await pending[other];
      const rest = len - end;
      if (rest >= bufs[other]!.length) bufs[other] = new Uint8Array(rest * 2);
      bufs[other]!.set(buf.subarray(end, len));
      len = rest;
      k = other;
    }
    await written;
    if (header === undefined || state === undefined) {
      throw new PestFormatError(file, 1, `missing header: ${HEADER_HELP}`);
    }
    return { state, header };
  } finally {
    await written.catch(() => {});
    await input.close();
  }
}

/**
 * Writes the model input file for a template of any size, streaming: memory stays that of a
 * chunk (or of the longest line) however large the file. Errors are those of renderTemplate.
 * The output appears only when complete: it is written beside `outputPath` under a temporary
 * name and renamed into place, so a failure never leaves a half-written input file.
 */
export async function writeTemplateFile(
  templatePath: string,
  outputPath: string,
  values: ReadonlyMap<string, number> | TemplateValues,
  options: RenderOptions = {},
): Promise<void> {
  const byName = lowerCaseKeys(values);
  const temp = `${outputPath}.${randomBytes(6).toString("hex")}.tmp`;
  const output = await open(temp, "w");
  let done = false;
  try {
    await streamTemplate(templatePath, options.file ?? templatePath, byName, options, (buf, start, end) =>
      writeAll(output, buf, start, end),
    );
    await output.close();
    await rename(temp, outputPath);
    done = true;
  } finally {
    if (!done) {
      await output.close().catch(() => {});
      await unlink(temp).catch(() => {});
    }
  }
}

async function writeAll(fh: FileHandle, buf: Uint8Array, start: number, end: number): Promise<void> {
  let at = start;
  while (at < end) {
    const { bytesWritten } = await fh.write(buf, at, end - at);
    at += bytesWritten;
  }
}

/**
 * Checks a template of any size the way parseTemplate does, streaming, and returns its
 * parameters and field count instead of a record per field. With `problems`, every bad field
 * is recorded there (and left out) instead of the first being thrown; a bad header still
 * throws, as nothing after it can be read.
 */
export async function scanTemplateFile(
  templatePath: string,
  file: string = templatePath,
  problems?: FormatProblems,
): Promise<TemplateSummary> {
  const { state, header } = await streamTemplate(templatePath, file, undefined, {}, undefined, problems);
  return {
    file,
    delimiter: header.delimiter,
    eol: header.eol,
    parameters: state.parameters,
    fieldCount: state.fieldCount,
    narrowest: state.narrowest,
  };
}
