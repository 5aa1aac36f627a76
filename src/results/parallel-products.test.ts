import { describe, expect, it } from "vitest";
import { allProducts, sharedMatrix } from "./parallel-products.ts";
import { eachProduct } from "./rank-products.ts";

describe("allProducts", () => {
  it("gives on several threads exactly the products one thread gives", () => {
    const [leftRows, rightRows, n] = [37, 11, 23];
    const left = sharedMatrix(leftRows * n);
    const right = sharedMatrix(rightRows * n);
    left.forEach((_, i) => {
      left[i] = Math.sin(i + 1);
    });
    right.forEach((_, i) => {
      right[i] = Math.cos(i * 7);
    });
    const expected = new Float64Array(leftRows * rightRows);
    eachProduct(left, leftRows, right, rightRows, n, (a, b, p) => {
      expected[a * rightRows + b] = p;
    });
    const shared = allProducts(left, leftRows, right, rightRows, n, { minWork: 0, threads: 3 });
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer); // the threads did take part
    expect([...shared]).toEqual([...expected]);
    // Not in shared memory: one thread.
    const plain = allProducts(Float64Array.from(left), leftRows, Float64Array.from(right), rightRows, n, {
      minWork: 0,
      threads: 3,
    });
    expect([...plain]).toEqual([...expected]);
  });
});
