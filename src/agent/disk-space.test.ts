import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { formatBytes, isNearlyFull, systemDiskSpace } from "./disk-space.ts";

describe("disk space", () => {
  it("reads the file system under a folder", async () => {
    const u = await systemDiskSpace.usage(tmpdir());
    expect(u).toBeDefined();
    expect(u!.totalBytes).toBeGreaterThan(0);
    expect(u!.availableBytes).toBeLessThanOrEqual(u!.totalBytes);
    expect(await systemDiskSpace.usage("/no/such/folder/anywhere")).toBeUndefined();
  });

  it("calls a disk full with next to nothing left, or when the model said it found no space", () => {
    const GB = 1024 ** 3;
    expect(isNearlyFull({ availableBytes: 1024 ** 2, totalBytes: GB })).toBe(true);
    // 18 MB free of 4 GB, or 2 GB of a terabyte, is room: a failure there is the model's
    expect(isNearlyFull({ availableBytes: 18 * 1024 ** 2, totalBytes: 4 * GB })).toBe(false);
    expect(isNearlyFull({ availableBytes: 2 * GB, totalBytes: 1000 * GB })).toBe(false);
    const room = { availableBytes: 2 * GB, totalBytes: 1000 * GB };
    expect(isNearlyFull(room, "forrtl: No space left on device, unit 12")).toBe(true);
    expect(isNearlyFull(room, "write failed: ENOSPC")).toBe(true);
    expect(isNearlyFull(room, "Disk quota exceeded")).toBe(true);
    expect(isNearlyFull(room, "error: convergence failed")).toBe(false);
  });

  it("writes sizes for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(30 * 1024)).toBe("30 KB");
    expect(formatBytes(3.5 * 1024 ** 2)).toBe("3.5 MB");
  });
});
