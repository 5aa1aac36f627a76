import { describe, expect, it } from "vitest";
import { type KeyInputs, runSetFingerprint } from "./key.ts";

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
