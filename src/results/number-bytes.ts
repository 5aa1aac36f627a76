// Numbers written as ASCII bytes in their shortest form that reads back exactly (what
// String(v) gives), without making a string per number: writing 10 million observation values
// to a CSV through String(v) takes about twice as long.
//
// Why it is exact: for an integer m <= 2^53 and p = 10^d (d <= 22, so p is exact), m / p is
// the double nearest to m x 10^-d, and so is the parse of the decimal text "m x 10^-d". If
// m / p === v, that text reads back as v. Trying d = 0, 1, 2, ... finds the fewest decimals
// that do. Values outside 1e-6..1e21 (which String writes with an exponent) and values that
// need more than 2^53 as m fall back to String(v).

const POWERS = Float64Array.from({ length: 23 }, (_, d) => 10 ** d);
const digits = new Uint8Array(32);

/** Longest text this writes for one number ("-1.2345678901234567e-100" is 24). */
export const MAX_NUMBER_BYTES = 25;

/** Decimals the previous number needed: neighbouring numbers of a CSV row or column usually
 * need as many, so the search starts there. Only a hint; results never depend on it. */
let hint = 0;

/** Writes v at out[at..] and returns the position after it. -0 is written as 0. */
export function writeShortestNumber(out: Uint8Array, at: number, v: number): number {
  if (v === 0) {
    out[at] = 48;
    return at + 1;
  }
  const a = v < 0 ? -v : v;
  if (a >= 1e-6 && a < 1e21) {
    // Whether d decimals read back exactly only grows with d (10m at d + 1 reads back the same)
    // until m nears 2^53. So: from the hint, walk up while d fails, or down while m is past
    // 2^53; then drop the decimals that were not needed.
    let d = hint;
    let m = attempt(a, d);
    if (m === FAILS) {
      do {
        d++;
        m = d > 22 ? TOO_LONG : attempt(a, d);
      } while (m === FAILS);
    } else if (m === TOO_LONG) {
      while (d > 0) {
        const lower = attempt(a, d - 1);
        if (lower === FAILS) break;
        d--;
        m = lower;
        if (lower !== TOO_LONG) break;
      }
    }
    if (m !== TOO_LONG) {
      // A trailing zero marks an unneeded decimal only while a x 10^d is computed to within a
      // small fraction (m < 2^50); above that, lower d are tried as they are.
      while (m >= 2 ** 50 && d > 0) {
        const lower = attempt(a, d - 1);
        if (lower < 0) break;
        m = lower;
        d--;
      }
      while (d > 0 && (m < 2147483648 ? (m | 0) % 10 === 0 : m % 10 === 0)) {
        m /= 10;
        d--;
      }
      hint = d;
      return writeDecimal(out, v < 0 ? writeMinus(out, at) : at, m, d);
    }
  }
  const text = String(v);
  for (let i = 0; i < text.length; i++) out[at++] = text.charCodeAt(i);
  return at;
}

const FAILS = -1;
const TOO_LONG = -2;

/** m when a rounded to d decimals (m x 10^-d) reads back as a; FAILS when it does not;
 * TOO_LONG when m would pass 2^53. */
function attempt(a: number, d: number): number {
  const p = POWERS[d]!;
  const m = Math.round(a * p);
  if (m > Number.MAX_SAFE_INTEGER) return TOO_LONG;
  return m / p === a ? m : FAILS;
}

function writeMinus(out: Uint8Array, at: number): number {
  out[at] = 45;
  return at + 1;
}

/** Writes m x 10^-d with d decimals. */
function writeDecimal(out: Uint8Array, at: number, m: number, d: number): number {
  // Digits in reverse, in 32-bit arithmetic: above 2^31, the low eight first, then the rest.
  let n = 0;
  let x: number;
  if (m < 2147483648) x = m | 0;
  else {
    const high = Math.floor(m / 1e8);
    x = (m - high * 1e8) | 0;
    for (let k = 0; k < 8; k++) {
      const q = (x / 10) | 0;
      digits[n++] = 48 + x - q * 10;
      x = q;
    }
    x = high | 0;
  }
  do {
    const q = (x / 10) | 0;
    digits[n++] = 48 + x - q * 10;
    x = q;
  } while (x > 0);
  if (n > d) {
    for (let i = n - 1; i >= d; i--) out[at++] = digits[i]!;
    if (d > 0) {
      out[at++] = 46;
      for (let i = d - 1; i >= 0; i--) out[at++] = digits[i]!;
    }
    return at;
  }
  out[at++] = 48;
  out[at++] = 46;
  for (let i = n; i < d; i++) out[at++] = 48;
  for (let i = n - 1; i >= 0; i--) out[at++] = digits[i]!;
  return at;
}
