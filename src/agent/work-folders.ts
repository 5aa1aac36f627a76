// Work folders made once and used again. A realisation's work folder must hold exactly the model
// folder's files (less what the model is to write) before its templates are written; copying a
// model folder of 30 MB in 100 files for every realisation of a 0.1 s model costs more than the
// model. So a finished realisation's folder is restored instead: every file the model created is
// removed, and a model-folder file is copied again only when it was changed, removed or replaced
// (its inode, size or change time differ from the copy's: a write, a chmod, a rename over it;
// the change time cannot be set back by the model). Template outputs are written in full by the
// next realisation, so they are left as they are. A folder whose restore fails is deleted and a
// fresh copy made.
//
// Looking at a folder (list, lstat), renaming and making folders are synchronous calls: they
// touch only metadata the kernel has cached, and one takes a microsecond or two, where the same
// call through Node's thread pool costs the event loop some 20 µs and a thread hop, and a model
// folder of a hundred files needs a hundred of them per realisation. What moves data (copying a
// file, deleting what the model wrote) stays off the event loop: copies go through the thread
// pool, and what the model made is moved into the engine's trash, deleted by another process.
import { lstatSync, mkdirSync, readdirSync, renameSync } from "node:fs";
import { constants, copyFile, lstat, mkdir, rm } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { RunConfig } from "./realisation.ts";

export interface WorkFolders {
  /** Puts a work folder at `workdir` holding exactly the model folder (outputs left out):
   * a restored one when there is one, else a fresh copy. */
  take(workdir: string): Promise<void>;
  /** Takes back the folder at `workdir` (made by take) once its realisation is over, to be
   * restored for another; false when it is not one of ours or enough are spare (the caller
   * removes it then). */
  giveBack(workdir: string): Promise<boolean>;
  /** Removes the spare folders. */
  close(): Promise<void>;
}

/** What a copied file looked like, to tell whether the model changed it. */
interface Copied {
  readonly ino: bigint;
  readonly size: bigint;
  readonly ctimeNs: bigint;
}

interface Folder {
  dir: string;
  /** By bundle path (forward slashes): the copy as made. */
  readonly copies: Map<string, Copied>;
}

