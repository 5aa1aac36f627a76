// Where the paths a spec names point, and the rule that keeps them inside the project.
import { isAbsolute, normalize, relative, resolve, sep } from "node:path";

export type PathCheck = { ok: true; path: string } | { ok: false; message: string; fix: string };

/** Resolves `rel` against `base`; it must stay inside `root` unless external paths are allowed. */
export function resolveInside(
  root: string,
  base: string,
  rel: string,
  options: { allowExternal: boolean },
): PathCheck {
  const target = resolve(base, rel);
  if (options.allowExternal) return { ok: true, path: target };
  if (isAbsolute(rel) || /^[A-Za-z]:[\\/]/.test(rel)) {
    return {
      ok: false,
      message: `"${rel}" is an absolute path`,
      fix: "use a path relative to the spec's folder, or set `allow_external_paths: true`",
    };
  }
  if (!isInside(root, target)) {
    return {
      ok: false,
      message: `"${rel}" points outside the project folder`,
      fix: "move the file into the project folder, or set `allow_external_paths: true`",
    };
  }
  return { ok: true, path: target };
}

/** A path a model reads or writes inside its work directory: relative, no `..` escape. */
export function checkWorkdirPath(rel: string): PathCheck {
  const norm = normalize(rel.replaceAll("\\", "/"));
  if (isAbsolute(rel) || /^[A-Za-z]:[\\/]/.test(rel) || norm === ".." || norm.startsWith(`..${sep}`)) {
    return {
      ok: false,
      message: `"${rel}" is not inside the work directory`,
      fix: "give a path relative to the model folder, without `..`",
    };
  }
  return { ok: true, path: norm };
}

export function isInside(root: string, target: string): boolean {
  const r = relative(root, target);
  return r === "" || (!r.startsWith("..") && !isAbsolute(r));
}
