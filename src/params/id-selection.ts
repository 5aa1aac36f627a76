// `--ids`: which realisations of a run set a command works on. Every command that takes
// `--ids` parses it with parseIdSelection and resolves it against the run set's ids with
// selectIds (planRun does), so a selection that names an id the run set does not have, or
// that is not a selection at all, is an error everywhere instead of quietly selecting less.
import { UserError } from "../errors.ts";

const EXAMPLE = "give ids and ranges separated by commas, e.g. --ids 1-50,75";
const RANGE = /^(\d+)-(\d+)$/;
/** Digits and dashes that do not make a number or a range: `1-2-3`, `-3`, `3-`. */
const BROKEN_RANGE = /^[\d-]*-[\d-]*$/;
const MAX_RANGE = 10_000_000;
const LIST_AT_MOST = 5;

/** An `--ids` selection as typed: its items (ids and ranges), not yet resolved. */
export interface IdSelection {
  readonly option: string;
  readonly items: readonly string[];
}

/** Splits an `--ids` value into its items (separated by commas or spaces; `1 - 5` is the
 * range 1-5). Throws a UserError (exit 2) when it selects nothing. */
export function parseIdSelection(text: string, option = "--ids"): IdSelection {
  const items = text
    .replace(/(\d)\s*-\s*(\d)/g, "$1-$2")
    .split(/[\s,]+/)
    .filter((item) => item !== "");
  if (items.length === 0) throw new UserError(`${option}: nothing selected; ${EXAMPLE}`, { exitCode: 2 });
  return { option, items };
}

/**
 * The ids a selection names, in the order of `allIds`. An item is an id of the run set, or a
 * range `a-b` of ids that are all in it (an item that is itself an id, such as `2024-01`, is
 * that id). Throws a UserError (exit 2) naming the items that are not ranges, or else the ids
 * that are not in the run set (`runSet` names it), with a summary of the ids it has.
 */
export function selectIds(
  allIds: readonly string[],
  selection: IdSelection,
  runSet: string,
): ReadonlySet<string> {
  const { option } = selection;
  const known = new Set(allIds);
  const wanted = new Set<string>();
  const unknown: string[] = [];
  const want = (id: string) => {
    if (!known.has(id)) unknown.push(id);
    else wanted.add(id);
  };
  for (const item of selection.items) {
    if (known.has(item)) {
      wanted.add(item);
      continue;
    }
    const range = RANGE.exec(item);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (from > to) {
        throw new UserError(`${option}: range "${item}" runs backwards; write it as ${to}-${from}`, {
          exitCode: 2,
        });
      }
      if (to - from + 1 > MAX_RANGE) {
        throw new UserError(`${option}: range "${item}" has more than ${MAX_RANGE} ids`, { exitCode: 2 });
      }
      for (let i = from; i <= to; i++) want(String(i));
    } else if (BROKEN_RANGE.test(item)) {
      throw new UserError(`${option}: "${item}" is neither an id of ${runSet} nor a range; ${EXAMPLE}`, {
        exitCode: 2,
      });
    } else want(item);
  }
  if (unknown.length > 0) {
    throw new UserError(
      `${option}: no realisation${unknown.length === 1 ? "" : "s"} ${listAtMost(unknown)} in ${runSet} ` +
        `(its ids: ${summariseIds(allIds)})`,
      { exitCode: 2 },
    );
  }
  return new Set(allIds.filter((id) => wanted.has(id)));
}

/** Ids for a message: runs of consecutive numbers as ranges, at most a few items. */
export function summariseIds(ids: readonly string[]): string {
  if (ids.length === 0) return "none";
  const parts: string[] = [];
  let i = 0;
  while (i < ids.length) {
    const first = ids[i]!;
    let j = i;
    while (j + 1 < ids.length && isNext(ids[j]!, ids[j + 1]!)) j++;
    parts.push(j > i ? `${first}-${ids[j]}` : first);
    i = j + 1;
  }
  return listAtMost(parts);
}

function isNext(a: string, b: string): boolean {
  return /^(0|[1-9]\d*)$/.test(a) && /^(0|[1-9]\d*)$/.test(b) && Number(b) === Number(a) + 1;
}

function listAtMost(items: readonly string[]): string {
  if (items.length <= LIST_AT_MOST) return items.join(", ");
  return `${items.slice(0, LIST_AT_MOST).join(", ")} and ${items.length - LIST_AT_MOST} more`;
}
