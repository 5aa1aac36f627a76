// Validation problems on the pull request's diff: as a check run's annotations (any number,
// through the API) or as workflow commands (no token needed: how a fork's pull request sees
// them; GitHub shows at most 10 errors per step that way).
import { relative, sep } from "node:path";
import { type Diagnostic, formatKeyPath } from "../spec/diagnostics.ts";
import type { CheckAnnotation } from "./client.ts";

export function annotationOf(d: Diagnostic, root: string): CheckAnnotation {
  const line = Math.max(1, d.line);
  const key = d.path.length > 0 ? formatKeyPath(d.path) : undefined;
  return {
    path: repoPath(d.file, root),
    startLine: line,
    endLine: line,
    ...(d.line > 0 && d.column > 0 ? { startColumn: d.column, endColumn: d.column } : {}),
    level: "failure",
    ...(key ? { title: key } : {}),
    message: `${d.message}${d.fix ? `; ${d.fix}` : ""}`,
  };
}

/** A path relative to the repository, with "/" (GitHub's annotation paths). */
export function repoPath(file: string, root: string): string {
  const rel = relative(root, file);
  return (rel === "" || rel.startsWith("..") ? file : rel).split(sep).join("/");
}
