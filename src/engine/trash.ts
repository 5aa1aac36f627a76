// Work folders of finished realisations are moved aside with one rename and deleted by a
// separate `rm -rf` a moment later, several at a time, so the engine's own thread does not
// spend a dozen file operations per realisation removing them. They are deleted promptly:
// within a fraction of a second, or as soon as a batch fills, so that finished folders never
// pile up on a disk that models are filling (a retried attempt's folder is gone before the
// retry has gone far). The engine starts the `rm -rf` through its launcher shell
// (agent/shell-launcher.ts): a child process of the engine's own costs its event loop a fork.
//
// Files a model left in a work folder used again go the same way (discardNow): one rename each,
// so that freeing their data never blocks the engine.
import { execFile } from "node:child_process";
import { renameSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

export interface Trash {
  /** Moves a folder out of the way; it is deleted shortly. */
  discard(dir: string): Promise<void>;
  /** Moves a file or folder out of the way at once (a rename: no data is freed on the
   * caller's thread); it is deleted shortly. False when it could not be moved. */
  discardNow(path: string): boolean;
  /** Deletes everything discarded so far. */
  drain(): Promise<void>;
}

const BATCH = 64;
/** How long a folder waits for others to share its `rm -rf`. */
const BATCH_WAIT_MS = 50;
const TRASH_PREFIX = ".trash-";

export function createTrash(
  root: string,
  options: {
    /** Runs a command to its end (default: a child process of this one's). */
    readonly run?: (argv: readonly string[]) => Promise<void>;
  } = {},
): Trash {
  let seq = 0;
  let batch = 0;
  /** The batch folder things go into now. */
  let current: string | undefined;
  /** A batch folder made ahead for the next batch, so that discardNow never waits for one:
   * making a folder goes through the thread pool (it can wait on the file system's journal). */
  let ahead: string | undefined;
  let making: Promise<void> | undefined;
  let count = 0;
  let timer: NodeJS.Timeout | undefined;
  const deletions = new Set<Promise<void>>();

  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (current === undefined || count === 0) return;
    const dir = current;
    const deletion = options.run
      ? options.run(["rm", "-rf", dir]).catch(() => removeFolder(dir))
      : removeFolder(dir);
    deletions.add(deletion);
    void deletion.then(() => deletions.delete(deletion));
    current = undefined;
    count = 0;
  };

  const makeAhead = (): Promise<void> => {
    making ??= (async () => {
      const dir = join(root, `${TRASH_PREFIX}${process.pid}-${batch++}`);
      try {
        await mkdir(dir, { recursive: true });
        ahead = dir;
      } catch {
        // the next discard tries again
      } finally {
        making = undefined;
      }
    })();
    return making;
  };
  /** The batch folder to put things in, if one is ready. */
  const batchFolder = (): string | undefined => {
    if (current === undefined && ahead !== undefined) {
      current = ahead;
      ahead = undefined;
      void makeAhead();
    }
    return current;
  };
  void makeAhead();

  const added = () => {
    count++;
    if (count >= BATCH) flush();
    else timer ??= setTimeout(flush, BATCH_WAIT_MS);
  };

  return {
    async discard(dir) {
      try {
        if (batchFolder() === undefined) await makeAhead();
        const into = batchFolder();
        if (into === undefined) throw new Error("no trash folder");
        await rename(dir, join(into, String(seq++)));
        added();
      } catch {
        await rm(dir, { recursive: true, force: true }).catch(() => {});
      }
    },
    discardNow(path) {
      const into = batchFolder();
      if (into === undefined) return false;
      try {
        renameSync(path, join(into, String(seq++)));
      } catch {
        return false;
      }
      added();
      return true;
    },
    async drain() {
      flush();
      await making;
      if (ahead !== undefined) await rm(ahead, { recursive: true, force: true }).catch(() => {});
      ahead = undefined;
      await Promise.all(deletions);
    },
  };
}

/** Deletes the trash a run that was killed left behind (call it holding the work folder's
 * lock: no other run is using the folder). */
export async function removeLeftoverTrash(root: string): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[]);
  await Promise.all(names.filter((n) => n.startsWith(TRASH_PREFIX)).map((n) => removeFolder(join(root, n))));
}

function removeFolder(dir: string): Promise<void> {
  return process.platform === "win32"
    ? rm(dir, { recursive: true, force: true }).catch(() => {})
    : new Promise((resolve) => execFile("rm", ["-rf", dir], () => resolve()));
}
