import { describe, expect, it } from "vitest";
import { createValueColumns } from "./value-columns.ts";

describe("createValueColumns", () => {
  it("adds a column for a new name with NaN in earlier rows, whatever the key order", () => {
    const table = createValueColumns(1);
    table.addRow({ a: 1, b: 2 });
    table.addRow({ b: 4, a: 3 });
    table.addRow({ c: 5 });
    expect(table.rowCount).toBe(3);
    expect(table.names).toEqual(["a", "b", "c"]);
    expect([...table.column("a")!]).toEqual([1, 3, Number.NaN]);
    expect([...table.column("c")!]).toEqual([Number.NaN, Number.NaN, 5]);
    expect(table.column("d")).toBeUndefined();
    const m = table.toMatrix(["r1", "r2", "r3"]);
    expect(m.ids).toEqual(["r1", "r2", "r3"]);
    expect(m.columns.map((c) => c.length)).toEqual([3, 3, 3]);
  });

  it("grows by doubling and keeps what it holds", () => {
    const table = createValueColumns(2);
    for (let i = 0; i < 1000; i++) table.addRow({ x: i, y: -i });
    expect(table.column("y")).toEqual(Float64Array.from({ length: 1000 }, (_, i) => -i));
  });

  it("needs one id per row", () => {
    const table = createValueColumns();
    table.addRow({ a: 1 });
    expect(() => table.toMatrix([])).toThrow(RangeError);
  });
});
