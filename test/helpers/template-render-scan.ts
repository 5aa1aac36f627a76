// How renderTemplate wrote a model input file before templates were compiled: walking the
// template's text field by field, each value written by the layout search. Kept as the oracle
// the compiled renderer is compared with, byte for byte and error for error.
import { PestFormatError, UserError } from "../../src/errors.ts";
import type { Template } from "../../src/pest/template.ts";
import { bytesOf } from "../../src/pest/text.ts";
import { searchedFormat } from "./number-format-search.ts";

export function scannedRender(
  t: Template,
  values: ReadonlyMap<string, number>,
  options: { point?: boolean } = {},
): Buffer {
  const point = options.point ?? true;
  const byName = lowerCaseKeys(values);
  const text = t.text;
  const cache = new Map<string, string[]>();
  const parts: string[] = [];
  const headerEnd = text.indexOf("\n");
  let copyFrom = headerEnd < 0 ? text.length : headerEnd + 1;
  let lineStart = copyFrom;
  let line = 2;
  for (const f of t.fields) {
    while (line < f.line) {
      lineStart = text.indexOf("\n", lineStart) + 1;
      line++;
    }
    let byWidth = cache.get(f.name);
    if (byWidth === undefined) {
      byWidth = [];
      cache.set(f.name, byWidth);
    }
    let s = byWidth[f.width];
    if (s === undefined) {
      s = formatField(t.file, f.line, f.column, f.name, f.width, byName, point);
      byWidth[f.width] = s;
    }
    const start = lineStart + f.column - 1;
    parts.push(text.slice(copyFrom, start), s);
    copyFrom = start + f.width;
  }
  parts.push(text.slice(copyFrom));
  return bytesOf(parts.join(""));
}

function formatField(
  file: string,
  line: number,
  column: number,
  name: string,
  width: number,
  values: ReadonlyMap<string, number>,
  point: boolean,
): string {
  const value = values.get(name);
  if (value === undefined) {
    throw new PestFormatError(
      file,
      line,
      `column ${column}: parameter "${name}" has no value in the parameter set`,
    );
  }
  if (!Number.isFinite(value)) {
    throw new PestFormatError(
      file,
      line,
      `column ${column}: parameter "${name}" is ${value}, which cannot be written to a model input file`,
    );
  }
  const s = searchedFormat(value, width, point);
  if (s !== undefined) return s;
  let needed = width + 1;
  while (searchedFormat(value, needed, point) === undefined) needed++;
  throw new PestFormatError(
    file,
    line,
    `column ${column}: value ${value} of parameter "${name}" does not fit its ${width}-character field ` +
      `(delimiters included; it needs ${needed}): widen the field in the template`,
  );
}

function lowerCaseKeys(values: ReadonlyMap<string, number>): ReadonlyMap<string, number> {
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
