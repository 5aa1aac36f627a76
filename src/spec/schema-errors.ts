// Turns zod's validation issues into diagnostics a person can act on: located, named by key
// path, with what was expected and a fix ("unknown key `comand`; did you mean `command`?").
import type { z } from "zod";
import { closest, type Diagnostic, type KeyPath } from "./diagnostics.ts";
import type { PositionedYaml } from "./yaml-positions.ts";

type AnySchema = z.core.$ZodType;

/** Unknown keys listed one by one per mapping; past this, one line counts the rest. */
const UNKNOWN_KEYS_SHOWN = 10;

export function issuesToDiagnostics(
  issues: readonly z.core.$ZodIssue[],
  schema: AnySchema,
  yaml: PositionedYaml,
  file: string,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  // "missing `command`" beside "unknown key `comand`, did you mean `command`?" follows from
  // the misspelling: only the misspelling is reported.
  const misspelt = new Set<string>();
  const missing = new Map<Diagnostic, string>();
  const add = (issue: z.core.$ZodIssue): void => {
    const path = issue.path as KeyPath;
    if (issue.code === "unrecognized_keys") {
      const known = knownKeysAt(schema, path);
      for (const key of issue.keys.slice(0, UNKNOWN_KEYS_SHOWN)) {
        const suggestion = closest(key, known);
        if (suggestion) misspelt.add(JSON.stringify([...path, suggestion]));
        out.push({
          file,
          ...yaml.locate([...path, key], { key: true }),
          path: [...path, key],
          message: `unknown key \`${key}\``,
          fix: suggestion
            ? `did you mean \`${suggestion}\`?`
            : known.length > 0
              ? `expected one of ${known.map((k) => `\`${k}\``).join(", ")}`
              : undefined,
        });
      }
      const more = issue.keys.length - UNKNOWN_KEYS_SHOWN;
      if (more > 0) {
        out.push({
          file,
          ...yaml.locate([...path, issue.keys[UNKNOWN_KEYS_SHOWN]!], { key: true }),
          path,
          message: `and ${more} more unknown key${more === 1 ? "" : "s"} from here on`,
        });
      }
      return;
    }
    const value = valueAt(yaml.data, path);
    if (value === undefined && (issue.code === "invalid_type" || issue.code === "invalid_union")) {
      const key = path[path.length - 1];
      const diagnostic: Diagnostic = {
        file,
        ...yaml.locate(path.slice(0, -1)),
        path,
        message: `missing required key \`${String(key)}\``,
        fix: `add \`${String(key)}:\` (${describeExpected(schemaAt(schema, path))})`,
      };
      missing.set(diagnostic, JSON.stringify(path));
      out.push(diagnostic);
      return;
    }
    if (issue.code === "invalid_union") {
      // The value has the shape of one alternative (a list where a list or a string may go):
      // report what is wrong inside it, at the item, not "expected a list or a string".
      const branch = shapedBranch(issue.errors);
      if (branch) {
        for (const inner of branch) add({ ...inner, path: [...path, ...inner.path] } as z.core.$ZodIssue);
        return;
      }
    }
    // A problem with a mapping's key (an environment variable's name) points at the key.
    const atKey = issue.code === "custom" && issue.params?.at === "key";
    // A custom check may carry its own fix.
    const fix =
      issue.code === "custom" && typeof issue.params?.fix === "string" ? issue.params.fix : undefined;
    out.push({
      file,
      ...yaml.locate(path, { key: atKey }),
      path,
      message: describeIssue(issue, value, schemaAt(schema, path)),
      ...(fix ? { fix } : {}),
    });
  };
  for (const issue of issues) add(issue);
  return dedupe(out.filter((d) => !misspelt.has(missing.get(d) ?? "")));
}

/** The one alternative of a union whose problems all lie inside the value (its type matched),
 * if there is exactly one. */
function shapedBranch(
  branches: readonly (readonly z.core.$ZodIssue[])[],
): readonly z.core.$ZodIssue[] | undefined {
  const shaped = branches.filter(
    (b) =>
      b.length > 0 &&
      b.every((i) => i.path.length > 0 || (i.code !== "invalid_type" && i.code !== "invalid_union")),
  );
  return shaped.length === 1 ? shaped[0] : undefined;
}

