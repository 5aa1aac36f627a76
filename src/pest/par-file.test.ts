import { describe, expect, it } from "vitest";
import { errorMessage, PestFormatError, UserError } from "../errors.ts";
import { parseParFile, parValues, writeParFile } from "./par-file.ts";

describe("parseParFile", () => {
  it("reads the header and the entries, lower-casing names", () => {
    const par = parseParFile(
      [
        "single point",
        "  K_01     2.500000000000000E+00     1.000000000000000E+00     0.000000000000000E+00",
        "stage\t1.0D+03\t2\t-.5",
        "",
        "k_02 1. 1.E3 +0",
        "k_03 0.1234-100 1 0",
        "",
      ].join("\n"),
      "case.par",
    );
    expect(par.precision).toBe("single");
    expect(par.point).toBe("point");
    expect(par.entries).toEqual([
      { name: "k_01", value: 2.5, scale: 1, offset: 0 },
      { name: "stage", value: 1000, scale: 2, offset: -0.5 },
      { name: "k_02", value: 1, scale: 1000, offset: 0 },
      { name: "k_03", value: 0.1234e-100, scale: 1, offset: 0 },
    ]);
  });

  it("reads CRLF files with a byte-order mark and an upper-case header", () => {
    const par = parseParFile("\uFEFFDOUBLE NOPOINT\r\np1 3 1 0\r\n", "case.par");
    expect(par).toEqual({
      precision: "double",
      point: "nopoint",
      entries: [{ name: "p1", value: 3, scale: 1, offset: 0 }],
    });
  });

  it("reads a file with no entries", () => {
    expect(parseParFile("single point\n", "case.par").entries).toEqual([]);
  });

  it.each([
    [
      "an empty file",
      "",
      'case.par:1: missing header: the first line must be the precision and decimal-point setting, e.g. "single point"',
    ],
    [
      "a blank first line",
      "\np1 1 1 0\n",
      'case.par:1: missing header: the first line must be the precision and decimal-point setting, e.g. "single point"',
    ],
    [
      "a bad precision",
      "p1 1 1 0\n",
      'case.par:1: precision "p1" must be "single" or "double"; the first line must be the precision and decimal-point setting, e.g. "single point"',
    ],
    [
      "a missing point setting",
      "single\n",
      'case.par:1: no decimal-point setting after "single"; the first line must be the precision and decimal-point setting, e.g. "single point"',
    ],
    [
      "a bad point setting",
      "double points\n",
      'case.par:1: decimal-point setting "points" must be "point" or "nopoint"',
    ],
    [
      "extra header items",
      "single point 3\n",
      'case.par:1: unexpected "3" after "point"; the first line must be the precision and decimal-point setting, e.g. "single point"',
    ],
    [
      "too few columns",
      "single point\np1 1 1\n",
      'case.par:2: expected 4 items (name, value, scale, offset), found 3: "p1 1 1"',
    ],
    [
      "too many columns",
      "single point\np1 1 1 0\np2 1 1 0 extra\n",
      'case.par:3: expected 4 items (name, value, scale, offset), found 5: "p2 1 1 0 extra"',
    ],
    [
      "a value that is not a number",
      "single point\np1 abc 1 0\n",
      'case.par:2: value "abc" of parameter "p1" is not a number',
    ],
    [
      "a scale that is not a number",
      "single point\np1 1 1..0 0\n",
      'case.par:2: scale "1..0" of parameter "p1" is not a number',
    ],
    [
      "an offset that is not a number",
      "single point\np1 1 1 nan\n",
      'case.par:2: offset "nan" of parameter "p1" is not a number',
    ],
    [
      "a duplicate parameter",
      "single point\np1 1 1 0\n\nP1 2 1 0\n",
      'case.par:4: parameter "p1" appears twice (also on line 2)',
    ],
    [
      "a name that is too long",
      `single point\n${"p".repeat(201)} 1 1 0\n`,
      `case.par:2: parameter name "${"p".repeat(37)}..." is 201 characters long; PEST++ allows at most 200`,
    ],
    [
      "a non-ASCII name",
      "single point\npä 1 1 0\n",
      'case.par:2: parameter name "pä" must be printable ASCII without spaces',
    ],
  ])("reports %s", (_what, text, message) => {
    let caught: unknown;
    try {
      parseParFile(text, "case.par");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PestFormatError);
    expect(errorMessage(caught)).toBe(message);
  });
});

describe("parValues", () => {
  it("applies scale and offset as PEST does when writing model input files", () => {
    const par = parseParFile("single point\nP1 2.5 2 1\np2 -3 1 0\np3 4 -1 0.5\n", "case.par");
    expect(parValues(par)).toEqual(
      new Map([
        ["p1", 6],
        ["p2", -3],
        ["p3", -3.5],
      ]),
    );
  });
});

describe("writeParFile", () => {
  const entries = [
    { name: "k_01", value: 2.5, scale: 1, offset: 0 },
    { name: "a_much_longer_name", value: 1.23456789e-7, scale: -1, offset: 0.1 + 0.2 },
    { name: "z", value: -0, scale: 1e21, offset: 6.02214076e23 },
  ];

  it("writes a file parseParFile reads back exactly", () => {
    const text = writeParFile(entries, { precision: "double", point: "nopoint" });
    expect(text.split("\n")[0]).toBe("double nopoint");
    const back = parseParFile(text, "out.par");
    expect(back.precision).toBe("double");
    expect(back.point).toBe("nopoint");
    expect(back.entries).toEqual(entries.map((e) => ({ ...e, value: e.value === 0 ? 0 : e.value })));
  });

  it("lines up the columns, defaults to single point, and can write CRLF", () => {
    const text = writeParFile(entries.slice(0, 1), { eol: "\r\n" });
    expect(text).toBe(
      `single point\r\nk_01        ${"2.5".padStart(24)}${"1".padStart(24)}${"0".padStart(24)}\r\n`,
    );
  });

  it("refuses what it cannot write", () => {
    expect(() => writeParFile([{ name: "p", value: Number.NaN, scale: 1, offset: 0 }])).toThrow(
      new UserError('cannot write par file: value of "p" is NaN'),
    );
    expect(() => writeParFile([{ name: "p", value: 1, scale: Number.POSITIVE_INFINITY, offset: 0 }])).toThrow(
      'cannot write par file: scale of "p" is Infinity',
    );
    expect(() =>
      writeParFile([
        { name: "p", value: 1, scale: 1, offset: 0 },
        { name: "P", value: 1, scale: 1, offset: 0 },
      ]),
    ).toThrow('cannot write par file: parameter "P" is given twice');
    expect(() => writeParFile([{ name: "a b", value: 1, scale: 1, offset: 0 }])).toThrow(
      'cannot write par file: parameter name "a b" must be printable ASCII without spaces',
    );
    expect(() => writeParFile([{ name: "", value: 1, scale: 1, offset: 0 }])).toThrow(
      "cannot write par file: empty parameter name",
    );
  });
});
