// Writes a parameter value into a template field of fixed width with as many significant
// digits as the width allows, in a form that Fortran, C and Python readers all accept.
//
// The rules follow PEST's WRTSIG (PEST's routine for writing a number into a confined space):
// the number is right-justified; the leading zero of a fraction is dropped when that buys a
// digit (`.33333`); the exponent is written without a plus sign or leading zeros (`1.5E-20`,
// `6.02214076E23`); and the decimal point is always written unless the caller allows
// `nopoint` (a model reading with a Fortran `Fw.d` edit descriptor applies an implied decimal
// point to a number written without one, so PEST only drops it when told it may). Unlike
// PEST, no form is ruled out in advance: every fixed and exponent layout of the digits is
// considered and the one keeping the most significant digits wins. Trailing zeros are never
// written to fill a field (they add no precision); the field is padded with leading spaces.
//
// Each layout's length follows from the digit count and the power of ten alone, so the digit
// count that fits is computed before any text is made, and the value is rounded once
// (directLayout); a search over digit counts remains for the few values it leaves alone.
// writeForField writes the common case, fixed notation, as bytes straight into a renderer's
// buffer.
import { UserError } from "../errors.ts";

export interface FormatOptions {
  /** Default true: the decimal point is always written (PEST's `point`). False allows
   * writing `100` or `12345E-16` where that saves a character (PEST's `nopoint`). */
  readonly point?: boolean;
}

