import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ColumnIndex, RowValues } from "../params/parameter-matrix.ts";
import { parameterValuesHash } from "./parameter-hash.ts";

const hashOf = (entries: Array<[string, number]>) => parameterValuesHash(new Map(entries));

describe("parameterValuesHash", () => {
  it("hashes the sorted names, then each value's 8 bytes, whatever order the values come in", () => {
    const bytes = new DataView(new ArrayBuffer(24));
    for (const [i, v] of [-0.5, 1e-7, 12.5].entries()) bytes.setFloat64(i * 8, v, true);
    const expected = createHash("sha256")
      .update("a\nb\nk\n\n")
      .update(new Uint8Array(bytes.buffer))
      .digest("hex");
    const values: Array<[string, number]> = [
      ["k", 12.5],
      ["a", -0.5],
      ["b", 1e-7],
    ];
    expect(hashOf(values)).toBe(expected);
    expect(hashOf([values[2]!, values[0]!, values[1]!])).toBe(expected);
    // A row of a matrix (an ensemble CSV, a sample) hashes the same, for every row.
    const columns = new ColumnIndex(["k", "a", "b"]);
    expect(parameterValuesHash(new RowValues(columns, Float64Array.from([12.5, -0.5, 1e-7])))).toBe(expected);
    expect(parameterValuesHash(new RowValues(columns, Float64Array.from([12.5, -0.5, 1e-7])))).toBe(expected);
    expect(parameterValuesHash(new RowValues(columns, Float64Array.from([12.5, -0, 0])))).toBe(
      hashOf([
        ["k", 12.5],
        ["a", 0],
        ["b", 0],
      ]),
    );
  });

  it("changes with any name or any bit of a value, and takes -0 for 0", () => {
    const base = hashOf([
      ["a", 0],
      ["k", 12.5],
    ]);
    expect(
      hashOf([
        ["a", -0],
        ["k", 12.5],
      ]),
    ).toBe(base);
    expect(
      hashOf([
        ["a", 0],
        ["k", 12.500000000000002],
      ]),
    ).not.toBe(base);
    expect(
      hashOf([
        ["a", 0],
        ["q", 12.5],
      ]),
    ).not.toBe(base);
    expect(hashOf([["a", 0]])).not.toBe(base);
  });
});
