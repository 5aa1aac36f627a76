import { describe, expect, it } from "vitest";
import { seededRandom } from "../../test/helpers/seeded-random.ts";
import { UserError } from "../errors.ts";
import { parseFortranNumber } from "./fortran-number.ts";
import { FieldTooNarrowError, fitsField, formatForField, minimumFieldWidth } from "./number-format.ts";

function randomValue(next: () => number): number {
  const mantissa = next() * 10;
  const exponent = Math.floor(next() * 80) - 40;
  const v = Number((mantissa * 10 ** exponent).toPrecision(1 + Math.floor(next() * 17)));
  return next() < 0.3 ? -v : v;
}

/** Every rounding of `v` a simple writer could produce with toFixed/toPrecision/toExponential,
 * tidied the usual ways, that fits `width` and keeps at least one significant digit (PEST never
 * writes 0 for 4e-13, nor 1 for 0.7): what formatForField must never lose to. */
function simpleCandidates(v: number, width: number, point: boolean): string[] {
  const roundings = new Set<number>();
  for (let p = 1; p <= 17; p++) roundings.add(Number(v.toPrecision(p)));
  const out: string[] = [];
  const add = (s: string): void => {
    let t = s.replace("e+", "e");
    if (point && !t.includes(".")) t = t.includes("e") ? t.replace("e", ".e") : `${t}.`;
    for (const u of [t, t.replace(/^(-?)0\./, "$1.")])
      if (u.length <= width && roundings.has(Number(u))) out.push(u);
  };
  for (let p = 1; p <= 17; p++) {
    add(v.toPrecision(p));
    add(v.toExponential(p - 1));
  }
  if (Math.abs(v) < 1e21) for (let d = 0; d <= 30; d++) add(v.toFixed(d));
  return out;
}

