import { describe, expect, it } from "vitest";
import { escapeId, workdirName } from "./workdir-name.ts";

describe("workdirName", () => {
  it("never gives two ids or attempts one folder", () => {
    const ids = [
      "a:1",
      "a_1",
      "a 1",
      "a_3A1",
      "run 1",
      "run_1",
      "run_201",
      ".",
      "..",
      "_2E",
      "x-a1",
      "x",
      "é",
      "e\u0301",
      "A1",
      "a1",
      "1",
    ];
    const names = new Set<string>();
    for (const id of ids) for (const a of [1, 2, 12] as const) names.add(workdirName(id, a));
    for (const id of ids) names.add(workdirName(id, "dup"));
    expect(names.size).toBe(ids.length * 4);
  });

  it("keeps plain ids readable and hides nothing", () => {
    expect(workdirName("17", 1)).toBe("17-a1");
    expect(workdirName("base.v2-x", 3)).toBe("base.v2-x-a3");
    expect(workdirName("run 1", 1)).toBe("run_201-a1");
    expect(workdirName("run_1", 1)).toBe("run_5F1-a1");
    expect(escapeId(".hidden")).toBe("_2Ehidden");
    for (const id of ["a/b", "a\\b", "..", "\u0000"]) expect(escapeId(id)).toMatch(/^[A-Za-z0-9._-]+$/);
  });

  it("keeps long ids under file-name limits, still distinct", () => {
    const a = "x".repeat(200);
    const b = `${"x".repeat(199)}y`;
    expect(escapeId(a).length).toBeLessThan(120);
    expect(escapeId(a)).not.toBe(escapeId(b));
  });
});
