// The model bundle as it travels to cloud workers: one tar.gz of the model folder, stored
// once under bundles/<hash>.tar.gz (content-addressed), plus any template or instruction file
// that lives outside the model folder, placed under EXTRA_DIR inside the archive.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import * as tar from "tar";
import { isInside } from "../spec/paths.ts";
import type { ModelBundle } from "./bundle.ts";
import { sha256File } from "./bundle.ts";

export const EXTRA_DIR = ".modelfleet-extra";

export interface BundleArchive {
  /** Content hash of everything in the archive: its name in the store. */
  readonly hash: string;
  readonly file: string;
  /** Where each given outside file sits inside the archive (relative, forward slashes). */
  readonly placed: ReadonlyMap<string, string>;
  cleanup(): Promise<void>;
}

/** Bundle key in the store, relative to the run set's prefix owner: bundles/<hash>.tar.gz */
export function bundleKey(hash: string): string {
  return `bundles/${hash}.tar.gz`;
}

/** Path of a file inside the bundle: relative to the model folder, or placed under EXTRA_DIR. */
export function pathInBundle(modelDir: string, file: string, placed: ReadonlyMap<string, string>): string {
  return placed.get(file) ?? relative(modelDir, file).split(sep).join("/");
}

export async function createBundleArchive(
  bundle: ModelBundle,
  outsideFiles: readonly string[],
): Promise<BundleArchive> {
  const staging = await mkdtemp(join(tmpdir(), "mf-bundle-"));
  const placed = new Map<string, string>();
  const extraHashes: string[] = [];
  const outside = [...new Set(outsideFiles.filter((f) => !isInside(bundle.dir, f)))];
  for (const [i, file] of outside.entries()) {
    const rel = `${EXTRA_DIR}/${i}-${basename(file)}`;
    await mkdir(join(staging, EXTRA_DIR), { recursive: true });
    await copyFile(file, join(staging, rel));
    placed.set(file, rel);
    extraHashes.push(`${rel}\0${await sha256File(file)}`);
  }
  // The folders go in too (an empty one is part of the model folder, as locally); a bundle that
  // has any gets another name than an archive made before folders travelled.
  const dirs = [...bundle.dirs].sort();
  const hash = createHash("sha256")
    .update(bundle.hash)
    .update(extraHashes.join("\n"))
    .update(dirs.length > 0 ? `\ndirs\0${dirs.join("\0")}` : "")
    .digest("hex");
  const file = join(staging, `${hash}.tar.gz`);
  // Two folders go into one archive: write it plain, append the extras, then compress.
  // `follow`: a symlinked file of the bundle goes in as a regular file with its target's
  // content, as the local engine copies it (a link would point nowhere on a worker).
  const plain = join(staging, "bundle.tar");
  // `noDirRecurse`: a folder's entry alone; its files are listed themselves.
  await tar.c(
    { file: plain, cwd: bundle.dir, portable: true, noMtime: true, follow: true, noDirRecurse: true },
    [...dirs, ...bundle.files.map((f) => f.path)],
  );
  if (outside.length > 0)
    await tar.r({ file: plain, cwd: staging, portable: true, noMtime: true }, [EXTRA_DIR]);
  await pipeline(createReadStream(plain), createGzip(), createWriteStream(file));
  await rm(plain);
  return { hash, file, placed, cleanup: () => rm(staging, { recursive: true, force: true }) };
}

export async function extractBundleArchive(file: string, into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  await tar.x({ file, cwd: into, strict: true });
}
