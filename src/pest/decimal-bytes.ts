// Reads a decimal number straight from bytes, to exactly the double Number() reads from its
// text, without making a string: an ensemble of 10,000 realisations × 8,000 parameters is 80
// million numbers, and a substring plus Number() for each costs more than the rest of
// validation together.
//
// The digits (at most 19 significant) make an integer W, exact as a pair of doubles; W × 10^e
// is then worked out with about 104 bits of precision (10^e as a pair of doubles: its nearest
// double and the remainder). When the result is safely away from the midpoint between two
// doubles, rounding it gives the correctly rounded value; otherwise (about once in 10^11) and
// for anything unusual (more digits, huge exponents, numbers near the ends of the double
// range) the caller falls back to Number() on the text. With at most 15 digits and a power of
// ten up to 22, one IEEE operation is already exact (Clinger's fast path).

export const MIN_EXPONENT = -280;
const MAX_EXPONENT = 280;
export const POW_HI = new Float64Array(MAX_EXPONENT - MIN_EXPONENT + 1);
export const POW_LO = new Float64Array(MAX_EXPONENT - MIN_EXPONENT + 1);
/** 10^0 ... 10^22: exact doubles. */
export const EXACT_POW = new Float64Array(23).map((_, k) => 10 ** k);
const SPLITTER = 134217729; // 2^27 + 1
const TWO_53 = 2 ** 53;
const SMALLEST = 2 ** -900;
const LARGEST = 2 ** 900;
const MARGIN = 2 ** -90;

fillPowers();

/**
 * Reads the number that starts at `bytes[start]` into `out[at]` and returns the index after
 * it; returns -1 (and leaves `out[at]` alone) when no number starts there or this reader leaves
 * it to Number() (see above). A number is an optional sign, digits with at most one point (at
 * least one digit), and optionally `e`/`E`, an optional sign and digits; the value written is
 * the one Number() gives the same text. Bytes after the number are not looked at beyond the
 * first that cannot continue it. (The value goes into an array rather than being returned: a
 * double returned from a call this size is boxed, which costs as much as reading it.)
 */
export function scanDecimal(bytes: Uint8Array, start: number, out: Float64Array, at: number): number {
  let i = start;
  let c = bytes[i]! | 0;
  const negative = c === 45;
  if (negative || c === 43) c = bytes[++i]! | 0;
  const mantissa = i;
  let k = 0; // significant digits so far
  let head = 0; // the first 15 of them
  let tail = 0; // the next 4
  let tailDigits = 0;
  let exponent = 0;
  while (c === 48) c = bytes[++i]! | 0;
  while (k < 15 && c >= 48 && c <= 57) {
    head = head * 10 + (c - 48);
    k++;
    c = bytes[++i]! | 0;
  }
  while (k < 19 && c >= 48 && c <= 57) {
    tail = tail * 10 + (c - 48);
    k++;
    tailDigits++;
    c = bytes[++i]! | 0;
  }
  while (c >= 48 && c <= 57) {
    if (c !== 48) return -1; // a 20th significant digit: left to Number()
    exponent++;
    c = bytes[++i]! | 0;
  }
  let point = 0;
  if (c === 46) {
    point = 1;
    c = bytes[++i]! | 0;
    if (k === 0) {
      while (c === 48) {
        exponent--;
        c = bytes[++i]! | 0;
      }
    }
    while (k < 15 && c >= 48 && c <= 57) {
      head = head * 10 + (c - 48);
      k++;
      exponent--;
      c = bytes[++i]! | 0;
    }
    while (k < 19 && c >= 48 && c <= 57) {
      tail = tail * 10 + (c - 48);
      k++;
      tailDigits++;
      exponent--;
      c = bytes[++i]! | 0;
    }
    while (c >= 48 && c <= 57) {
      if (c !== 48) return -1;
      c = bytes[++i]! | 0;
    }
  }
  if (i - mantissa - point === 0) return -1; // no digit
  if (c === 101 || c === 69) {
    c = bytes[++i]! | 0;
    let sign = 1;
    if (c === 45 || c === 43) {
      if (c === 45) sign = -1;
      c = bytes[++i]! | 0;
    }
    const digits = i;
    let e = 0;
    while (c >= 48 && c <= 57) {
      if (e < 100000) e = e * 10 + (c - 48);
      c = bytes[++i]! | 0;
    }
    if (i === digits) return -1;
    exponent += sign * e;
  }
  if (k === 0) {
    out[at] = negative ? -0 : 0;
    return i;
  }
  return magnitude(head, tail, tailDigits, exponent, negative, out, at) ? i : -1;
}