describe("formatForField", () => {
  it.each([
    // value, width, expected (point written, the default)
    [2.5, 14, "           2.5"],
    [2.5, 3, "2.5"],
    [7, 6, "   7.0"],
    [7, 2, "7."],
    [0, 4, " 0.0"],
    [0, 2, "0."],
    [-0, 4, " 0.0"],
    [0.5, 4, " 0.5"],
    [0.5, 2, ".5"],
    [-0.5, 3, "-.5"],
    [-0.5, 4, "-0.5"],
    [0.0025, 14, "        0.0025"],
    [98765.4321, 14, "    98765.4321"],
    [-0.000123456, 14, "  -0.000123456"],
    [1.23456789e-7, 14, " 1.23456789E-7"],
    [-1.5e-20, 14, "      -1.5E-20"],
    [6.02214076e23, 14, " 6.02214076E23"],
    [Math.PI, 6, "3.1416"],
    [1 / 3, 6, ".33333"],
    [1 / 3, 14, ".3333333333333"],
    [1 / 3, 20, "  0.3333333333333333"],
    [1e10, 6, "1.0E10"],
    [1e10, 5, "1.E10"],
    [100, 6, " 100.0"],
    [123456789, 14, "   123456789.0"],
    [1.2345e-10, 9, ".12345E-9"],
    [9.99, 3, "10."],
    [-1.7976931348623157e308, 24, " -1.7976931348623157E308"],
    [5e-324, 7, "5.E-324"],
  ])("writes %d in %d characters as %j", (value, width, expected) => {
    expect(formatForField(value, width)).toBe(expected);
  });

  it.each([
    [1e10, 4, "1E10"],
    [7, 1, "7"],
    [7, 3, "  7"],
    [0, 1, "0"],
    [100, 3, "100"],
    [1.5e-20, 6, "15E-21"],
    [1.5e-20, 7, "1.5E-20"],
    [123456, 5, "123E3"],
    [1234567, 6, "1235E3"],
  ])("with nopoint writes %d in %d characters as %j", (value, width, expected) => {
    expect(formatForField(value, width, { point: false })).toBe(expected);
  });

  it("always writes a decimal point unless nopoint is allowed", () => {
    const next = seededRandom(7);
    for (let n = 0; n < 2000; n++) {
      const v = randomValue(next);
      const w = 2 + Math.floor(next() * 24);
      let s: string;
      try {
        s = formatForField(v, w);
      } catch {
        continue;
      }
      expect(s).toContain(".");
    }
  });

  for (const point of [true, false]) {
    it(`fills the field exactly, reads back, and keeps as many digits as any simple layout (point: ${point})`, () => {
      const next = seededRandom(point ? 1 : 2);
      for (let n = 0; n < 3000; n++) {
        const v = randomValue(next);
        const width = 1 + Math.floor(next() * 26);
        const simple = simpleCandidates(v, width, point);
        let s: string;
        try {
          s = formatForField(v, width, { point });
        } catch (e) {
          expect(e, `${v} in ${width}`).toBeInstanceOf(FieldTooNarrowError);
          expect(simple, `${v} in ${width}`).toEqual([]);
          continue;
        }
        expect(s.length).toBe(width);
        expect(s).toMatch(/^ *[-.0-9][-.0-9E]*$/);
        const read = parseFortranNumber(s);
        expect(read, s).toBeDefined();
        expect(Number(s)).toBe(read);
        const ourError = Math.abs(read! - v);
        for (const c of simple)
          expect(ourError, `${v} in ${width}: ${JSON.stringify(s)} vs ${c}`).toBeLessThanOrEqual(
            Math.abs(Number(c) - v),
          );
      }
    });
  }

  it("writes any double exactly given 24 characters", () => {
    const next = seededRandom(3);
    for (let n = 0; n < 2000; n++) {
      const v = (next() - 0.5) * 10 ** Math.floor(next() * 600 - 300);
      expect(parseFortranNumber(formatForField(v, 24))).toBe(v);
    }
  });

  it("fits in a wider field whenever it fits in a narrower one", () => {
    const next = seededRandom(4);
    for (let n = 0; n < 500; n++) {
      const v = randomValue(next);
      const needed = minimumFieldWidth(v);
      expect(() => formatForField(v, needed - 1)).toThrow(FieldTooNarrowError);
      for (let w = needed; w < needed + 20; w++) expect(formatForField(v, w)).toHaveLength(w);
    }
  });

  it("throws FieldTooNarrowError carrying the value, the width and the width needed", () => {
    let caught: unknown;
    try {
      formatForField(-1.5e-20, 6);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(FieldTooNarrowError);
    expect(caught).toBeInstanceOf(UserError);
    const e = caught as FieldTooNarrowError;
    expect(e.value).toBe(-1.5e-20);
    expect(e.width).toBe(6);
    expect(e.needed).toBe(7);
    expect(e.message).toBe("-1.5e-20 does not fit in 6 characters; it needs at least 7");
    expect(() => formatForField(5, 1)).toThrow("5 does not fit in 1 character; it needs at least 2");
  });

  it("rejects a width that is not a positive integer and values that are not finite", () => {
    expect(() => formatForField(1, 0)).toThrow(RangeError);
    expect(() => formatForField(1, 2.5)).toThrow("field width must be a positive integer, not 2.5");
    expect(() => formatForField(Number.NaN, 10)).toThrow("NaN cannot be written into a model input file");
    expect(() => formatForField(Number.POSITIVE_INFINITY, 10)).toThrow(RangeError);
  });

  it("gives the narrowest width a value can be written in", () => {
    expect(minimumFieldWidth(7)).toBe(2);
    expect(minimumFieldWidth(7, { point: false })).toBe(1);
    expect(minimumFieldWidth(-1.5e-20)).toBe(7);
    expect(minimumFieldWidth(1e300)).toBe(6);
    expect(minimumFieldWidth(1e300, { point: false })).toBe(5);
  });
});

/** The search formatForField makes, written the plain way (every digit count from the exact one
 * down, each layout tried): the fast path must give what this gives, character for character. */
function plainFormat(value: number, width: number, point: boolean): string | undefined {
  const negative = value < 0;
  const room = negative ? width - 1 : width;
  if (value === 0) {
    const zero = point ? (width >= 3 ? "0.0" : "0.") : "0";
    return zero.length <= width ? zero.padStart(width) : undefined;
  }
  const split = (s: string) => {
    const e = s.indexOf("e");
    const m = s
      .slice(0, e)
      .replace(".", "")
      .replace(/(?<=.)0+$/, "");
    return { digits: m, exponent: Number(s.slice(e + 1)) };
  };
  const fixed = (d: string, x: number) =>
    x < 0
      ? `.${"0".repeat(-x - 1)}${d}`
      : x >= d.length - 1
        ? `${d}${"0".repeat(x - d.length + 1)}${point ? "." : ""}`
        : `${d.slice(0, x + 1)}.${d.slice(x + 1)}`;
  const expo = (d: string, x: number, at: number) =>
    `${at >= d.length ? (point ? `${d}.` : d) : `${d.slice(0, at)}.${d.slice(at)}`}E${x - at + 1}`;
  const magnitude = Math.abs(value);
  const exact = split(magnitude.toExponential());
  for (let p = exact.digits.length; p >= 1; p--) {
    const r = p === exact.digits.length ? exact : split(magnitude.toExponential(p - 1));
    const f = fixed(r.digits, r.exponent);
    let best: string | undefined;
    if (f.length <= room && r.exponent >= -5 && r.exponent <= 15) best = f;
    else {
      let shortest = expo(r.digits, r.exponent, 1);
      if (shortest.length > room)
        for (let at = 0; at <= r.digits.length; at++) {
          const t = expo(r.digits, r.exponent, at);
          if (t.length < shortest.length) shortest = t;
        }
      if (f.length <= room && f.length <= shortest.length) best = f;
      else if (shortest.length <= room) best = shortest;
    }
    if (best === undefined) continue;
    let out = best;
    if (out.startsWith(".") && out.length < room && !out.includes("E")) out = `0${out}`;
    if (point && out.length < room) {
      const e = out.indexOf("E");
      const end = e < 0 ? out.length : e;
      if (out[end - 1] === ".") out = `${out.slice(0, end)}0${out.slice(end)}`;
    }
    return ((negative ? "-" : "") + out).padStart(width);
  }
  return undefined;
}

/** Values of every kind: random doubles over the whole range, subnormals, round numbers, and
 * numbers whose rounding carries into another power of ten (9.9996, 99999.7). */
function awkwardValues(next: () => number, count: number): number[] {
  const out: number[] = [0, 5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1.7976931348623157e308];
  for (let i = 0; i < count; i++) {
    const kind = i % 6;
    const e = Math.floor(next() * 60) - 30;
    let v: number;
    if (kind === 0) v = next() * 10 ** e;
    else if (kind === 1) v = (next() - 0.5) * 10 ** Math.floor(next() * 616 - 308);
    else if (kind === 2) v = 10 ** e * (1 - 10 ** -Math.floor(1 + next() * 16));
    else if (kind === 3) v = Number((next() * 10 ** e).toPrecision(1 + Math.floor(next() * 6)));
    else if (kind === 4) v = next() * 1e-310;
    else v = Math.round(next() * 10 ** Math.floor(next() * 18));
    out.push(next() < 0.3 ? -v : v);
  }
  return out;
}

describe("formatForField, fast path", () => {
  for (const point of [true, false]) {
    it(`writes every value as the plain search over digit counts does (point: ${point})`, () => {
      const next = seededRandom(point ? 11 : 12);
      for (const v of awkwardValues(next, 5_000)) {
        for (const width of [1, 2, 3, 5, 7, 9, 12, 14, 16, 18, 20, 24, 30]) {
          const plain = plainFormat(v, width, point);
          let ours: string | undefined;
          try {
            ours = formatForField(v, width, { point });
          } catch (e) {
            expect(e, `${v} in ${width}`).toBeInstanceOf(FieldTooNarrowError);
          }
          expect(ours, `${v} in ${width}`).toBe(plain);
        }
      }
    });
  }
});

describe("fitsField", () => {
  for (const point of [true, false]) {
    it(`says whether formatForField can write the value (point: ${point})`, () => {
      const next = seededRandom(point ? 21 : 22);
      const values = awkwardValues(next, 5_000);
      // Round numbers at the edges of what each width holds.
      for (let e = -320; e <= 308; e++)
        for (const m of [1, 9, 9.4, 9.5, 9.6, 9.99, 0.95]) values.push(m * 10 ** e, -m * 10 ** e);
      for (const v of values) {
        if (!Number.isFinite(v)) continue;
        for (let width = 1; width <= 26; width++) {
          const fits = plainFormat(v, width, point) !== undefined;
          expect(fitsField(v, width, { point }), `${v} in ${width}`).toBe(fits);
        }
      }
    });
  }

  it("holds no value that is not finite, and no width that is not a positive integer", () => {
    expect(fitsField(Number.NaN, 10)).toBe(false);
    expect(fitsField(Number.POSITIVE_INFINITY, 30)).toBe(false);
    expect(() => fitsField(1, 0)).toThrow("field width must be a positive integer, not 0");
  });
});
