// The model bundle: the model folder's files, listed and content-hashed. The hash goes into
// every realisation key (change the model, re-run everything); the manifest is what a work
// directory is made from. Symlinks inside are followed (see spec/model-folder.ts): a linked
// file is listed, hashed and copied as a regular file with its target's content.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import pLimit from "p-limit";
import { UserError } from "../errors.ts";
import { listModelFolder } from "../spec/model-folder.ts";
import { isInside } from "../spec/paths.ts";
import type { ProjectRoot } from "../spec/project-files.ts";

export interface BundleFile {
  /** Relative to the model folder, forward slashes. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly executable: boolean;
}

export interface ModelBundle {
  readonly dir: string;
  readonly hash: string;
  readonly files: readonly BundleFile[];
  /** Sub-folders (relative, forward slashes), parents before children. */
  readonly dirs: readonly string[];
  readonly bytes: number;
}

export interface BundleOptions {
  /** Folders inside the model folder to leave out: see `bundleExclusions`. */
  readonly exclude?: readonly string[];
}

/** Lists and hashes the model folder. `root` is where its symlinks may lead (the project
 * folder, as validation checked); a link that does not follow the rule is a UserError here
 * too, never an EISDIR. Our own `.modelfleet` folders are never part of it, at any depth. */
export async function hashModelBundle(
  dir: string,
  root?: ProjectRoot,
  options: BundleOptions = {},
): Promise<ModelBundle> {
  const listing = await listModelFolder(dir, root, options.exclude ? { exclude: options.exclude } : {});
  if (listing.problems.length > 0) {
    throw new UserError(
      listing.problems.map((p) => `model folder ${dir}: ${p.message}; ${p.fix}`).join("\n"),
    );
  }
  const hashed = await pLimit(16).map(listing.files, async (f): Promise<BundleFile> => {
    const s = await stat(f.abs);
    return { path: f.rel, size: s.size, sha256: await sha256File(f.abs), executable: (s.mode & 0o111) !== 0 };
  });
  const manifest = createHash("sha256");
  for (const f of hashed) manifest.update(`${f.path}\0${f.sha256}\0${f.executable ? "x" : "-"}\n`);
  return {
    dir,
    hash: manifest.digest("hex"),
    files: hashed,
    dirs: listing.dirs,
    bytes: hashed.reduce((n, f) => n + f.size, 0),
  };
}

/**
 * The folders among `paths` (a run's results and work folders) that lie inside the model
 * folder, as paths through it, for `hashModelBundle`'s `exclude`: what a run writes there must
 * not become part of the model, or every run would change the bundle's hash (every realisation
 * runs again) and work folders would be copied into each other. Paths that do not exist yet are
 * judged by their nearest existing folder; the model folder itself is never excluded.
 */
export async function bundleExclusions(modelDir: string, paths: readonly string[]): Promise<string[]> {
  const model = await realpath(modelDir).catch(() => resolve(modelDir));
  const out: string[] = [];
  for (const p of paths) {
    const real = await realOrNearest(resolve(p));
    if (real === model || !isInside(model, real)) continue;
    const inside = join(modelDir, relative(model, real));
    if (!out.includes(inside)) out.push(inside);
  }
  return out;
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
async function realOrNearest(path: string): Promise<string> {
  let rest = "";
  let at = path;
  for (;;) {
    try {
      return join(await realpath(at), rest);
    } catch {
      const parent = dirname(at);
      if (parent === at) return path;
      rest = join(basename(at), rest);
      at = parent;
    }
  }
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (chunk) => h.update(chunk))
      .on("error", reject)
      .on("end", () => resolve(h.digest("hex")));
  });
}
