import { describe, expect, it } from "vitest";
import { parseFortranNumber } from "./fortran-number.ts";

describe("parseFortranNumber", () => {
  it.each([
    ["0", 0],
    ["42", 42],
    ["+42", 42],
    ["-42", -42],
    ["2.5", 2.5],
    ["-2.5", -2.5],
    ["1.", 1],
    ["-.5", -0.5],
    [".5", 0.5],
    ["+.5", 0.5],
    ["1e3", 1000],
    ["1E3", 1000],
    ["1.E3", 1000],
    ["1.e-3", 0.001],
    [".5e1", 5],
    ["1.0D+03", 1000],
    ["1.0d-3", 0.001],
    ["2.5D0", 2.5],
    ["1.23456789e-07", 1.23456789e-7],
    ["6.02214076e+23", 6.02214076e23],
    ["-1.5e-20", -1.5e-20],
    ["0.1234-100", 0.1234e-100],
    ["1.5-3", 1.5e-3],
    ["1.5+3", 1500],
    ["15-3", 0.015],
    ["-.25+2", -25],
    ["0.30000000000000004", 0.30000000000000004],
    ["1e-400", 0],
  ])("reads %s", (s, v) => {
    expect(parseFortranNumber(s)).toBe(v);
  });

  it("reads the shortest round-trip form of any double exactly", () => {
    for (const v of [Math.PI, -Math.E, 1 / 3, 5e-324, 1.7976931348623157e308, 123456789012345680000]) {
      expect(parseFortranNumber(String(v))).toBe(v);
      expect(parseFortranNumber(v.toExponential().replace("e", "D"))).toBe(v);
    }
  });

  it("ignores spaces, tabs and a carriage return around the number", () => {
    expect(parseFortranNumber("   2.5  ")).toBe(2.5);
    expect(parseFortranNumber("\t-1.0D+03\r")).toBe(-1000);
  });

  it.each([
    "",
    "   ",
    ".",
    "-",
    "+",
    "-.",
    "e5",
    ".e5",
    "1e",
    "1e+",
    "1.5-",
    "1.5E-3-2",
    "1..5",
    "1.5.",
    "1 5",
    "1,5",
    "1_000",
    "0x10",
    "1.5f",
    "1.5Q3",
    "abc",
    "1.5e3x",
    "--1",
    "+-1",
    "inf",
    "Infinity",
    "-Infinity",
    "NaN",
    "nan",
    "1e400",
    "-1D999",
  ])("rejects %j", (s) => {
    expect(parseFortranNumber(s)).toBeUndefined();
  });
});
