import { describe, expect, it } from "vitest";
import { seededRandom } from "../../test/helpers/seeded-random.ts";
import { scanDecimal } from "./decimal-bytes.ts";

const bytes = (s: string) => Buffer.from(s, "latin1");
const out = new Float64Array(1);
const scanned = { end: 0 };
/** The value read at `start` (NaN when left to Number()); `scanned.end` is where it ended. */
function read(b: Uint8Array, start: number): number {
  out[0] = Number.NaN;
  const end = scanDecimal(b, start, out, 0);
  if (end < 0) return Number.NaN;
  scanned.end = end;
  return out[0]!;
}

/** Random doubles from a seeded generator, across every magnitude a parameter can take. */
function* randomTexts(count: number, seed: number): Generator<string> {
  const next = seededRandom(seed);
  for (let i = 0; i < count; i++) {
    const v = (next() < 0.5 ? -1 : 1) * next() * 10 ** Math.floor(next() * 600 - 300);
    switch (i % 6) {
      case 0:
        yield String(v);
        break;
      case 1:
        yield v.toPrecision(1 + Math.floor(next() * 21));
        break;
      case 2:
        yield v.toExponential(Math.floor(next() * 21));
        break;
      case 3:
        yield Math.abs(v) < 1e21 ? v.toFixed(Math.floor(next() * 25)) : String(v);
        break;
      case 4: {
        // Long digit strings: 16 to 24 digits, with a point somewhere.
        const digits = Array.from({ length: 16 + Math.floor(next() * 9) }, () =>
          Math.floor(next() * 10),
        ).join("");
        const at = Math.floor(next() * digits.length);
        yield `${digits.slice(0, at)}.${digits.slice(at)}e${Math.floor(next() * 80 - 40)}`;
        break;
      }
      default:
        yield String(Math.floor(v * 1e6) / 1e6);
    }
  }
}

describe("scanDecimal", () => {
  it("reads exactly what Number() reads, for half a million numbers of every form and size", () => {
    let count = 0;
    for (const text of randomTexts(500_000, 12345)) {
      const v = read(bytes(text), 0);
      if (Number.isNaN(v)) continue;
      count++;
      if (!Object.is(v, Number(text))) expect.fail(`${text}: ${v} but Number() gives ${Number(text)}`);
      if (scanned.end !== text.length) expect.fail(`${text}: ends at ${scanned.end}`);
    }
    // Some forms (more than 19 digits, exponents past 280) are left to Number().
    expect(count).toBeGreaterThan(350_000);
  });

  it("reads every shortest round-trip double of 1e-250 to 1e15 itself", () => {
    // (Larger integers written in their shortest form often sit exactly between two doubles:
    // those are left to Number(), which rounds them to even.)
    let fellBack = 0;
    let i = 0;
    for (const text of randomTexts(600_000, 777)) {
      if (i++ % 6 !== 0 || Math.abs(Number(text)) < 1e-250 || Math.abs(Number(text)) > 1e15) continue;
      const v = read(bytes(text), 0);
      if (Number.isNaN(v)) fellBack++;
      else if (!Object.is(v, Number(text))) expect.fail(`${text}: ${v} but Number() gives ${Number(text)}`);
    }
    expect(fellBack).toBe(0);
  });

  it("reads numbers at the midpoints between doubles and next to them correctly", () => {
    // 2^53 + 1 is halfway between two doubles; 9007199254740993 rounds to even (…992).
    const cases = [
      "9007199254740993",
      "9007199254740995",
      "9007199254740993.001",
      "0.1",
      "0.30000000000000004",
      "1.7976931348623157e300",
      "2.2250738585072014e-250",
      "123456789012345678e-10",
      "1234567890123456789",
      "12345678901234567890",
      "1234567890123456789000000000",
      "0.000000000000000000000000000123",
      "7.0e-10",
      "1e22",
      "1e23",
      "8.41e21",
      "5e-324",
      "1.5",
      "-0",
      "-0.0e5",
      "0e0",
      "+3.25",
      ".5",
      "5.",
      "00012.50",
    ];
    for (const text of cases) {
      const v = read(bytes(text), 0);
      if (!Number.isNaN(v)) expect(Object.is(v, Number(text)), text).toBe(true);
    }
    // An exact midpoint is left to Number(), which rounds it to even.
    expect(read(bytes("9007199254740993"), 0)).toBeNaN();
    expect(read(bytes("9007199254740993.001"), 0)).toBe(9007199254740994);
    expect(read(bytes("0.1"), 0)).toBe(0.1);
    expect(Object.is(read(bytes("-0"), 0), -0)).toBe(true);
  });

  it("stops at the first byte that cannot continue the number, and says where", () => {
    const b = bytes("x,1.25e3,  7");
    expect(read(b, 2)).toBe(1250);
    expect(scanned.end).toBe(8);
    expect(read(bytes("12abc"), 0)).toBe(12);
    expect(scanned.end).toBe(2);
  });

  it("leaves what is not a plain decimal number to the caller", () => {
    for (const text of ["", ".", "-", "+.", "e5", "1e", "1e+", "abc", "1.5D+03", ",5"]) {
      const v = read(bytes(text), 0);
      if (text === "1.5D+03") {
        // Reads the 1.5 and stops at the D: the caller sees the cell does not end there.
        expect(v).toBe(1.5);
        expect(scanned.end).toBe(3);
      } else expect(v, text).toBeNaN();
    }
  });

  it("leaves numbers beyond its range to Number(): huge exponents, more than 19 digits", () => {
    expect(read(bytes("1e400"), 0)).toBeNaN();
    expect(read(bytes("1e-400"), 0)).toBeNaN();
    expect(read(bytes("12345678901234567891"), 0)).toBeNaN();
    // Twenty digits of which the last are zeros are still read exactly.
    expect(read(bytes("12345678901234567890"), 0)).toBe(Number("12345678901234567890"));
  });
});
