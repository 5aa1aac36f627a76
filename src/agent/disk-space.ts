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

/** Nearly full: less than 16 MiB or 0.5 % of the file system left, whichever is more. */
export function isNearlyFull(u: DiskUsage): boolean {
  return u.availableBytes < Math.max(16 * 1024 * 1024, u.totalBytes * 0.005);
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
