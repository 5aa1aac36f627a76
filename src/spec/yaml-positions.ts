// Parses YAML keeping node positions, and finds the line/column of a key path in it. Every
// step is linear in the size of the file: a mapping's keys are indexed once, not searched per
// lookup, and repeated keys are found with one set per mapping (the yaml package's own
// `uniqueKeys` check compares every pair of keys).
import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseDocument,
  visit,
  type YAMLMap,
} from "yaml";
import type { Diagnostic, KeyPath } from "./diagnostics.ts";

/** The most values a project file may hold once its aliases are expanded. A 1 MB file holds
 * some 500,000 values written out; aliases that refer to aliases multiply (ten levels of ten
 * make ten billion), and every later step walks the expanded values. */
export const MAX_EXPANDED_VALUES = 1_000_000;

export interface PositionedYaml {
  readonly data: unknown;
  readonly errors: Diagnostic[];
  /** Line and column (1-based) of the value at `path`, or of its key with `{ key: true }`;
   * falls back to the nearest enclosing node that exists. */
  locate(path: KeyPath, options?: { key?: boolean }): { line: number; column: number };
}

export function parseYamlWithPositions(text: string, file: string): PositionedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const pos = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const errors: Diagnostic[] = doc.errors.map((e) => {
    const p = pos(e.pos[0]);
    return { file, ...p, path: [], message: `YAML syntax: ${firstLine(e.message)}` };
  });
  const indexes = new WeakMap<YAMLMap, Map<string, Pair>>();
  const indexOf = (map: YAMLMap): Map<string, Pair> => {
    let index = indexes.get(map);
    if (index === undefined) {
      index = new Map();
      for (const pair of map.items) {
        const key = keyText(pair);
        if (!index.has(key)) index.set(key, pair);
      }
      indexes.set(map, index);
    }
    return index;
  };
  if (errors.length === 0) {
    visit(doc, {
      Map(_, map) {
        const first = new Map<string, Pair>();
        for (const pair of map.items) {
          const key = keyText(pair);
          const earlier = first.get(key);
          if (earlier === undefined) {
            first.set(key, pair);
            continue;
          }
          const at = (pair.key as Node | null)?.range?.[0] ?? map.range?.[0] ?? 0;
          const was = (earlier.key as Node | null)?.range?.[0];
          errors.push({
            file,
            ...pos(at),
            path: [],
            message: `YAML: key \`${key}\` appears twice in one mapping${was === undefined ? "" : ` (first on line ${pos(was).line})`}`,
          });
        }
        indexes.set(map, first);
      },
    });
  }
  const locate = (path: KeyPath, options: { key?: boolean } = {}) => {
    let node: Node | null | undefined = doc.contents as Node | null;
    let at = node?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const part = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = indexOf(node).get(String(part));
        if (!pair) break;
        const keyNode = pair.key as Node | null;
        if (last && options.key && keyNode?.range) return pos(keyNode.range[0]);
        node = pair.value as Node | null;
        at = node?.range?.[0] ?? keyNode?.range?.[0] ?? at;
      } else if (isSeq(node) && typeof part === "number") {
        const item = node.items[part] as Node | undefined;
        if (!item) break;
        node = item;
        at = item.range?.[0] ?? at;
      } else {
        break;
      }
    }
    return pos(at);
  };
  if (errors.length === 0) {
    const runaway = aliasExpansionProblem(doc);
    if (runaway) {
      const source = runaway.alias.source;
      const anchor = runaway.anchor?.range?.[0];
      errors.push({
        file,
        ...pos(runaway.alias.range?.[0] ?? 0),
        path: [],
        message:
          `YAML: through its aliases this file expands to more than ${MAX_EXPANDED_VALUES.toLocaleString("en-US")} values; ` +
          `\`*${source}\` here repeats \`&${source}\`${anchor === undefined ? "" : ` (line ${pos(anchor).line})`}, ` +
          `${runaway.size.toLocaleString("en-US")} values each time; write the repeated part out once, or use aliases that do not nest`,
      });
    }
  }
  // The expansion is bounded above, so the parser's own count (which refuses an alias used
  // more than 100 times) is not needed.
  const data = errors.length > 0 ? undefined : doc.toJS({ maxAliasCount: -1 });
  return { data, errors, locate };
}

/** The first alias (in document order) at which the values the document holds, with every
 * alias expanded, pass MAX_EXPANDED_VALUES; linear in the size of the document. */
function aliasExpansionProblem(
  doc: Document,
): { alias: Alias; anchor: Node | undefined; size: number } | undefined {
  const sizes = new Map<unknown, number>();
  const open = new Set<unknown>();
  /** Values `node` stands for, aliases expanded (capped just past the limit). */
  const size = (node: unknown): number => {
    if (node === null || node === undefined) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    // An alias inside the node it refers to is a loop; toJS makes it a circular reference.
    if (open.has(node)) return 1;
    open.add(node);
    let n = 1;
    if (isAlias(node)) n = size(node.resolve(doc));
    else if (isPair(node)) n = size(node.key) + size(node.value);
    else if (isMap(node) || isSeq(node)) for (const item of node.items) n = Math.min(n + size(item), CAP);
    open.delete(node);
    sizes.set(node, n);
    return n;
  };
  let total = 0;
  let found: { alias: Alias; anchor: Node | undefined; size: number } | undefined;
  visit(doc, {
    Alias(_, alias) {
      const source = alias.resolve(doc);
      const n = size(source);
      total += n;
      if (total > MAX_EXPANDED_VALUES) {
        found = { alias, anchor: source as Node | undefined, size: n };
        return visit.BREAK;
      }
      return undefined;
    },
    Scalar() {
      total += 1;
    },
    Map() {
      total += 1;
    },
    Seq() {
      total += 1;
    },
  });
  return found;
}

const CAP = MAX_EXPANDED_VALUES + 1;

function keyText(pair: Pair): string {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

function firstLine(message: string): string {
  return message.split("\n")[0] ?? message;
}
