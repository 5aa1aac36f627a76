import { describe, expect, it } from "vitest";
import { eachProduct } from "./rank-products.ts";

describe("eachProduct", () => {
  it("gives every pair of rows their dot product, summed in row order, for every shape", () => {
    for (const [leftRows, rightRows, n] of [
      [9, 5, 7],
      [4, 2, 3],
      [1, 1, 1],
      [3, 7, 2],
      [0, 3, 4],
    ] as const) {
      const left = Float64Array.from({ length: leftRows * n }, (_, i) => Math.sin(i + 1));
      const right = Float64Array.from({ length: rightRows * n }, (_, i) => Math.cos(i * 3));
      const seen = new Map<string, number>();
      eachProduct(left, leftRows, right, rightRows, n, (a, b, product) => {
        expect(seen.has(`${a},${b}`)).toBe(false);
        seen.set(`${a},${b}`, product);
      });
      expect(seen.size).toBe(leftRows * rightRows);
      for (let a = 0; a < leftRows; a++) {
        for (let b = 0; b < rightRows; b++) {
          let s = 0;
          for (let i = 0; i < n; i++) s += left[a * n + i]! * right[b * n + i]!;
          expect(seen.get(`${a},${b}`)).toBe(s);
        }
      }
    }
  });
});
