// Lists the files of a model folder, which is copied into every work folder and travels in the
// cloud bundle. Symlinks inside are followed by the same rule as every path a spec names (their
// resolved target must stay inside the project folder, unless external paths are allowed): a
// linked file is listed as a regular file with its target's content, a linked folder as a
// folder. Links that lead outside, broken links and loops are problems, not crashes.
import { readdir, readlink, realpath, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { errorMessage } from "../errors.ts";
import { isInside } from "./paths.ts";
import { OUTSIDE_FIX, type ProjectRoot } from "./project-files.ts";

export interface ModelFolderFile {
  /** Absolute path through the folder (reading it follows any link). */
  readonly abs: string;
  /** Relative to the model folder, forward slashes. */
  readonly rel: string;
}

export interface ModelFolderProblem {
  /** The link, relative to the model folder, forward slashes. */
  readonly rel: string;
  readonly message: string;
  readonly fix: string;
}

export interface ModelFolderListing {
  /** Sorted by path within each folder. */
  readonly files: ModelFolderFile[];
  /** Sub-folders (relative, forward slashes), parents before children. */
  readonly dirs: string[];
  readonly problems: ModelFolderProblem[];
}

/** Folders never bundled: version control, and our own state inside a model folder. */
const SKIP = new Set([".git", ".svn", ".hg", ".modelfleet", "__pycache__"]);

export interface ListOptions {
  /** Absolute paths of folders inside `dir` to leave out (results or work folders a run keeps
   * there, see plan/bundle.ts `bundleExclusions`), as paths through `dir`. */
  readonly exclude?: readonly string[];
}

/** `root` decides where links may lead; without one, links may lead anywhere (a bundle
 * already validated, or extracted from an archive). */
export async function listModelFolder(
  dir: string,
  root?: ProjectRoot,
  options: ListOptions = {},
): Promise<ModelFolderListing> {
  const excluded = new Set(options.exclude ?? []);
  const files: ModelFolderFile[] = [];
  const dirs: string[] = [];
  const problems: ModelFolderProblem[] = [];
  const allowed = (real: string) => root === undefined || root.allowExternal || isInside(root.real, real);
  // Real paths of the folders being walked, outermost first: a link to one of them, or to a
  // folder holding one of them, would walk forever.
  const walking: string[] = [];
  const walk = async (at: string, real: string): Promise<void> => {
    walking.push(real);
    const entries = await readdir(at, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (SKIP.has(e.name)) continue;
      const abs = join(at, e.name);
      if (excluded.has(abs)) continue;
      const rel = relative(dir, abs).split(sep).join("/");
      if (e.isDirectory()) {
        dirs.push(rel);
        await walk(abs, join(real, e.name));
      } else if (e.isFile()) {
        files.push({ abs, rel });
      } else if (e.isSymbolicLink()) {
        const link = await readlink(abs).catch(() => "?");
        const problem = (message: string, fix: string) =>
          problems.push({ rel, message: `"${rel}" in the model folder ${message}`, fix });
        let target: string;
        try {
          target = await realpath(abs);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code === "ELOOP")
            problem(`is a symlink loop ("${link}")`, "point the link at a file or folder");
          else if (code === "ENOENT" || code === "ENOTDIR")
            problem(
              `is a broken symlink: its target "${link}" does not exist`,
              "point the link at an existing file, or remove it",
            );
          else problem(`is a symlink to "${link}": ${errorMessage(err)}`, "check the link");
          continue;
        }
        if (!allowed(target)) {
          problem(
            `is a symlink to "${link}", which resolves to "${target}", outside the project folder`,
            OUTSIDE_FIX,
          );
          continue;
        }
        const s = await stat(target).catch(() => undefined);
        if (s?.isDirectory()) {
          if (walking.some((w) => isInside(target, w))) {
            problem(
              `is a symlink to "${link}", a folder that holds the link itself: a loop`,
              "point the link at a folder outside the one it is in, or remove it",
            );
            continue;
          }
          dirs.push(rel);
          await walk(abs, target);
        } else if (s?.isFile()) {
          files.push({ abs, rel });
        }
        // Links to sockets, pipes and devices are left out, as such files themselves are.
      }
    }
    walking.pop();
  };
  await walk(dir, await realpath(dir).catch(() => dir));
  return { files, dirs, problems };
}
