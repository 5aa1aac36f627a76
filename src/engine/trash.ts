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
import { mkdirSync, renameSync } from "node:fs";
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
  let current: string | undefined;
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

  const added = () => {
    count++;
    if (count >= BATCH) flush();
    else timer ??= setTimeout(flush, BATCH_WAIT_MS);
  };

  return {
    async discard(dir) {
      try {
        if (current === undefined) {
          current = join(root, `${TRASH_PREFIX}${process.pid}-${batch++}`);
          await mkdir(current, { recursive: true });
        }
        await rename(dir, join(current, String(seq++)));
        added();
      } catch {
        await rm(dir, { recursive: true, force: true }).catch(() => {});
      }
    },
    discardNow(path) {
      try {
        if (current === undefined) {
          current = join(root, `${TRASH_PREFIX}${process.pid}-${batch++}`);
          mkdirSync(current, { recursive: true });
        }
        renameSync(path, join(current, String(seq++)));
        added();
        return true;
      } catch {
        return false;
      }
    },
    async drain() {
      flush();
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
