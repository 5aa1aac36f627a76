// The dot products of every row of one packed matrix with every row of another: the heart of
// the sensitivities (sensitivity.ts), 8,175 parameters × 1,025 observations × 200 realisations
// being 1.7 billion multiply-adds. Four rows of one by two of the other at a time: each value
// loaded serves several products (a pair at a time loads two values per product), and each
// product is one running sum over the rows in order, so it is the same double whichever way
// the pairs are grouped.

/**
 * Calls `take(a, b, product)` for every row a of `left` (rows × n, packed) and every row b of
 * `right`, with the dot product of the two.
 */
export function eachProduct(
  left: Float64Array,
  leftRows: number,
  right: Float64Array,
  rightRows: number,
  n: number,
  take: (a: number, b: number, product: number) => void,
): void {
  let a = 0;
  for (; a + 3 < leftRows; a += 4) {
    const l0 = a * n;
    const l1 = l0 + n;
    const l2 = l1 + n;
    const l3 = l2 + n;
    let b = 0;
    for (; b + 1 < rightRows; b += 2) {
      const r0 = b * n;
      const r1 = r0 + n;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let i = 0; i < n; i++) {
        const y0 = right[r0 + i]!;
        const y1 = right[r1 + i]!;
        const x0 = left[l0 + i]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        const x1 = left[l1 + i]!;
        s10 += x1 * y0;
        s11 += x1 * y1;
        const x2 = left[l2 + i]!;
        s20 += x2 * y0;
        s21 += x2 * y1;
        const x3 = left[l3 + i]!;
        s30 += x3 * y0;
        s31 += x3 * y1;
      }
      take(a, b, s00);
      take(a, b + 1, s01);
      take(a + 1, b, s10);
      take(a + 1, b + 1, s11);
      take(a + 2, b, s20);
      take(a + 2, b + 1, s21);
      take(a + 3, b, s30);
      take(a + 3, b + 1, s31);
    }
    for (; b < rightRows; b++)
      for (let k = 0; k < 4; k++) take(a + k, b, rowProduct(left, a + k, right, b, n));
  }
  for (; a < leftRows; a++) for (let b = 0; b < rightRows; b++) take(a, b, rowProduct(left, a, right, b, n));
}

/** Row a of `left` · row b of `right`: one running sum, in row order. */
function rowProduct(left: Float64Array, a: number, right: Float64Array, b: number, n: number): number {
  let s = 0;
  const l = a * n;
  const r = b * n;
  for (let i = 0; i < n; i++) s += left[l + i]! * right[r + i]!;
  return s;
}

/** Rows `from` to `to` of `left` times every row of `right`, written to `out` (a row of
 * products per row of left, at (a - from) × rightRows). */
export interface ProductsJob {
  readonly left: Float64Array;
  readonly right: Float64Array;
  readonly rightRows: number;
  readonly n: number;
  readonly from: number;
  readonly to: number;
  readonly out: Float64Array;
  /** Set to 1 when done (by a thread: parallel-products.ts). */
  readonly done: Int32Array;
}

export function productsInto(job: ProductsJob): void {
  const { n, from, rightRows, out } = job;
  eachProduct(job.left.subarray(from * n, job.to * n), job.to - from, job.right, rightRows, n, (a, b, p) => {
    out[a * rightRows + b] = p;
  });
}
