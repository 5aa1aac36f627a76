import { describe, expect, it } from "vitest";
import { writeShortestNumber } from "./number-bytes.ts";

const bytes = new Uint8Array(64);
const decoder = new TextDecoder();
function text(v: number): string {
  return decoder.decode(bytes.subarray(0, writeShortestNumber(bytes, 0, v)));
}

describe("writeShortestNumber", () => {
  it("writes what String writes", () => {
    const cases = [
      1,
      -1,
      10,
      100.12345,
      -0.5,
      0.1,
      0.3,
      1 / 3,
      2 / 3,
      Math.PI,
      1e-6,
      1.5e-6,
      9.99e-7,
      1e-7,
      123456789012345,
      2 ** 53,
      2 ** 53 + 2,
      1e20,
      1e21,
      1.2345e22,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      -Number.MAX_VALUE,
      0.000123,
      98765.4321,
      1.23456789e-7,
      5e-324,
      0.1 + 0.2,
    ];
    for (const v of cases) expect(text(v)).toBe(String(v));
  });

  it("finds the fewest decimals whatever number came before", () => {
    // After a number that needs 13 decimals, 527.767 x 10^13 rounds to ...0001, which also
    // reads back: the search must still find 3 decimals.
    for (const before of [0.1234567890123, 1, 1e-7, 123456789.5, 1e300]) {
      text(before);
      expect(text(527.767)).toBe("527.767");
      text(before);
      expect(text(8.3153)).toBe("8.3153");
    }
  });

  it("writes zero and negative zero as 0", () => {
    expect(text(0)).toBe("0");
    expect(text(-0)).toBe("0");
  });

  it("agrees with String and reads back exactly for numbers of every size, in any order", () => {
    let seed = 11;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const wrong: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      const kind = i % 4;
      const v =
        kind === 0
          ? (next() - 0.5) * 10 ** Math.floor(next() * 40 - 15)
          : kind === 1
            ? Math.round(next() * 1e6) / 10 ** Math.floor(next() * 8)
            : kind === 2
              ? Math.floor(next() * 2 ** 53) * 10 ** -Math.floor(next() * 18)
              : Number((next() * 1000).toPrecision(1 + Math.floor(next() * 17)));
      const t = text(v);
      if (t !== String(v) || Number(t) !== v) wrong.push(`${String(v)} written as ${t}`);
    }
    expect(wrong).toEqual([]);
  });

  it("returns the position after the number", () => {
    const out = new Uint8Array(16).fill(32);
    const end = writeShortestNumber(out, 3, -12.5);
    expect(end).toBe(8);
    expect(decoder.decode(out.subarray(0, end))).toBe("   -12.5");
  });
});
