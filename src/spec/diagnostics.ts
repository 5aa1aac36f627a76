// Problems found in a spec, each located by file, line and column and named by its key path,
// and how they are printed.

export type KeyPath = ReadonlyArray<string | number>;

export interface Diagnostic {
  readonly file: string;
  /** 1-based; 0 when the problem is the file as a whole. */
  readonly line: number;
  readonly column: number;
  readonly path: KeyPath;
  /** What is wrong, or what was expected. */
  readonly message: string;
  /** How to fix it, when there is a clear fix. */
  readonly fix?: string;
  /** For a problem inside a file the spec names: where the spec names it. */
  readonly from?: { readonly file: string; readonly line: number; readonly column: number };
}

/** `parameters.sample.priors.hk1` / `model.templates[0].template` */
export function formatKeyPath(path: KeyPath): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (!/^[\w$-]+$/.test(part)) out += `[${JSON.stringify(part)}]`;
    else out += out === "" ? part : `.${part}`;
  }
  return out;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line > 0 ? `${d.file}:${d.line}:${d.column}` : d.file;
  const from = d.from ? ` (${d.from.file}:${d.from.line}:${d.from.column})` : "";
  const key = d.path.length > 0 ? ` \`${formatKeyPath(d.path)}\`${from}:` : "";
  return `${where}:${key} ${d.message}${d.fix ? `; ${d.fix}` : ""}`;
}

/** Edit distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j]!;
      prev[j] = Math.min(above + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = above;
    }
  }
  return prev[b.length]!;
}

/** The closest candidate to `word`, if it is close enough to be a likely typo; never `word`
 * itself (suggesting the name that is missing helps nobody). */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  const lower = word.toLowerCase();
  for (const c of candidates) {
    if (c === word) continue;
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best !== undefined && bestDistance <= limit ? best : undefined;
}
