import { describe, expect, it } from "vitest";
import { ColumnIndex, RowValues } from "../params/parameter-matrix.ts";
import { type KeyInputs, legacyRealisationKey, realisationKey, runSetFingerprint } from "./key.ts";

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
  it("hashes the exact doubles, whatever order the values come in and however they are held", () => {
    const a = new Map([
      ["rch", 1e-4],
      ["hk1", 12.5],
      ["b", -0.3],
    ]);
    const key = "db9e836aaf11c2b78b4b5def236ac5a3d185004b77ae940a1081e12c24da627d";
    expect(realisationKey("f", a)).toBe(key);
    expect(realisationKey("f", new Map([...a].reverse()))).toBe(key);
    const row = new RowValues(new ColumnIndex(["hk1", "b", "rch"]), Float64Array.from([12.5, -0.3, 1e-4]));
    expect(realisationKey("f", row)).toBe(key);
    expect(realisationKey("g", row)).not.toBe(key);
    expect(realisationKey("f", new Map([...a, ["hk1", 12.500000000000002]]))).not.toBe(key);
    // -0 is 0, as it is wherever values are written.
    expect(realisationKey("f", new Map([["x", -0]]))).toBe(realisationKey("f", new Map([["x", 0]])));
  });
});

describe("legacyRealisationKey", () => {
  it("is the key results were published under before, whatever order the values come in", () => {
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
    expect(legacyRealisationKey("f", a)).toBe(key);
    expect(legacyRealisationKey("f", b)).toBe(key);
    expect(legacyRealisationKey("f", c)).toBe(
      "3d86d4645e88e4438019cb18ec9a08074bbf7985e8e711c91dda17133cb4edbd",
    );
    expect(legacyRealisationKey("f", new Map([...a, ["hk1", 12.500000000000002]]))).not.toBe(key);
  });
});
