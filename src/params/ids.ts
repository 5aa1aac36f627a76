// Realisation ids: which ids are valid, and id lists: a file (ids separated by commas, spaces
// or line breaks; # comments), ranges ("1-1000, 1500"), or a YAML list of ids and ranges.
//
// An id names a realisation's result folder, so it must be a safe folder name on every
// system results are read on: 1 to 128 letters, digits, spaces and _ - . + @ # ( ) [ ] , = ~
// (any script's letters and digits), at most 200 bytes of UTF-8 (a file name holds 255), not
// "." or "..", no leading or trailing space, no trailing "." (Windows drops it), not a name
// Windows reserves (CON, NUL, COM1...); and no two ids of a spec may differ only in case or
// Unicode normalisation as those file systems fold them (macOS and Windows would give them one
// folder).
import { PestFormatError, UserError } from "../errors.ts";
import { decodeText, splitLines } from "../pest/text.ts";

export const MAX_ID_LENGTH = 128;
export const MAX_ID_BYTES = 200;
export const ID_RULE = `ids are 1 to ${MAX_ID_LENGTH} letters, digits, spaces and _ - . + @ # ( ) [ ] , = ~ (at most ${MAX_ID_BYTES} bytes), not "." or "..", without leading or trailing spaces or a trailing ".", and not a name Windows reserves (CON, PRN, AUX, NUL, COM1-9, LPT1-9)`;
/** Names Windows will not give a file or folder, with or without an extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$/i;

const ID_CHAR = /[\p{L}\p{M}\p{N} _\-.+@#()[\],=~]/u;
const ID = /^[\p{L}\p{M}\p{N} _\-.+@#()[\],=~]+$/u;
const RANGE = /^(\d+)\s*-\s*(\d+)$/;
const MAX_IDS = 10_000_000;

/** Where an id was given: a line of an id list file or CSV, or an item of a YAML list. */
export interface IdSource {
  readonly id: string;
  readonly line?: number;
  readonly item?: number;
}

export interface IdProblem {
  readonly message: string;
  readonly fix?: string;
  readonly line?: number;
  readonly item?: number;
}

export interface IdList {
  /** The valid ids, each once, in order. */
  readonly ids: string[];
  readonly problems: IdProblem[];
}

/** What is wrong with an id, or undefined when it is a valid one. */
export function idProblem(id: string): string | undefined {
  const shown = showId(id);
  if (id === "") return "an empty id";
  const length = [...id].length;
  if (length > MAX_ID_LENGTH) return `id ${shown} is ${length} characters long`;
  const bytes = Buffer.byteLength(id, "utf8");
  if (bytes > MAX_ID_BYTES) return `id ${shown} is ${bytes} bytes long in UTF-8`;
  if (id === "." || id === "..") return `id ${shown} names a folder, not a realisation`;
  if (id.startsWith(" ")) return `id ${shown} starts with a space`;
  if (id.endsWith(" ")) return `id ${shown} ends with a space`;
  if (id.endsWith(".")) return `id ${shown} ends with "." (Windows drops it from a folder name)`;
  if (WINDOWS_RESERVED.test(id)) return `id ${shown} is a name Windows reserves for a device`;
  if (ID.test(id)) return undefined;
  const bad = [...id].find((c) => !ID_CHAR.test(c)) ?? "";
  return `id ${shown} contains ${JSON.stringify(bad)}, which is not allowed`;
}

/** Checks a set of ids: invalid ones, repeats, and pairs that would share a folder on a
 * case-insensitive file system are problems; the others are accepted, in order. */
export function checkIds(sources: readonly IdSource[]): { accepted: IdSource[]; problems: IdProblem[] } {
  const accepted: IdSource[] = [];
  const problems: IdProblem[] = [];
  const first = new Map<string, IdSource>();
  const folded = new Map<string, IdSource>();
  for (const s of sources) {
    const where = s.line !== undefined ? { line: s.line } : s.item !== undefined ? { item: s.item } : {};
    const bad = idProblem(s.id);
    if (bad) {
      problems.push({ message: bad, fix: ID_RULE, ...where });
      continue;
    }
    const seen = first.get(s.id);
    if (seen) {
      problems.push({ message: `id ${s.id} is listed again${firstAt(seen)}`, ...where });
      continue;
    }
    first.set(s.id, s);
    const key = foldedId(s.id);
    const twin = folded.get(key);
    if (twin) {
      problems.push({
        message: `ids ${showId(twin.id)}${at(twin)} and ${showId(s.id)} differ only in upper/lower case or Unicode normalisation; on macOS and Windows their result folders would be one`,
        fix: "rename one of them",
        ...where,
      });
      continue;
    }
    folded.set(key, s);
    accepted.push(s);
  }
  return { accepted, problems };
}

/** An id as a case-insensitive, normalisation-insensitive file system sees it (APFS and HFS+
 * fold case and normalisation, NTFS compares upper-cased names): composed, upper-cased, then
 * lower-cased, so letters with one capital are one letter (the micro sign and Greek mu, final
 * and medial sigma). Full upper-casing folds a little more than any file system does (ß with
 * ss), which refuses a pair that might share a folder rather than one that would. */
