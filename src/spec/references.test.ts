import { describe, expect, it } from "vitest";
import { ColumnIndex, RowValues } from "../params/parameter-matrix.ts";
import type { Realisation } from "../params/types.ts";
import { addRow, emptyBounds } from "../pest/column-bounds.ts";
import type { ResolvedTemplate } from "./load.ts";
import { checkReferences } from "./references.ts";

/** A template writing `a` into a 6-character field on line 3 and `b` into a 4-character one. */
const template: ResolvedTemplate = {
  source: "model.in.tpl",
  writes: "model.in",
  parsed: {
    file: "model.in.tpl",
    delimiter: "~",
    eol: "\n",
    parameters: ["a", "b"],
    fieldCount: 2,
    narrowest: new Map([
      ["a", { width: 6, line: 3 }],
      ["b", { width: 4, line: 4 }],
    ]),
  },
};

function realisations(rows: number[][], withBounds: boolean): Realisation[] {
  const bounds = emptyBounds(2);
  for (const r of rows) addRow(bounds, Float64Array.from(r));
  const columns = new ColumnIndex(["a", "b"], withBounds ? bounds : undefined);
  return rows.map((r, i) => ({ id: `r${i + 1}`, values: new RowValues(columns, Float64Array.from(r)) }));
}

const messages = (rows: number[][], withBounds: boolean) =>
  checkReferences({ templates: [{ index: 0, template }], realisations: realisations(rows, withBounds) }).map(
    (p) => p.message,
  );

describe("checkReferences on rows of a matrix", () => {
  it("finds the values that do not fit their field, whether or not the column's bounds are known", () => {
    const rows = [
      [1.5, -2],
      [123.25, 1e-300],
      [-1.5e-300, 3],
      [0, 0],
    ];
    const expected = [
      "value -1.5e-300 of `a` (parameter set r3) does not fit the 6-character field at model.in.tpl:3",
      "value 1e-300 of `b` (parameter set r2) does not fit the 4-character field at model.in.tpl:4",
    ];
    expect(messages(rows, true)).toEqual(expected);
    expect(messages(rows, false)).toEqual(expected);
  });

  it("says nothing when every value fits", () => {
    const rows = [
      [1.5, -2],
      [-123.25, 1e-3],
      [0, 99999],
    ];
    expect(messages(rows, true)).toEqual([]);
    expect(messages(rows, false)).toEqual([]);
  });
});
