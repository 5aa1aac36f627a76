// The rules both result stores keep, on either side of the same layout: which published
// result a new one replaces, what a readable result.json is, and which names and paths may
// become keys or file names.
import { errorMessage, UserError } from "../errors.ts";
import type { RealisationResult } from "../results/realisation-result.ts";

/**
 * Whether `next` should replace the published `existing` (undefined: unreadable). A result
 * with another key is stale. An infrastructure failure is not final (the next run retries
 * it, with the same key), so a settled result replaces it; otherwise the first result
 * published for a key stays.
 */
export function supersedes(next: RealisationResult, existing: RealisationResult | undefined): boolean {
  if (!existing || existing.key !== next.key) return true;
  return isInfrastructureFailure(existing) && !isInfrastructureFailure(next);
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

/** The segments of a relative, forward-slash path that stays inside its folder. */
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
