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

  it("calls a disk nearly full below 16 MiB or 0.5 % free", () => {
    const GB = 1024 ** 3;
    expect(isNearlyFull({ availableBytes: 10 * 1024 ** 2, totalBytes: GB })).toBe(true);
    expect(isNearlyFull({ availableBytes: 100 * 1024 ** 2, totalBytes: GB })).toBe(false);
    expect(isNearlyFull({ availableBytes: 2 * GB, totalBytes: 1000 * GB })).toBe(true);
    expect(isNearlyFull({ availableBytes: 10 * GB, totalBytes: 1000 * GB })).toBe(false);
  });

  it("writes sizes for people", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(30 * 1024)).toBe("30 KB");
    expect(formatBytes(3.5 * 1024 ** 2)).toBe("3.5 MB");
  });
});
