// Turning names from URLs into paths under the results root, so that no request can read
// outside it. Two independent defences, each enough on its own for names:
// - every segment must look like a name modelfleet stores (project and scenario slugs,
//   realisation ids): letters, digits and _ . : -, not starting with a dot. That rules out
//   "..", separators, NUL and hidden files (temp files, claims) whatever encoding carried
//   them, since the check runs on the decoded value;
// - the joined path, with every symlink resolved (realpath), must lie inside the root's
//   own realpath, so a link inside the results that leads elsewhere is not followed.
import { realpath } from "node:fs/promises";
import path from "node:path";

/** Longest name served; modelfleet's slugs are 40 characters, ids are short. */
const MAX_SEGMENT_LENGTH = 200;
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.:-]*$/;

/** Why `value` cannot be a path segment, or undefined if it can. */
export function segmentProblem(value: string): string | undefined {
  if (value === "") return "it is empty";
  if (value.length > MAX_SEGMENT_LENGTH) return `it is longer than ${MAX_SEGMENT_LENGTH} characters`;
  if (/[/\\]/.test(value)) return "it contains a path separator (/ or \\)";
  if (/[\u0000-\u001f\u007f]/.test(value)) return "it contains a control character";
  if (value.startsWith(".")) return 'it starts with "." (".." and hidden files are not served)';
  if (!SEGMENT.test(value)) {
    const bad = [...value].find((ch) => !/[A-Za-z0-9_.:-]/.test(ch));
    return `it contains ${JSON.stringify(bad)}; names use letters, digits and _ . : -`;
  }
  return undefined;
}

/** Where a path under the root stands once symlinks are resolved. */
export type Resolved =
  | { readonly kind: "inside"; readonly path: string }
  | { readonly kind: "missing" }
  /** A symlink (or a link in a parent folder) leads outside the root. */
  | { readonly kind: "outside" };

export interface RootGuard {
  /** The root as given, made absolute. */
  readonly root: string;
  /**
   * Resolves validated `segments` below the root. Segments must already have passed
   * segmentProblem; this re-checks them and throws if not, since a bad one here is a bug.
   */
  resolve(segments: readonly string[]): Promise<Resolved>;
}

export function createRootGuard(root: string): RootGuard {
  const absRoot = path.resolve(root);
  return {
    root: absRoot,
    async resolve(segments) {
      for (const s of segments) {
        const problem = segmentProblem(s);
        if (problem !== undefined)
          throw new Error(`unvalidated path segment ${JSON.stringify(s)}: ${problem}`);
      }
      const candidate = path.join(absRoot, ...segments);
      if (!isInside(absRoot, candidate)) return { kind: "outside" };
      // The root is resolved on every call, not once: it may be created (or re-pointed, if
      // it is itself a link) after the server starts.
      const realRoot = await realpathOrUndefined(absRoot);
      if (realRoot === undefined) return { kind: "missing" };
      const real = await realpathOrUndefined(candidate);
      if (real === undefined) return { kind: "missing" };
      return isInside(realRoot, real) ? { kind: "inside", path: real } : { kind: "outside" };
    },
  };
}

/** Whether `p` is `dir` or lies below it; both absolute and normalised. */
export function isInside(dir: string, p: string): boolean {
  const rel = path.relative(dir, p);
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

async function realpathOrUndefined(p: string): Promise<string | undefined> {
  try {
    return await realpath(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ELOOP: a symlink cycle, which leads nowhere servable.
    if (code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP") return undefined;
    throw e;
  }
}