function describeIssue(issue: z.core.$ZodIssue, value: unknown, schema: AnySchema | undefined): string {
  switch (issue.code) {
    case "invalid_type":
    case "invalid_union":
      return `expected ${describeExpected(schema, issue)}, got ${describeValue(value)}`;
    case "invalid_value":
      return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}, got ${describeValue(value)}`;
    case "too_small":
      if (issue.origin === "array") return `expected at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === "string") return "expected a non-empty string";
      return `expected ${describeExpected(schema)}, got ${describeValue(value)}`;
    case "too_big":
      if (issue.origin === "array") return `expected at most ${String(issue.maximum)} item(s)`;
      return `expected ${describeExpected(schema)}, got ${describeValue(value)}`;
    case "invalid_format":
      return `expected ${issue.message}, got ${describeValue(value)}`;
    default:
      return issue.message.startsWith("expected") || /^[`a-z]/.test(issue.message)
        ? `expected ${issue.message.replace(/^expected /, "")}`
        : issue.message;
  }
}

/** What a schema accepts, in words. */
export function describeExpected(schema: AnySchema | undefined, issue?: z.core.$ZodIssue): string {
  if (issue?.code === "invalid_type" && !schema)
    return issue.expected === "int" ? "a whole number" : `a ${issue.expected}`;
  if (!schema) return "a value";
  const def = schema._zod.def as unknown as Record<string, unknown> & { type: string };
  switch (def.type) {
    case "optional":
    case "default":
    case "nullable":
    case "prefault":
      return describeExpected(def.innerType as AnySchema);
    case "pipe":
      return describeExpected(def.in as AnySchema);
    case "string":
      return "a string";
    case "number":
      return describeNumber(def.checks as NumberCheck[] | undefined);
    case "boolean":
      return "true or false";
    case "array":
      return `a list of ${plural(describeExpected(def.element as AnySchema))}`;
    case "tuple":
      return `a list of ${(def.items as unknown[]).length} values`;
    case "object":
      return "a mapping";
    case "record":
      return "a mapping of names to values";
    case "enum":
      return `one of ${Object.values(def.entries as Record<string, string>)
        .map((v) => JSON.stringify(v))
        .join(", ")}`;
    case "literal":
      return (def.values as unknown[]).map((v) => JSON.stringify(v)).join(", ");
    case "union": {
      const parts = [...new Set((def.options as AnySchema[]).map((o) => describeExpected(o)))];
      return parts.length <= 2
        ? parts.join(" or ")
        : `${parts.slice(0, -1).join(", ")} or ${parts[parts.length - 1]}`;
    }
    default:
      return "a value";
  }
}

interface NumberCheck {
  readonly _zod: { readonly def: { check: string; format?: string; value?: number; inclusive?: boolean } };
}

/** "a whole number from 0 to 20", "a number >= 1.1", "a number". */
function describeNumber(checks: readonly NumberCheck[] = []): string {
  let whole = false;
  let low: { value: number; inclusive: boolean } | undefined;
  let high: { value: number; inclusive: boolean } | undefined;
  for (const c of checks) {
    const d = c._zod.def;
    if (d.check === "number_format" && /int/.test(d.format ?? "")) whole = true;
    else if (d.check === "greater_than" && d.value !== undefined)
      low = { value: d.value, inclusive: !!d.inclusive };
    else if (d.check === "less_than" && d.value !== undefined)
      high = { value: d.value, inclusive: !!d.inclusive };
  }
  const kind = whole ? "a whole number" : "a number";
  if (low?.inclusive && high?.inclusive) return `${kind} from ${low.value} to ${high.value}`;
  const bounds = [
    low ? `${low.inclusive ? ">=" : ">"} ${low.value}` : "",
    high ? `${high.inclusive ? "<=" : "<"} ${high.value}` : "",
  ].filter(Boolean);
  return bounds.length > 0 ? `${kind} ${bounds.join(" and ")}` : kind;
}

function plural(phrase: string): string {
  return phrase
    .replace(/^a whole number/, "whole numbers")
    .replace(/^an? (string|number|mapping|value)/, "$1s")
    .replace(/^a list/, "lists");
}

export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "an empty value";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") {
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    // Control characters (a NUL, a tab) are shown escaped, not printed.
    return /[\x00-\x1f]/.test(shown) ? JSON.stringify(shown) : `"${shown}"`;
  }
  return String(value);
}

function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (;;) {
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    if (
      def.type === "optional" ||
      def.type === "default" ||
      def.type === "nullable" ||
      def.type === "prefault"
    )
      s = def.innerType as AnySchema;
    else if (def.type === "pipe") s = def.in as AnySchema;
    else return s;
  }
}

/** The schema that validates the value at `path`, where one can be found. */
export function schemaAt(schema: AnySchema, path: KeyPath): AnySchema | undefined {
  let current: AnySchema | undefined = schema;
  for (const part of path) {
    if (!current) return undefined;
    const s = unwrap(current);
    const def = s._zod.def as unknown as Record<string, unknown> & { type: string };
    if (def.type === "object") current = (def.shape as Record<string, AnySchema>)[String(part)];
    else if (def.type === "array") current = def.element as AnySchema;
    else if (def.type === "tuple") current = (def.items as AnySchema[])[Number(part)];
    else if (def.type === "record") current = def.valueType as AnySchema;
    else if (def.type === "union") {
      current = (def.options as AnySchema[])
        .map((o) => schemaAt(o, [part]))
        .find((x): x is AnySchema => x !== undefined);
    } else return undefined;
  }
  return current;
}

/** The keys a mapping at `path` may have. */
export function knownKeysAt(schema: AnySchema, path: KeyPath): string[] {
  const s = schemaAt(schema, path);
  if (!s) return [];
  const u = unwrap(s);
  const def = u._zod.def as unknown as Record<string, unknown> & { type: string };
  if (def.type === "object") return Object.keys(def.shape as object);
  if (def.type === "union")
    return [...new Set((def.options as AnySchema[]).flatMap((o) => knownKeysAt(o, [])))];
  return [];
}

function valueAt(data: unknown, path: KeyPath): unknown {
  let v: unknown = data;
  for (const part of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[part];
  }
  return v;
}

function dedupe(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const k = `${d.line}:${d.column}:${d.path.join(".")}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
