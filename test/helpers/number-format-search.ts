// The layout search formatForField made before it computed the digit count directly: every
// digit count tried from the most the field could hold down, each fixed and exponent layout built
// and measured. Kept as the oracle the direct path is compared with, value for value.

/** `value` in exactly `width` characters as the search writes it; undefined when it does not fit. */
export function searchedFormat(value: number, width: number, point: boolean): string | undefined {
  const text = formatAtMost(value, width, point);
  return text === undefined ? undefined : text.padStart(width);
}

const FIXED_MIN_EXPONENT = -5;
const FIXED_MAX_EXPONENT = 15;

/** Below this, doubles are subnormal and carry fewer digits than 15 (see formatAtMost). */
const MIN_NORMAL = 2.2250738585072014e-308;

/** The best text of at most `width` characters, unpadded; undefined when nothing fits. */
function formatAtMost(value: number, width: number, point: boolean): string | undefined {
  if (!Number.isFinite(value)) throw new RangeError(`${value} cannot be written into a model input file`);
  const negative = value < 0;
  const room = negative ? width - 1 : width;
  const sign = negative ? "-" : "";
  if (value === 0) {
    // -0 is written as 0: a minus sign on zero only confuses readers.
    const zero = point ? (width >= 3 ? "0.0" : "0.") : "0";
    return zero.length <= width ? zero : undefined;
  }
  // Every layout writes each of its digits, and the point when one is required, so no more
  // digits than `most` can fit: the search starts there rather than at the 17 a double may need.
  const most = point ? room - 1 : room;
  if (most < 1) return undefined;
  const magnitude = Math.abs(value);
  // toExponential() without an argument gives the shortest digits that read back exactly, so
  // more digits than that never help; fewer are tried until a layout fits. Rounding a normal
  // double to at most 15 digits gives those shortest digits (padded with zeros) whenever they
  // are that few, so the first rounding can be made at `most` digits directly.
  let digits: Digits;
  if (most <= 15 && magnitude >= MIN_NORMAL) digits = splitExponential(magnitude.toExponential(most - 1));
  else {
    const exact = splitExponential(magnitude.toExponential());
    digits = exact.digits.length <= most ? exact : splitExponential(magnitude.toExponential(most - 1));
  }
  for (;;) {
    const best = layout(digits.digits, digits.exponent, room, point);
    if (best !== undefined) return sign + decorate(best, room, point);
    // Rounded to p digits, the value has digits.length of them (zeros dropped): rounding it to
    // any count between the two gives the same digits, so the next to try is one fewer.
    const p = digits.digits.length - 1;
    if (p < 1) return undefined;
    digits = splitExponential(magnitude.toExponential(p - 1));
  }
}

interface Digits {
  /** Significant digits without trailing zeros; the value is 0.d1d2... x 10^(exponent+1). */
  readonly digits: string;
  /** Power of ten of the first digit. */
  readonly exponent: number;
}

function splitExponential(s: string): Digits {
  const e = s.indexOf("e");
  const mantissa = s.slice(0, e).replace(".", "");
  let end = mantissa.length;
  while (end > 1 && mantissa.charCodeAt(end - 1) === 48) end--;
  return { digits: mantissa.slice(0, end), exponent: Number(s.slice(e + 1)) };
}

/** The preferred layout of these digits in at most `room` characters, if any fits. */
function layout(digits: string, exponent: number, room: number, point: boolean): string | undefined {
  const fixed = fixedForm(digits, exponent, point);
  const fixedFits = fixed.length <= room;
  if (fixedFits && exponent >= FIXED_MIN_EXPONENT && exponent <= FIXED_MAX_EXPONENT) return fixed;
  const canonical = exponentForm(digits, exponent, 1, point);
  let shortest = canonical;
  // The point can sit anywhere in the mantissa; moving it changes the exponent, which can
  // shed an exponent digit or its minus sign (`.12345E-9` is shorter than `1.2345E-10`).
  if (canonical.length > room) {
    for (let at = 0; at <= digits.length; at++) {
      const s = exponentForm(digits, exponent, at, point);
      if (s.length < shortest.length) shortest = s;
    }
  }
  if (fixedFits && fixed.length <= shortest.length) return fixed;
  return shortest.length <= room ? shortest : undefined;
}

function fixedForm(digits: string, exponent: number, point: boolean): string {
  const n = digits.length;
  if (exponent < 0) return "." + "0".repeat(-exponent - 1) + digits;
  if (exponent >= n - 1) return digits + "0".repeat(exponent - n + 1) + (point ? "." : "");
  return `${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
}

/** Mantissa with the point after `at` digits (0 = before the first), then the exponent. */
function exponentForm(digits: string, exponent: number, at: number, point: boolean): string {
  const n = digits.length;
  let mantissa: string;
  if (at >= n) mantissa = point ? `${digits}.` : digits;
  else mantissa = `${digits.slice(0, at)}.${digits.slice(at)}`;
  return `${mantissa}E${exponent - at + 1}`;
}

/** With room to spare, `.5` becomes `0.5` and `7.` becomes `7.0`: easier to read, same value. */
function decorate(s: string, room: number, point: boolean): string {
  let out = s;
  if (out.charCodeAt(0) === 46 && out.length < room && !out.includes("E")) out = `0${out}`;
  if (point && out.length < room) {
    const e = out.indexOf("E");
    const end = e < 0 ? out.length : e;
    if (out.charCodeAt(end - 1) === 46) out = `${out.slice(0, end)}0${out.slice(end)}`;
  }
  return out;
}
