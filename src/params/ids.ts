// Realisation id lists: a file (one id per line, # comments), ranges ("1-1000, 1500"), or a
// YAML list of ids and ranges.
import { PestFormatError, UserError } from "../errors.ts";
import { splitLines } from "../pest/text.ts";

const ID = /^[A-Za-z0-9_.:-]+$/;
const RANGE = /^(\d+)\s*-\s*(\d+)$/;
const MAX_IDS = 10_000_000;

/** True when the text reads as ranges/ids rather than as a file name. */
export function looksLikeRanges(text: string): boolean {
  return /^[\d\s,-]+$/.test(text.trim());
}

/** "1-5, 9, 12-13" -> ["1","2","3","4","5","9","12","13"]. Throws a UserError naming the
 * bad part. */
export function parseIdRanges(text: string, where = "id list"): string[] {
  const ids: string[] = [];
  for (const part of text.replace(/(\d)\s*-\s*(\d)/g, "$1-$2").split(/[\s,]+/)) {
    if (part === "") continue;
    if (/^[\d-]*-[\d-]*$/.test(part) && !RANGE.test(part)) {
      throw new UserError(`${where}: "${part}" is not an id or a range; ranges look like 1-100`);
    }
    ids.push(...expandIdToken(part, where));
  }
  if (ids.length === 0) throw new UserError(`${where}: no ids; give ids or ranges such as 1-100`);
  return checkUnique(ids, where);
}

function expandIdToken(part: string, where: string): string[] {
  const range = RANGE.exec(part);
  if (range) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    if (from > to) throw new UserError(`${where}: range "${part}" runs backwards; write it as ${to}-${from}`);
    if (to - from + 1 > MAX_IDS)
      throw new UserError(`${where}: range "${part}" has more than ${MAX_IDS} ids`);
    const out: string[] = [];
    for (let i = from; i <= to; i++) out.push(String(i));
    return out;
  }
  if (!ID.test(part)) {
    throw new UserError(
      `${where}: "${part}" is not an id or a range; ids are letters, digits, _ . : - and ranges look like 1-100`,
    );
  }
  return [part];
}

/** An id list file: one id (or range) per line; `#` starts a comment; blank lines ignored. */
export function parseIdFile(text: string, file: string): string[] {
  const ids: string[] = [];
  const firstLine = new Map<string, number>();
  splitLines(text).forEach((line, i) => {
    const content = line.replace(/#.*/, "").trim();
    if (content === "") return;
    let expanded: string[];
    try {
      expanded = content
        .replace(/(\d)\s*-\s*(\d)/g, "$1-$2")
        .split(/[\s,]+/)
        .flatMap((t) => expandIdToken(t, "id"));
    } catch (e) {
      throw new PestFormatError(file, i + 1, (e as Error).message.replace(/^id: /, ""));
    }
    for (const id of expanded) {
      const seen = firstLine.get(id);
      if (seen !== undefined)
        throw new PestFormatError(file, i + 1, `id ${id} is listed again (first on line ${seen})`);
      firstLine.set(id, i + 1);
      ids.push(id);
    }
  });
  if (ids.length === 0) throw new PestFormatError(file, undefined, "the id list is empty");
  return ids;
}

/** A YAML list of ids and ranges. */
export function idsFromList(items: ReadonlyArray<string | number>, where = "ids"): string[] {
  return checkUnique(
    items.flatMap((item) => expandIdToken(String(item), where)),
    where,
  );
}

function checkUnique(ids: string[], where: string): string[] {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw new UserError(`${where}: id ${id} is listed more than once`);
    seen.add(id);
  }
  return ids;
}
