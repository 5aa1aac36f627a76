// Work folders made once and used again. A realisation's work folder must hold exactly the model
// folder's files (less what the model is to write) before its templates are written; copying a
// model folder of 30 MB in 100 files for every realisation of a 0.1 s model costs more than the
// model. So a finished realisation's folder is restored instead: every file the model created is
// removed, and a model-folder file is copied again only when it was changed, removed or replaced
// (its inode, size or change time differ from the copy's: a write, a chmod, a rename over it;
// the change time cannot be set back by the model). Template outputs are written in full by the
// next realisation, so they are left as they are. A folder whose restore fails is deleted and a
// fresh copy made.
import { constants, copyFile, lstat, mkdir, readdir, rename, rm } from "node:fs/promises";
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

  /** Back to exactly the model folder: what the model made removed, what it changed copied. */
  const restore = async (folder: Folder): Promise<void> => {
    const entries = await readdir(folder.dir, { recursive: true, withFileTypes: true });
    const present = new Set<string>();
    // Deepest first, so a folder the model made goes before the folder around it is looked at.
    const paths = entries
      .map((e) => ({ e, rel: relative(folder.dir, join(e.parentPath, e.name)).split(sep).join("/") }))
      .sort((a, b) => b.rel.length - a.rel.length);
    for (const { e, rel } of paths) {
      const isDir = e.isDirectory();
      const wanted = isDir ? dirs.has(rel) : folder.copies.has(rel) || written.has(rel);
      if (wanted) present.add(rel);
      else await rm(join(folder.dir, ...rel.split("/")), { recursive: true, force: true });
    }
    for (const d of dirs)
      if (!present.has(d)) await mkdir(join(folder.dir, ...d.split("/")), { recursive: true });
    await Promise.all(
      files.map(async (p) => {
        if (written.has(p)) return; // written in full by the next realisation's template
        const target = join(folder.dir, ...p.split("/"));
        const was = folder.copies.get(p);
        const now = present.has(p) ? await lstat(target, { bigint: true }).catch(() => undefined) : undefined;
        if (
          was &&
          now?.isFile() &&
          now.ino === was.ino &&
          now.size === was.size &&
          now.ctimeNs === was.ctimeNs
        ) {
          return;
        }
        if (now) await rm(target, { recursive: true, force: true });
        await copyIn(folder, p);
      }),
    );
  };

  return {
    async take(workdir) {
      for (let next = spare.pop(); next !== undefined; next = spare.pop()) {
        const folder = await next;
        if (folder === undefined) continue;
        try {
          await rm(workdir, { recursive: true, force: true }); // a leftover
          await rename(folder.dir, workdir);
          folder.dir = workdir;
          inUse.set(workdir, folder);
          return;
        } catch {
          await rm(folder.dir, { recursive: true, force: true }).catch(() => {});
        }
      }
      inUse.set(workdir, await fresh(workdir));
    },
    async giveBack(workdir) {
      const folder = inUse.get(workdir);
      inUse.delete(workdir);
      if (folder === undefined || spare.length >= options.spare) return false;
      const dir = join(root, `.trash-spare-${process.pid}-${++seq}`);
      try {
        await rename(workdir, dir);
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
          if (folder) await rm(folder.dir, { recursive: true, force: true });
        }),
      );
    },
  };
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
