// The rules both result stores keep, on either side of the same layout: which published
// result a new one replaces, what a readable result.json is, and which names and paths may
// become keys or file names.
import { createHash } from "node:crypto";
import { errorMessage, UserError } from "../errors.ts";
import type { RealisationResult } from "../results/realisation-result.ts";

export interface PublishOptions {
  /** The `attempt` of the published result this one deliberately re-runs (`--retry-failed`):
   * that result, and only that one, is replaced whatever it is. */
  readonly replaces?: string;
}

/**
 * Whether `next` should replace the published `existing` (undefined: unreadable).
 * - The result a deliberate re-run names (`replaces`) is replaced.
 * - Work of an older plan generation never replaces a newer plan's result: a late duplicate
 *   of an earlier run set's message is stale work.
 * - A result with another key is stale (an input changed since), so a result of the same or
 *   a newer generation replaces it.
 * - With the same key, an infrastructure failure is not final (the next run retries it), so a
 *   settled result replaces it; otherwise the first result published for a key stays.
 */
export function supersedes(
  next: RealisationResult,
  existing: RealisationResult | undefined,
  options: PublishOptions = {},
): boolean {
  if (!existing) return true;
  if (options.replaces !== undefined && attemptOf(existing) === options.replaces) return true;
  if ((existing.generation ?? 0) > (next.generation ?? 0)) return false;
  if (existing.key !== next.key) return true;
  return isInfrastructureFailure(existing) && !isInfrastructureFailure(next);
}

/** A published result's attempt name; results written before attempts were named are told
 * apart by when they started. */
export function attemptOf(result: RealisationResult): string {
  return result.attempt ?? `started ${result.startedAt}`;
}

/** Where an attempt's kept files and log go, relative to its realisation's folder. */
export function attemptFolder(attempt: string): string {
  return `attempts/${checkSegment(attempt, "attempt name")}`;
}

/**
 * A kept file's path as a store can hold it: each segment with `%`, `\`, control characters
 * and the characters Windows forbids in names written as `%XX`, so a file a model wrote as
 * `run\heads.out` (models under Wine do) is kept rather than refused. The result lists the
 * model's own name beside the stored one.
 */
export function storedPath(relPath: string, what: string): string {
  const problem = relPath.includes("\0")
    ? "the name holds a NUL character"
    : relPath.startsWith("/") || /^[A-Za-z]:[/\\]/.test(relPath)
      ? "the path is absolute; give it relative to the work directory"
      : relPath.split("/").includes("..")
        ? 'the path climbs out of the work directory with ".."; keep files inside it'
        : relPath.split("/").every((s) => s === "" || s === ".")
          ? "the path is empty"
          : undefined;
  if (problem !== undefined) throw new UserError(`cannot store ${what}: ${problem}`);
  return relPath
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .map((segment) => fitName(escapeName(segment), segment))
    .join("/");
}

/** `%`, `\\`, control characters and the characters Windows forbids, as `%XX`. */
function escapeName(segment: string): string {
  return segment.replace(
    /[%\\:*?"<>|\x00-\x1f\x7f]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`,
  );
}

/** A stored name in the bytes a file name holds (with room for a temp file's suffix): a long
 * one keeps its start and ends with a hash of the whole name. */
const MAX_STORED_NAME_BYTES = 200;

function fitName(escaped: string, original: string): string {
  if (Buffer.byteLength(escaped) <= MAX_STORED_NAME_BYTES) return escaped;
  let start = "";
  for (const c of escaped) {
    if (Buffer.byteLength(start + c) > 150) break;
    start += c;
  }
  return `${start}~${createHash("sha256").update(original).digest("hex").slice(0, 16)}`;
}

export function isInfrastructureFailure(result: RealisationResult): boolean {
  return result.status === "failed" && result.failure?.kind !== "model";
}

/** The result, or why the text is not one. */
export function parseResult(text: string): RealisationResult | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return errorMessage(e);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const v = value as Record<string, unknown>;
  if (v["schema"] !== 1) return `schema ${JSON.stringify(v["schema"])}, expected 1`;
  for (const field of ["id", "key", "status"]) {
    if (typeof v[field] !== "string") return `no "${field}"`;
  }
  return value as RealisationResult;
}

/** One path segment from a name or id: it must not be empty, climb, or nest. */
export function checkSegment(value: string, what: string): string {
  if (value === "" || value === "." || value === ".." || /[/\\\0]/.test(value)) {
    throw new UserError(
      `cannot store results under ${what} ${JSON.stringify(value)}: it must not be empty, "." or "..", ` +
        `or contain / or \\`,
    );
  }
  return value;
}

/** A run set's scenario as a path of segments: a scenario's own run set is one segment
 * (`base`); run sets nested under it (a calibration's iterations, `base/calibration/iter-1`)
 * live in its folder, which a worker's role already reaches. */
export function checkScenarioPath(scenario: string): string[] {
  return scenario.split("/").map((s) => checkSegment(s, "scenario name"));
}

/** The segments of a relative, forward-slash path that stays inside its folder (a stored
 * path: see storedPath for what a model's own file names become). */
export function checkRelativePath(relPath: string, what: string): string[] {
  const problem =
    relPath.includes("\\") || relPath.includes("\0")
      ? "use forward slashes (a/b.txt) and no control characters"
      : relPath.startsWith("/") || /^[A-Za-z]:/.test(relPath)
        ? "the path is absolute; give it relative to the work directory"
        : relPath.split("/").includes("..")
          ? 'the path climbs out of the work directory with ".."; keep files inside it'
          : undefined;
  const segments = relPath.split("/").filter((s) => s !== "" && s !== ".");
  if (problem === undefined && segments.length > 0) return segments;
  throw new UserError(`cannot store ${what}: ${problem ?? "the path is empty"}`);
}
