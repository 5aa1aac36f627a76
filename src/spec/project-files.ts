// Finds the files and folders a spec names on disk. Symlinks are followed when their fully
// resolved target stays inside the project folder (the folder holding the project file), or
// anywhere with `allow_external_paths: true`. A link that leads outside, a broken link, a loop,
// or a folder where a file belongs is a problem that names the link and its target: found at
// validation, never an EISDIR or a copied /etc/hostname later.
import { lstat, readlink, realpath, stat } from "node:fs/promises";
import { errorMessage } from "../errors.ts";
import { isInside } from "./paths.ts";

export interface ProjectRoot {
  /** The project folder as given (absolute). */
  readonly dir: string;
  /** The same folder with every symlink resolved. */
  readonly real: string;
  readonly allowExternal: boolean;
}

export type FoundPath =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly missing: boolean; readonly message: string; readonly fix: string };

export async function projectRoot(dir: string, allowExternal: boolean): Promise<ProjectRoot> {
  return { dir, real: await realpath(dir).catch(() => dir), allowExternal };
}

export const OUTSIDE_FIX = "copy the target into the project folder, or set `allow_external_paths: true`";

/** Checks that `path` (absolute) exists as a `want`, through symlinks that stay inside the
 * project. `shown` is how messages name it. `missing` is true when nothing is there, so the
 * caller can say "not found" in its own words. */
export async function findInProject(
  root: ProjectRoot,
  path: string,
  shown: string,
  want: "file" | "folder",
): Promise<FoundPath> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    return unresolved(path, shown, e);
  }
  const link = await linkTarget(path);
  const through = link === undefined ? "" : ` (a symlink to "${link}")`;
  if (!root.allowExternal && !isInside(root.real, real)) {
    return {
      ok: false,
      missing: false,
      message:
        link === undefined
          ? `"${shown}" lies in a symlinked folder that resolves to "${real}", outside the project folder`
          : `"${shown}" is a symlink to "${link}", which resolves to "${real}", outside the project folder`,
      fix: OUTSIDE_FIX,
    };
  }
  const s = await stat(real).catch(() => undefined);
  if (s === undefined)
    return { ok: false, missing: true, message: `"${shown}" not found`, fix: "check the path" };
  if (want === "file" && s.isDirectory()) {
    return {
      ok: false,
      missing: false,
      message: `"${shown}"${through} is a folder, not a file`,
      fix: "name a file",
    };
  }
  if (want === "file" && !s.isFile()) {
    return {
      ok: false,
      missing: false,
      message: `"${shown}"${through} is not a regular file`,
      fix: "name a regular file",
    };
  }
  if (want === "folder" && !s.isDirectory()) {
    return {
      ok: false,
      missing: false,
      message: `"${shown}"${through} is a file, not a folder`,
      fix: "name the folder that holds the model",
    };
  }
  return { ok: true, path };
}

/** Why `path` could not be resolved: a broken link, a loop, or nothing there. */
async function unresolved(path: string, shown: string, e: unknown): Promise<FoundPath> {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ELOOP") {
    return {
      ok: false,
      missing: false,
      message: `"${shown}" is a symlink loop (a link that leads back to itself)`,
      fix: "point the link at a file",
    };
  }
  if (code === "ENOENT" || code === "ENOTDIR") {
    const link = await linkTarget(path);
    if (link !== undefined) {
      return {
        ok: false,
        missing: false,
        message: `"${shown}" is a broken symlink: its target "${link}" does not exist`,
        fix: "point the link at an existing file, or remove it",
      };
    }
    return { ok: false, missing: true, message: `"${shown}" not found`, fix: "check the path" };
  }
  return { ok: false, missing: false, message: `"${shown}": ${errorMessage(e)}`, fix: "check the path" };
}

/** The target a symlink at `path` points to, as written in the link; undefined when `path`
 * is not a symlink. */
export async function linkTarget(path: string): Promise<string | undefined> {
  const s = await lstat(path).catch(() => undefined);
  if (!s?.isSymbolicLink()) return undefined;
  return readlink(path).catch(() => "?");
}
