// Work folders of finished realisations are moved aside with one rename and deleted in
// batches by a separate `rm -rf`, so the engine's own thread does not spend a dozen file
// operations per realisation removing them.
import { execFile } from "node:child_process";
import { mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";

export interface Trash {
  /** Moves a folder out of the way; it is deleted later. */
  discard(dir: string): Promise<void>;
  /** Deletes everything discarded so far. */
  drain(): Promise<void>;
}

const BATCH = 64;

export function createTrash(root: string): Trash {
  let seq = 0;
  let batch = 0;
  let current: string | undefined;
  let count = 0;
  const deletions: Promise<void>[] = [];

  const remove = (dir: string): Promise<void> =>
    process.platform === "win32"
      ? rm(dir, { recursive: true, force: true }).catch(() => {})
      : new Promise((resolve) => execFile("rm", ["-rf", dir], () => resolve()));

  const flush = () => {
    if (current === undefined || count === 0) return;
    deletions.push(remove(current));
    current = undefined;
    count = 0;
  };

  return {
    async discard(dir) {
      try {
        if (current === undefined) {
          current = join(root, `.trash-${process.pid}-${batch++}`);
          await mkdir(current, { recursive: true });
        }
        const target = join(current, String(seq++));
        count++;
        await rename(dir, target);
        if (count >= BATCH) flush();
      } catch {
        await rm(dir, { recursive: true, force: true }).catch(() => {});
      }
    },
    async drain() {
      flush();
      await Promise.all(deletions);
    },
  };
}
