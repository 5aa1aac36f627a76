// The model bundle: the model folder's files, listed and content-hashed. The hash goes into
// every realisation key (change the model, re-run everything); the manifest is what a work
// directory is made from.
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";

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

/** Folders never bundled: version control, and our own state inside a model folder. */
const SKIP = new Set([".git", ".svn", ".hg", ".modelfleet", "__pycache__"]);

export async function hashModelBundle(dir: string): Promise<ModelBundle> {
  const files: { abs: string; rel: string }[] = [];
  const dirs: string[] = [];
  const walk = async (at: string) => {
    const entries = await readdir(at, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (SKIP.has(e.name)) continue;
      const abs = join(at, e.name);
      const rel = relative(dir, abs).split(sep).join("/");
      if (e.isDirectory()) {
        dirs.push(rel);
        await walk(abs);
      } else if (e.isFile() || e.isSymbolicLink()) {
        files.push({ abs, rel });
      }
    }
  };
  await walk(dir);
  const hashed = await mapLimited(files, 16, async (f): Promise<BundleFile> => {
    const s = await stat(f.abs);
    return { path: f.rel, size: s.size, sha256: await sha256File(f.abs), executable: (s.mode & 0o111) !== 0 };
  });
  const manifest = createHash("sha256");
  for (const f of hashed) manifest.update(`${f.path}\0${f.sha256}\0${f.executable ? "x" : "-"}\n`);
  return {
    dir,
    hash: manifest.digest("hex"),
    files: hashed,
    dirs,
    bytes: hashed.reduce((n, f) => n + f.size, 0),
  };
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

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