/** The value cannot be written in the field, not even with one significant digit. */
export class FieldTooNarrowError extends UserError {
  readonly value: number;
  readonly width: number;
  /** The narrowest field the value can be written in. */
  readonly needed: number;
  constructor(value: number, width: number, needed: number) {
    super(`${value} does not fit in ${plural(width, "character")}; it needs at least ${needed}`);
    this.name = "FieldTooNarrowError";
    this.value = value;
    this.width = width;
    this.needed = needed;
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Numbers of this size or nearer 1 are written in fixed notation when it fits as many
 * digits as an exponent form would, as most people (and String(n)) expect. */
const FIXED_MIN_EXPONENT = -5;
const FIXED_MAX_EXPONENT = 15;

/**
 * `value` as exactly `width` characters, right-justified, keeping the most significant digits
 * the width allows. Throws FieldTooNarrowError when not even one digit fits, and RangeError for
 * a width that is not a positive integer or a value that is not finite.
 */
export function formatForField(value: number, width: number, options?: FormatOptions): string {
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError(`field width must be a positive integer, not ${width}`);
  const text = formatAtMost(value, width, options?.point ?? true);
  if (text === undefined) throw new FieldTooNarrowError(value, width, minimumFieldWidth(value, options));
  return text.length === width ? text : " ".repeat(width - text.length) + text;
}

/**
 * Writes what formatForField returns into `out[at, at + width)`, without making a string in
 * the common case (fixed notation): for a renderer writing thousands of values into a buffer.
 * False, writing nothing, when the value does not fit (formatForField would throw
 * FieldTooNarrowError); RangeError as formatForField.
 */
export function writeForField(
  out: Uint8Array,
  at: number,
  value: number,
  width: number,
  options?: FormatOptions,
): boolean {
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError(`field width must be a positive integer, not ${width}`);
  const point = options?.point ?? true;
  if (Number.isFinite(value) && value !== 0 && writeFixed(out, at, value, width, point)) return true;
  const text = formatAtMost(value, width, point);
  if (text === undefined) return false;
  const pad = width - text.length;
  out.fill(32, at, at + pad);
  for (let k = 0; k < text.length; k++) out[at + pad + k] = text.charCodeAt(k);
  return true;
}

/**
 * directLayout and decorate for a value written in fixed notation, in bytes: false, writing
 * nothing, for any other value (formatAtMost writes it).
 */
function writeFixed(out: Uint8Array, at: number, value: number, width: number, point: boolean): boolean {
  const negative = value < 0;
  const room = negative ? width - 1 : width;
  const most = point ? room - 1 : room;
  if (most < 1) return false;
  const magnitude = Math.abs(value);
  if (magnitude < MIN_NORMAL) return false;
  const pointChars = point ? 1 : 0;
  let exponent = Math.floor(Math.log10(magnitude));
  for (let attempt = 0; attempt < 2; attempt++) {
    const count = mostDigitsFitting(exponent, room, most, point);
    // Longer roundings may take the shortest digits instead (roundedDigits).
    if (count < 1 || count > 15) return false;
    const s = magnitude.toExponential(count - 1);
    const e = s.indexOf("e");
    let rounded = 0;
    for (let i = e + 2; i < s.length; i++) rounded = rounded * 10 + s.charCodeAt(i) - 48;
    if (s.charCodeAt(e + 1) === 45) rounded = -rounded;
    if (rounded !== exponent) {
      exponent = rounded;
      continue;
    }
    // The digits are s[0] and s[2, end), trailing zeros left out (splitExponential).
    let end = e;
    while (end > 2 && s.charCodeAt(end - 1) === 48) end--;
    const n = end <= 2 ? 1 : end - 1;
    if (n === 1 && s.charCodeAt(0) === 49) return false;
    // layout() writes fixed notation when it fits at this power of ten; else the exponent
    // forms are weighed (formatAtMost).
    if (exponent < FIXED_MIN_EXPONENT || exponent > FIXED_MAX_EXPONENT) return false;
    const fixed = fixedLength(n, exponent, pointChars);
    if (fixed > room) return false;
    // decorate(): `0` before a leading point, `0` after a trailing one, with room to spare.
    const leadingZero = exponent < 0 && fixed < room ? 1 : 0;
    const trailingZero = point && exponent >= n - 1 && fixed < room ? 1 : 0;
    const length = fixed + leadingZero + trailingZero + (negative ? 1 : 0);
    let w = at;
    for (const stop = at + width - length; w < stop; w++) out[w] = 32;
    if (negative) out[w++] = 45;
    if (exponent < 0) {
      if (leadingZero) out[w++] = 48;
      out[w++] = 46;
      for (let z = -exponent - 1; z > 0; z--) out[w++] = 48;
      out[w++] = s.charCodeAt(0);
      for (let i = 2; i < end; i++) out[w++] = s.charCodeAt(i);
    } else if (exponent >= n - 1) {
      out[w++] = s.charCodeAt(0);
      for (let i = 2; i < end; i++) out[w++] = s.charCodeAt(i);
      for (let z = exponent - n + 1; z > 0; z--) out[w++] = 48;
      if (point) out[w++] = 46;
      if (trailingZero) out[w++] = 48;
    } else {
      // The point after digit exponent + 1 (s[exponent + 1] in s's own numbering).
      out[w++] = s.charCodeAt(0);
      for (let i = 2; i < end; i++) {
        if (i === exponent + 2) out[w++] = 46;
        out[w++] = s.charCodeAt(i);
      }
    }
    return true;
  }
  return false;
}

/** The narrowest field `value` can be written in (with one significant digit if need be). */
export function minimumFieldWidth(value: number, options?: FormatOptions): number {
  const point = options?.point ?? true;
  for (let w = 1; ; w++) if (formatAtMost(value, w, point) !== undefined) return w;
}

/**
 * Whether formatForField can write `value` in `width` characters, without writing it: for a
 * value whose first digit, rounded, keeps it within the powers of ten the width holds, a look
 * at its size is enough; only values at the edges go through the full search. False for a value
 * that is not finite.
 */
export function fitsField(value: number, width: number, options?: FormatOptions): boolean {
  if (!Number.isInteger(width) || width < 1)
    throw new RangeError(`field width must be a positive integer, not ${width}`);
  if (!Number.isFinite(value)) return false;
  const point = options?.point ?? true;
  const range = sureRange(width, value < 0, point);
  const magnitude = Math.abs(value);
  if (magnitude >= range.low && magnitude < range.high) return true;
  return formatAtMost(value, width, point) !== undefined;
}

/** Magnitudes that surely fit: those whose one-digit rounding has a power of ten that fits. */
export interface SureRange {
  readonly low: number;
  readonly high: number;
}

/** By width, sign and point (see sureRange): asked for once per value checked, so a number. */
const sureRanges: Array<SureRange | undefined> = [];
/** Every one-digit layout is written within these powers of ten (normal doubles only). */
const LOWEST_POWER = -307;
const HIGHEST_POWER = 308;

/** The magnitudes [low, high) that surely fit `width` (for a value of that sign): checking a
 * column of values against it skips fitsField for nearly all of them. */
export function sureRange(width: number, negative: boolean, point: boolean): SureRange {
  const key = width * 4 + (negative ? 2 : 0) + (point ? 1 : 0);
  let range = sureRanges[key];
  if (range !== undefined) return range;
  // A one-digit layout's length depends on its power of ten alone (and the sign): the powers
  // that fit make a run around 10^0, since every layout grows as the power moves away from it.
  const fits = (k: number) =>
    formatAtMost((negative ? -1 : 1) * Number(`1e${k}`), width, point) !== undefined;
  range = { low: 1, high: 0 };
  if (fits(0)) {
    let low = 0;
    while (low > LOWEST_POWER && fits(low - 1)) low--;
    let high = 0;
    while (high < HIGHEST_POWER && fits(high + 1)) high++;
    // Below 9 x 10^high the first digit cannot round up into the next power of ten.
    range = { low: Number(`1e${low}`), high: Number(`9e${high}`) };
  }
  sureRanges[key] = range;
  return range;
}

/** Below this, doubles are subnormal and carry fewer digits than 15 (see searchLayout). */
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
  const best = directLayout(magnitude, room, most, point) ?? searchLayout(magnitude, room, most, point);
  return best === undefined ? undefined : sign + decorate(best, room, point);
}

/**
 * The layout searchLayout finds, found directly: the most digits any layout fits in `room`,
 * given the value's power of ten, then one rounding. Undefined where that cannot be sure of
 * the answer (searchLayout decides): a value that rounds to a power of ten, whose first digit
 * the power of ten of the rounding does not confirm, or that no digit count fits.
 */
function directLayout(magnitude: number, room: number, most: number, point: boolean): string | undefined {
  // log10 can be off by one next to a power of ten; the rounding below tells, and a second
  // try starts from the power of ten it gave.
  let exponent = Math.floor(Math.log10(magnitude));
  for (let attempt = 0; attempt < 2; attempt++) {
    const count = mostDigitsFitting(exponent, room, most, point);
    if (count < 1) return undefined;
    const digits = roundedDigits(magnitude, count);
    // A rounding of `magnitude` has its power of ten, or the next one when it rounds up to
    // exactly that power ("1"); other digits in the power expected confirm it.
    if (digits.exponent !== exponent) {
      exponent = digits.exponent;
      continue;
    }
    if (digits.digits === "1") return undefined;
    // Why this is the search's answer: the search tries digit counts from `most` down and stops
    // at the first rounding some layout fits. A rounding to more than `count` digits either
    // keeps more than `count` digits, and no layout of those fits (every layout grows with the
    // digits), or keeps at most `count`, and is then this same rounding.
    return layout(digits.digits, digits.exponent, room, point);
  }
  return undefined;
}

/** The most digits, at most `most`, that some layout of a number of this power of ten fits in
 * `room` characters (0 if none): the lengths layout() would measure, computed. */
function mostDigitsFitting(exponent: number, room: number, most: number, point: boolean): number {
  const pointChars = point ? 1 : 0;
  for (let n = most; n >= 1; n--) {
    if (fixedLength(n, exponent, pointChars) <= room) return n;
    if (shortestExponentLength(n, exponent, pointChars) <= room) return n;
  }
  return 0;
}

/** The length of fixedForm() for n digits (the last one not zero). */
function fixedLength(n: number, exponent: number, pointChars: number): number {
  if (exponent < 0) return n - exponent;
  if (exponent >= n - 1) return exponent + 1 + pointChars;
  return n + 1;
}

/** The length of the shortest exponentForm() of n digits, the point placed anywhere. */
function shortestExponentLength(n: number, exponent: number, pointChars: number): number {
  // The point inside or before the digits (n + 1 characters of mantissa): the exponent runs
  // from exponent + 1 (point first) down to exponent + 2 - n, and is shortest nearest 0..9.
  const high = exponent + 1;
  const low = exponent + 2 - n;
  const inside = n + 2 + (low <= 9 && high >= 0 ? 1 : high < 0 ? decimalLength(high) : decimalLength(low));
  // The point after the digits, written only with `point`.
  const after = n + pointChars + 1 + decimalLength(exponent + 1 - n);
  return inside < after ? inside : after;
}

/** Characters of an integer written in decimal, minus sign included. */
function decimalLength(x: number): number {
  let length = x < 0 ? 2 : 1;
  for (let a = Math.abs(x); a >= 10; a = Math.floor(a / 10)) length++;
  return length;
}

/** The digits searchLayout lays out for `count` digits: the shortest digits that read back
 * exactly when they are no more (searchLayout's first rounding), else a rounding to `count`. */
function roundedDigits(magnitude: number, count: number): Digits {
  // A normal double rounded to at most 15 digits gives its shortest digits padded with zeros
  // whenever they are that few (see searchLayout), so only longer roundings, and subnormals,
  // need the shortest digits asked for.
  if (count > 15 || magnitude < MIN_NORMAL) {
    const exact = splitExponential(magnitude.toExponential());
    if (exact.digits.length <= count) return exact;
  }
  return splitExponential(magnitude.toExponential(count - 1));
}

/** The preferred layout of the most digits that fit in `room`, trying digit counts from `most`
 * down; undefined when not even one digit fits. */
function searchLayout(magnitude: number, room: number, most: number, point: boolean): string | undefined {
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
    if (best !== undefined) return best;
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

/** Reads toExponential's `d.ddde+x` (or `de-x`) a character at a time: once per value written. */
function splitExponential(s: string): Digits {
  const e = s.indexOf("e");
  // Trailing zeros go, then the point if no digit follows it.
  let end = e;
  while (end > 2 && s.charCodeAt(end - 1) === 48) end--;
  const digits = end <= 2 ? s.charAt(0) : s.charAt(0) + s.slice(2, end);
  let exponent = 0;
  for (let i = e + 2; i < s.length; i++) exponent = exponent * 10 + s.charCodeAt(i) - 48;
  return { digits, exponent: s.charCodeAt(e + 1) === 45 ? -exponent : exponent };
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
