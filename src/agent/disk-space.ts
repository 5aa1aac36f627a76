// How full the file system under a folder is: a model that fails while its work folder's
// disk is (nearly) full failed for want of space, not because of its parameters, so the
// failure is the infrastructure's and worth another try.
import { statfs } from "node:fs/promises";

export interface DiskUsage {
  readonly availableBytes: number;
  readonly totalBytes: number;
}

/** The port: tests pass a fake that reports a full disk. */
export interface DiskSpace {
  usage(path: string): Promise<DiskUsage | undefined>;
}

export const systemDiskSpace: DiskSpace = {
  async usage(path) {
    try {
      const s = await statfs(path);
      return { availableBytes: s.bavail * s.bsize, totalBytes: s.blocks * s.bsize };
    } catch {
      return undefined;
    }
  },
};

/** Less than this left is a full disk, whatever its size: a model that ran out of space
 * leaves a few blocks at most. (A share of the disk would call a terabyte disk with gigabytes
 * free full, and turn every real failure on it into a retry.) */
export const FULL_DISK_BYTES = 4 * 1024 * 1024;

/** What a program says when a write found no space. */
const NO_SPACE = /no space left on device|disk quota exceeded|\bENOSPC\b|\bEDQUOT\b/i;

/** The disk was full when the model failed: next to nothing left, or the model said so. */
export function isNearlyFull(u: DiskUsage, modelOutput = ""): boolean {
  return u.availableBytes < FULL_DISK_BYTES || NO_SPACE.test(modelOutput);
}

export function formatBytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : Number(v.toFixed(v < 10 ? 1 : 0))} ${units[i]}`;
}