export function createWorkFolders(options: {
  readonly config: RunConfig;
  /** Spare folders are kept here (the engine's work root), named as its trash is: a run that
   * was killed leaves them to the next run's cleanup (engine/trash.ts). */
  readonly root: string;
  /** Spare folders kept at most. */
  readonly spare: number;
  /** Moves a file or folder out of the way at once, to be deleted later (the engine's trash);
   * false when it could not. Without it, what a model made is deleted in place. */
  readonly discardNow?: (path: string) => boolean;
}): WorkFolders {
  const { config, root } = options;
  const outputs = modelOutputs(config);
  const written = new Set(config.templates.map((t) => normalRelative(t.writes)));
  const files = config.bundle.files.map((f) => normalRelative(f.path)).filter((p) => !outputs.has(p));
  const dirs = new Set(config.bundle.dirs.map(normalRelative));
  const inUse = new Map<string, Folder>();
  const spare: Array<Promise<Folder | undefined>> = [];
  let seq = 0;

  const copyIn = async (folder: Folder, path: string) => {
    const target = join(folder.dir, ...path.split("/"));
    await copyFile(join(config.modelDir, ...path.split("/")), target, constants.COPYFILE_FICLONE);
    const s = await lstat(target, { bigint: true });
    folder.copies.set(path, { ino: s.ino, size: s.size, ctimeNs: s.ctimeNs });
  };

  const fresh = async (workdir: string): Promise<Folder> => {
    await rm(workdir, { recursive: true, force: true }); // a leftover
    await mkdir(workdir, { recursive: true });
    for (const d of dirs) await mkdir(join(workdir, ...d.split("/")), { recursive: true });
    const folder: Folder = { dir: workdir, copies: new Map() };
    await Promise.all(files.map((p) => copyIn(folder, p)));
    return folder;
  };

  const remove = async (path: string) => {
    if (!options.discardNow?.(path)) await rm(path, { recursive: true, force: true });
  };

  /** Back to exactly the model folder: what the model made removed, what it changed copied. */
  const restore = async (folder: Folder): Promise<void> => {
    const entries = readdirSync(folder.dir, { recursive: true, withFileTypes: true });
    const present = new Set<string>();
    const removedDirs = new Set<string>();
    const inRemoved = (rel: string) => {
      for (let i = rel.lastIndexOf("/"); i > 0; i = rel.lastIndexOf("/", i - 1))
        if (removedDirs.has(rel.slice(0, i))) return true;
      return false;
    };
    // Shallowest first: a folder the model made goes whole, and what is in it with it.
    const paths = entries
      .map((e) => ({ e, rel: relative(folder.dir, join(e.parentPath, e.name)).split(sep).join("/") }))
      .sort((a, b) => depth(a.rel) - depth(b.rel));
    for (const { e, rel } of paths) {
      if (inRemoved(rel)) continue;
      const isDir = e.isDirectory();
      const wanted = isDir ? dirs.has(rel) : folder.copies.has(rel) || written.has(rel);
      if (wanted) {
        present.add(rel);
        continue;
      }
      await remove(join(folder.dir, ...rel.split("/")));
      if (isDir) removedDirs.add(rel);
    }
    for (const d of dirs)
      if (!present.has(d)) mkdirSync(join(folder.dir, ...d.split("/")), { recursive: true });
    const changed: string[] = [];
    for (const p of files) {
      if (written.has(p)) continue; // written in full by the next realisation's template
      const target = join(folder.dir, ...p.split("/"));
      const was = folder.copies.get(p);
      const now = present.has(p) ? lstatSync(target, { bigint: true, throwIfNoEntry: false }) : undefined;
      if (
        was &&
        now?.isFile() &&
        now.ino === was.ino &&
        now.size === was.size &&
        now.ctimeNs === was.ctimeNs
      ) {
        continue;
      }
      if (now) await remove(target);
      changed.push(p);
    }
    await Promise.all(changed.map((p) => copyIn(folder, p)));
  };

  return {
    async take(workdir) {
      for (let next = spare.pop(); next !== undefined; next = spare.pop()) {
        const folder = await next;
        if (folder === undefined) continue;
        try {
          moveTo(folder.dir, workdir);
        } catch {
          try {
            await rm(workdir, { recursive: true, force: true }); // a leftover in the way
            moveTo(folder.dir, workdir);
          } catch {
            await rm(folder.dir, { recursive: true, force: true }).catch(() => {});
            continue;
          }
        }
        folder.dir = workdir;
        inUse.set(workdir, folder);
        return;
      }
      inUse.set(workdir, await fresh(workdir));
    },

    async giveBack(workdir) {
      const folder = inUse.get(workdir);
      inUse.delete(workdir);
      if (folder === undefined || spare.length >= options.spare) return false;
      const dir = join(root, `.trash-spare-${process.pid}-${++seq}`);
      try {
        moveTo(workdir, dir);
      } catch {
        return false;
      }
      folder.dir = dir;
      // Restored while the engine goes on; a folder that cannot be is dropped.
      spare.push(
        restore(folder).then(
          () => folder,
          async () => {
            await rm(dir, { recursive: true, force: true }).catch(() => {});
            return undefined;
          },
        ),
      );
      return true;
    },
    async close() {
      const left = spare.splice(0);
      await Promise.all(
        left.map(async (p) => {
          const folder = await p;
          if (folder) await remove(folder.dir);
        }),
      );
    },
  };
}

/** Renames a folder; fails if anything is in the way (an empty folder is replaced). */
function moveTo(from: string, to: string): void {
  renameSync(from, to);
}

function depth(rel: string): number {
  let n = 0;
  for (let i = rel.indexOf("/"); i >= 0; i = rel.indexOf("/", i + 1)) n++;
  return n;
}

/** The work-folder paths the model is to write, as forward-slash relative paths: left out of
 * every work folder, as PEST++ deletes them before each run, so that an old copy in the model
 * folder is never read as this realisation's output. */
export function modelOutputs(config: Pick<RunConfig, "instructions" | "success">): Set<string> {
  const out = new Set(config.instructions.map((i) => normalRelative(i.reads)));
  if (config.success.file !== undefined) out.add(normalRelative(config.success.file));
  return out;
}

export function normalRelative(p: string): string {
  return p
    .split(/[\\/]+/)
    .filter((s) => s !== "" && s !== ".")
    .join("/");
}