export function foldedId(id: string): string {
  return id.normalize("NFC").toUpperCase().toLowerCase().normalize("NFC");
}

/** True when the text reads as ranges/ids rather than as a file name. */
export function looksLikeRanges(text: string): boolean {
  return /^[\d\s,-]+$/.test(text.trim());
}

/** "1-5, 9, 12-13" -> ["1","2","3","4","5","9","12","13"]. Throws a UserError naming the
 * first bad part. */
export function parseIdRanges(text: string, where = "id list"): string[] {
  const list = idsFromText(text);
  const problem = list.problems[0];
  if (problem) throw new UserError(`${where}: ${problem.message}${problem.fix ? `; ${problem.fix}` : ""}`);
  return list.ids;
}

/** Ids and ranges separated by commas and spaces, as one string. */
export function idsFromText(text: string): IdList {
  const sources: IdSource[] = [];
  const problems: IdProblem[] = [];
  for (const part of tokens(text)) {
    if (/^[\d-]*-[\d-]*$/.test(part) && !RANGE.test(part)) {
      problems.push({ message: `"${part}" is not an id or a range; ranges look like 1-100` });
      continue;
    }
    const expanded = expandIdToken(part);
    if ("problem" in expanded) problems.push({ message: expanded.problem });
    else for (const id of expanded.ids) sources.push({ id });
  }
  if (sources.length === 0 && problems.length === 0) {
    problems.push({ message: "no ids; give ids or ranges such as 1-100" });
  }
  return finish(sources, problems);
}

/** An id list file's ids; throws a PestFormatError for its first problem. */
export function parseIdFile(text: string, file: string): string[] {
  const list = idsFromFileText(text);
  const problem = list.problems[0];
  if (problem) {
    throw new PestFormatError(
      file,
      problem.line,
      `${problem.message}${problem.fix ? `; ${problem.fix}` : ""}`,
    );
  }
  return list.ids;
}

/** An id list file: ids and ranges, separated by commas, spaces or line breaks; `#` starts a
 * comment. Every problem is reported with its line. */
export function idsFromFileText(text: string): IdList {
  const sources: IdSource[] = [];
  const problems: IdProblem[] = [];
  splitLines(decodeText(text)).forEach((raw, i) => {
    const line = i + 1;
    for (const part of tokens(raw.replace(/#.*/, ""))) {
      const expanded = expandIdToken(part);
      if ("problem" in expanded) problems.push({ message: expanded.problem, line });
      else for (const id of expanded.ids) sources.push({ id, line });
    }
  });
  if (sources.length === 0 && problems.length === 0) problems.push({ message: "the id list is empty" });
  return finish(sources, problems);
}

/** A YAML list of ids and ranges; problems name the item. */
export function idsFromList(items: ReadonlyArray<string | number>): IdList {
  const sources: IdSource[] = [];
  const problems: IdProblem[] = [];
  items.forEach((raw, item) => {
    const text = String(raw);
    const range = RANGE.exec(text.trim());
    const expanded = range ? expandIdToken(text.trim()) : { ids: [text] };
    if ("problem" in expanded) problems.push({ message: expanded.problem, item });
    else for (const id of expanded.ids) sources.push({ id, item });
  });
  return finish(sources, problems);
}

function finish(sources: IdSource[], problems: IdProblem[]): IdList {
  const checked = checkIds(sources);
  problems.push(...checked.problems);
  return { ids: checked.accepted.map((s) => s.id), problems: sortProblems(problems) };
}

function sortProblems(problems: IdProblem[]): IdProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? a.p.item ?? 0) - (b.p.line ?? b.p.item ?? 0) || a.i - b.i)
    .map((x) => x.p);
}

function tokens(text: string): string[] {
  return text
    .replace(/(\d)\s*-\s*(\d)/g, "$1-$2")
    .split(/[\s,]+/)
    .filter((t) => t !== "");
}

function expandIdToken(part: string): { ids: string[] } | { problem: string } {
  const range = RANGE.exec(part);
  if (!range) return { ids: [part] };
  const from = Number(range[1]);
  const to = Number(range[2]);
  if (from > to) return { problem: `range "${part}" runs backwards; write it as ${to}-${from}` };
  if (to - from + 1 > MAX_IDS) return { problem: `range "${part}" has more than ${MAX_IDS} ids` };
  const ids: string[] = [];
  for (let i = from; i <= to; i++) ids.push(String(i));
  return { ids };
}

/** " (first on line 3)", " (first at [3])" for a list item, or nothing. */
function firstAt(s: IdSource): string {
  if (s.line !== undefined) return ` (first on line ${s.line})`;
  if (s.item !== undefined) return ` (first at [${s.item}])`;
  return "";
}

/** " (line 3)", " ([3])" for a list item, or nothing. */
function at(s: IdSource): string {
  if (s.line !== undefined) return ` (line ${s.line})`;
  if (s.item !== undefined) return ` ([${s.item}])`;
  return "";
}

function showId(id: string): string {
  const chars = [...id];
  return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 37).join("")}...` : id);
}
