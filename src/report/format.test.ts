// Figures for people.
import { describe, expect, it } from "vitest";
import { formatBytes } from "./format.ts";

describe("formatBytes", () => {
  it("uses the unit that keeps the number short, with three significant digits", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(999)).toBe("999 B");
    expect(formatBytes(30_212)).toBe("30.2 KB");
    expect(formatBytes(999_600)).toBe("1 MB");
    expect(formatBytes(1_534_000)).toBe("1.53 MB");
    expect(formatBytes(120e9)).toBe("120 GB");
    expect(formatBytes(4.2e15)).toBe("4200 TB");
  });
});
