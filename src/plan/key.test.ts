import { describe, expect, it } from "vitest";
import { type KeyInputs, realisationKey, runSetFingerprint } from "./key.ts";

const inputs: KeyInputs = {
  bundleHash: "b",
  command: ["model"],
  shell: false,
  env: {},
  templates: [{ writes: "a.in", sha256: "t" }],
  instructions: [{ reads: "a.out", sha256: "i" }],
  success: { exit_code: 0 },
  image: "",
};

describe("runSetFingerprint", () => {
  it("changes with a parameter's scale or offset, and not when none is transformed", () => {
    const plain = runSetFingerprint(inputs);
    expect(runSetFingerprint({ ...inputs, transforms: new Map() })).toBe(plain);
    const scaled = runSetFingerprint({ ...inputs, transforms: new Map([["q", { scale: -1, offset: 0 }]]) });
    const offset = runSetFingerprint({ ...inputs, transforms: new Map([["q", { scale: -1, offset: 5 }]]) });
    expect(new Set([plain, scaled, offset]).size).toBe(3);
  });
});

describe("realisationKey", () => {
  it("is the key published results were made under, whatever order the values come in", () => {
    // Keys of published results decide what runs again: they must not change.
    const a = new Map([
      ["rch", 1e-4],
      ["hk1", 12.5],
      ["b", -0.3],
    ]);
    const b = new Map([
      ["hk1", 12.5],
      ["b", -0.3],
      ["rch", 1e-4],
    ]);
    const c = new Map([
      ["zeta", 1],
      ["alpha", 2],
    ]);
    const key = "f12877f79c5023d7516b2ea59fd1254c7b2a747d2066886d23c0e616c9529a53";
    expect(realisationKey("f", a)).toBe(key);
    expect(realisationKey("f", b)).toBe(key);
    expect(realisationKey("f", c)).toBe("3d86d4645e88e4438019cb18ec9a08074bbf7985e8e711c91dda17133cb4edbd");
    expect(realisationKey("f", a)).toBe(key);
    expect(realisationKey("f", new Map([...a, ["hk1", 12.500000000000002]]))).not.toBe(key);
  });
});
