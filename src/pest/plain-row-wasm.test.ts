import { describe, expect, it } from "vitest";
import { readPlainRow } from "./plain-row.ts";
import { FILE_AT, rowMemory, rowReader, scratchAt } from "./plain-row-memory.ts";
import { plainRowModule } from "./plain-row-wasm.ts";

/** Reads every line of `text` as a row of `width` in WebAssembly and with plain-row.ts. */
async function bothWays(text: string, width: number) {
  const module = await plainRowModule();
  expect(module).toBeDefined();
  const bytes = Buffer.from(text, "latin1");
  const memory = rowMemory(bytes.length, 1, width)!;
  const file = new Uint8Array(memory.buffer, FILE_AT, bytes.length);
  file.set(bytes);
  const wasm = rowReader(module!, memory, bytes.length);
  const scratch = scratchAt(bytes.length, 0, width);
  const wasmRow = new Float64Array(memory.buffer, scratch, width);
  const rows: Array<{ line: string; wasm: number[] | null; js: number[] | null }> = [];
  for (let pos = 0; pos < bytes.length; ) {
    const nl = bytes.indexOf(10, pos);
    const line = bytes.toString("latin1", pos, nl < 0 ? bytes.length : nl);
    wasmRow.fill(Number.NaN);
    const length = wasm(pos, width, scratch);
    const js = new Float64Array(width);
    const end = readPlainRow(file, pos, width, js, 0);
    rows.push({ line, wasm: length > 0 ? [...wasmRow] : null, js: end >= 0 ? [...js] : null });
    if (length > 0) expect(pos + length).toBe(end);
    if (nl < 0) break;
    pos = nl + 1;
  }
  return rows;
}

/** Seeded numbers of every size and form, as CSVs hold them. */
function numbers(count: number): string[] {
  let state = 42;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return Array.from({ length: count }, (_, i) => {
    const v = (next() < 0.3 ? -1 : 1) * next() * 10 ** Math.floor(next() * 640 - 320);
    switch (i % 5) {
      case 0:
        return String(v);
      case 1:
        return v.toPrecision(1 + Math.floor(next() * 21));
      case 2:
        return v.toExponential(Math.floor(next() * 20));
      case 3:
        return Math.abs(v) < 1e21 ? v.toFixed(Math.floor(next() * 22)) : String(v);
      default:
        return String(Math.round(v * 1e3) / 1e3);
    }
  });
}

describe("plain-row-wat.ts", () => {
  it("reads the same doubles as plain-row.ts, or leaves the row to it", async () => {
    const width = 4;
    const count = 20_000;
    const all = numbers(width * count);
    const lines = Array.from(
      { length: count },
      (_, r) => `r${r},${all.slice(r * width, (r + 1) * width).join(",")}`,
    );
    const rows = await bothWays(`${lines.join("\n")}\n`, width);
    let read = 0;
    for (const r of rows) {
      if (r.wasm === null) continue;
      read++;
      expect(r.js, r.line).not.toBeNull();
      for (let k = 0; k < width; k++)
        if (!Object.is(r.wasm[k], r.js![k])) expect.fail(`${r.line}: column ${k}`);
    }
    // Rows with a number past its range (exponents beyond 280, 20 digits) are left to JavaScript.
    expect(read).toBeGreaterThan(count / 4);
  });

  it("takes and refuses the rows plain-row.ts takes and refuses", async () => {
    const text = [
      "a,1,2.5,-3e-7",
      " b , 1 ,\t2\t, 3 ",
      "c,1,2,3\r",
      'd",1,2,3',
      "e,1,2",
      "f,1,2,3,4",
      "g,1,x,3",
      "h,1.0D+03,2,3",
      "i,+.5,5.,-0",
      "j,1,2,",
      ",1,2,3",
      "k,1,2,3",
    ].join("\n");
    const rows = await bothWays(text, 3);
    expect(rows.map((r) => r.wasm !== null)).toEqual(rows.map((r) => r.js !== null));
    expect(rows.map((r) => r.wasm !== null)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
      false,
      false,
      true,
      false,
      true,
      true,
    ]);
    expect(rows[8]!.wasm).toEqual([0.5, 5, -0]);
    expect(Object.is(rows[8]!.wasm![2], -0)).toBe(true);
  });
});
