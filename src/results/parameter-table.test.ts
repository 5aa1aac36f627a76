import { describe, expect, it } from "vitest";
import { ColumnIndex, RowValues } from "../params/parameter-matrix.ts";
import { tableOfValues } from "./parameter-table.ts";

describe("tableOfValues", () => {
  it("reads rows of a matrix as it reads maps: names in order, values by index, NaN for an unknown id", () => {
    const columns = new ColumnIndex(["k", "a", "b"]);
    const rows = new Map([
      ["r1", new RowValues(columns, Float64Array.from([1, 2, 3]))],
      ["r2", new RowValues(columns, Float64Array.from([4, 5, 6]))],
    ]);
    const maps = new Map([...rows].map(([id, row]) => [id, new Map(row)]));
    for (const table of [tableOfValues(rows), tableOfValues(maps)]) {
      expect(table.names).toEqual(["k", "a", "b"]);
      const out = new Float64Array(2);
      table.fill("r2", Int32Array.from([2, 0]), out);
      expect([...out]).toEqual([6, 4]);
      table.fill("nope", Int32Array.from([1, 0]), out);
      expect([...out]).toEqual([Number.NaN, Number.NaN]);
    }
  });
});