/** Writes ±(head × 10^tailDigits + tail) × 10^exponent, correctly rounded, to out[at]; false
 * (nothing written) when unsure. (Written, not returned: a returned double is boxed.) */
function magnitude(
  head: number,
  tail: number,
  tailDigits: number,
  exponent: number,
  negative: boolean,
  out: Float64Array,
  at: number,
): boolean {
  let wh = head;
  let wl = 0;
  if (tailDigits > 0) {
    // W = head × 10^tailDigits + tail as an exact pair (W < 10^19 < 2^64).
    const p = EXACT_POW[tailDigits]!;
    const ph = head * p;
    const pe = productError(head, p, ph);
    const s = ph + tail;
    const b = s - ph;
    const se = ph - (s - b) + (tail - b);
    const t = pe + se; // both are small integers: exact
    wh = s + t;
    wl = t - (wh - s);
  }
  if (wl === 0 && wh <= TWO_53 && exponent >= -22 && exponent <= 22) {
    const v = exponent >= 0 ? wh * EXACT_POW[exponent]! : wh / EXACT_POW[-exponent]!;
    out[at] = negative ? -v : v;
    return true;
  }
  if (exponent < MIN_EXPONENT || exponent > MAX_EXPONENT) return false;
  const th = POW_HI[exponent - MIN_EXPONENT]!;
  const tl = POW_LO[exponent - MIN_EXPONENT]!;
  const ph = wh * th;
  const t = productError(wh, th, ph) + (wh * tl + wl * th);
  const r = ph + t;
  const d = t - (r - ph); // r + d = ph + t exactly
  const size = r < 0 ? -r : r;
  if (!(size > SMALLEST && size < LARGEST)) return false;
  // The exact value lies within m of r + d; if both ends of that interval round to r, so does it.
  const m = size * MARGIN;
  if (r + (d - m) !== r || r + (d + m) !== r) return false;
  out[at] = negative ? -r : r;
  return true;
}

/** a × b − fl(a × b), exactly (Dekker), for products far from overflow and underflow. */
function productError(a: number, b: number, p: number): number {
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  return ah * bh - p + ah * bl + al * bh + al * bl;
}

/** 10^e as the nearest double and the nearest double to what is left, from exact integers. */
function fillPowers(): void {
  for (let e = MIN_EXPONENT; e <= MAX_EXPONENT; e++) {
    let hi: number;
    let lo: number;
    if (e >= 0) {
      const exact = 10n ** BigInt(e);
      hi = Number(exact);
      lo = Number(exact - BigInt(hi));
    } else {
      // 1/10^k − hi, with hi = M / 2^s exactly: (2^s − M·10^k) / (10^k · 2^s).
      const k = BigInt(-e);
      hi = Number(`1e${e}`);
      let s = 0;
      let scaled = hi;
      while (!Number.isInteger(scaled) || scaled < TWO_53 / 2) {
        scaled *= 2;
        s++;
      }
      const num = (1n << BigInt(s)) - BigInt(scaled) * 10n ** k;
      const den = (10n ** k) << BigInt(s);
      lo = ratio(num, den);
    }
    POW_HI[e - MIN_EXPONENT] = hi;
    POW_LO[e - MIN_EXPONENT] = lo;
  }
}

/** num / den to about 64 bits (enough for a remainder 2^-53 times its power). */
function ratio(num: bigint, den: bigint): number {
  if (num === 0n) return 0;
  const negative = num < 0n;
  const a = negative ? -num : num;
  const shift = den.toString(2).length - a.toString(2).length + 64;
  const q = shift >= 0 ? (a << BigInt(shift)) / den : a / (den << BigInt(-shift));
  // In two steps: 2^-shift alone may be below the smallest double.
  const v = Number(q) * 2 ** -(shift >> 1) * 2 ** -(shift - (shift >> 1));
  return negative ? -v : v;
}
