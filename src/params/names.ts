// Parameter names are case-insensitive (as PEST reads them): a map keyed by parameter name that
// gives one name twice in different cases would silently keep only the last.
import type { KeyPath } from "../spec/diagnostics.ts";

export interface NameProblem {
  readonly path: KeyPath;
  readonly message: string;
  readonly fix: string;
}

/** Every key of `record` that names the same parameter as an earlier key, at the later one. */
export function sameNameProblems(path: KeyPath, record: Readonly<Record<string, unknown>>): NameProblem[] {
  const first = new Map<string, string>();
  const problems: NameProblem[] = [];
  for (const key of Object.keys(record)) {
    const name = key.toLowerCase();
    const earlier = first.get(name);
    if (earlier === undefined) {
      first.set(name, key);
      continue;
    }
    problems.push({
      path: [...path, key],
      message: `\`${key}\` and \`${earlier}\` name one parameter (names are case-insensitive)`,
      fix: "keep one",
    });
  }
  return problems;
}
