import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { errorMessage, PestFormatError, UserError } from "../errors.ts";
import { ensembleRowValues, parseEnsembleCsv, readEnsembleRows, writeEnsembleCsv } from "./ensemble-csv.ts";
import { FormatProblems } from "./format-problems.ts";

const sweep = fileURLToPath(new URL("../../test/fixtures/pest/tplins/sweep_in.csv", import.meta.url));

describe("parseEnsembleCsv", () => {
  it("reads the PEST++ sweep fixture (CRLF, awkward values)", async () => {
    const csv = parseEnsembleCsv(await readFile(sweep, "utf8"), "sweep_in.csv");
    expect(csv.columns).toEqual([
      "stage",
      "k_01",
      "k_02",
      "k_03",
      "k_04",
      "k_05",
      "k_06",
      "k_07",
      "k_08",
      "k_09",
      "k_10",
    ]);
    expect(csv.rows.map((r) => r.name)).toEqual(["r0", "r1", "r2"]);
    // The fixture's pi stops at 15 digits, so it is not Math.PI.
    const pi15 = Number("3.14159265358979");
    expect(csv.rows[1]!.values).toEqual([
      0.1,
      1.23456789e-7,
      98765.4321,
      -0.000123456,
      pi15,
      1e10,
      0.0025,
      7,
      123456789,
      0.5,
      0.3333333333333333,
    ]);
    expect(csv.rows[2]!.values.slice(0, 3)).toEqual([3, -1.5e-20, 6.02214076e23]);
  });

  it("reads pandas output: empty index header, upper-case columns, BOM, quotes, blank lines", () => {
    const text = '\uFEFF,"K_01",k_02\n\n0,1.0,2e-3\n"1, the second", "3" ,-.5\n"2 ""quoted""",1.0D+03,4\n\n';
    const csv = parseEnsembleCsv(text, "e.csv");
    expect(csv.columns).toEqual(["k_01", "k_02"]);
    expect(csv.rows).toEqual([
      { name: "0", values: [1, 0.002] },
      { name: "1, the second", values: [3, -0.5] },
      { name: '2 "quoted"', values: [1000, 4] },
    ]);
  });

  it("counts lines inside quoted cells when reporting", () => {
    const text = 'real_name,p\n"a\nb",1\nc,x\n';
    expect(() => parseEnsembleCsv(text, "e.csv")).toThrow(
      'e.csv:4: column "p" of realisation "c" "x" is not a number',
    );
  });

  it("reads a final line without a line break", () => {
    expect(parseEnsembleCsv("real_name,p\r\nr1,2", "e.csv").rows).toEqual([{ name: "r1", values: [2] }]);
  });

  it.each([
    ["an empty file", "", "e.csv: empty ensemble CSV: no header row"],
    ["only blank lines", "\n \n", "e.csv: empty ensemble CSV: no header row"],
    [
      "no parameter columns",
      "real_name\nr1\n",
      "e.csv:1: the header has no parameter columns after the realisation-name column",
    ],
    ["a column without a name", "real_name,p1,,p3\nr1,1,2,3\n", "e.csv:1: column 3 has no name"],
    [
      "a duplicate column",
      "real_name,p1,p2,P1\nr1,1,2,3\n",
      'e.csv:1: column "p1" appears twice (columns 2 and 4)',
    ],
    [
      "a column name that is too long",
      `real_name,${"p".repeat(201)}\nr1,1\n`,
      `e.csv:1: column 2 name "${"p".repeat(37)}..." is 201 characters long; PEST++ allows at most 200`,
    ],
    ["only a header", "real_name,p1\n", "e.csv:1: no realisations: the CSV has only a header row"],
    [
      "a short row",
      "real_name,p1,p2\nr1,1,2\n\nr2,1\n",
      "e.csv:4: expected 3 cells (the realisation name and 2 parameters), found 2",
    ],
    [
      "a long row",
      "real_name,p1\nr1,1,2\n",
      "e.csv:2: expected 2 cells (the realisation name and 1 parameter), found 3",
    ],
    [
      "an empty realisation name",
      "real_name,p1\n ,1\n",
      "e.csv:2: the realisation name (first cell) is empty",
    ],
    [
      "a duplicate realisation",
      "real_name,p1\nR1,1\nR1,2\n",
      'e.csv:3: realisation "R1" appears twice (also on line 2)',
    ],
    [
      "a cell that is not a number",
      "real_name,p1,p2\nr1,1,abc\n",
      'e.csv:2: column "p2" of realisation "r1" "abc" is not a number',
    ],
    ["an empty cell", "real_name,p1,p2\nr1,,2\n", 'e.csv:2: column "p1" of realisation "r1" is empty'],
    [
      "a NaN cell",
      "real_name,p1\nr1,nan\n",
      'e.csv:2: column "p1" of realisation "r1" "nan" is not a number',
    ],
    [
      "an unclosed quote",
      'real_name,p1\n"r1,1\n',
      "e.csv:2: a quoted cell is never closed (missing closing double quote)",
    ],
    [
      "text after a quoted cell",
      'real_name,p1\n"r1"x,1\n',
      'e.csv:2: unexpected text after the quoted cell "r1"',
    ],
  ])("reports %s", (_what, text, message) => {
    let caught: unknown;
    try {
      parseEnsembleCsv(text, "e.csv");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PestFormatError);
    expect(errorMessage(caught)).toBe(message);
  });
});

describe("readEnsembleRows", () => {
  it("reads rows of plain numbers and every other kind of row alike, each at its line", () => {
    const text = [
      "\uFEFFreal_name,a,b,c",
      "r1,1.5,-2,3e-7",
      " r2 , 0.1 ,\t0.30000000000000004, 1E+300 ",
      "r3,1.0D+03,2.5-05,.5",
      '"r,4",1,2,3',
      "",
      "r5,1,2",
      "r6,1,x,3",
      "r1,9,9,9",
      "r7,123456789012345678901,5.,+7\r",
      "r8,9007199254740993,0,-0",
    ].join("\n");
    const problems = new FormatProblems("e.csv");
    const read = readEnsembleRows(Buffer.from(text), "e.csv", problems);
    expect(read.columns).toEqual(["a", "b", "c"]);
    expect(read.names).toEqual(["r1", "r2", "r3", "r,4", "r7", "r8"]);
    expect(read.lines).toEqual([2, 3, 4, 5, 10, 11]);
    expect(read.rows.map((r) => [...r])).toEqual([
      [1.5, -2, 3e-7],
      [0.1, 0.30000000000000004, 1e300],
      [1000, 2.5e-5, 0.5],
      [1, 2, 3],
      [Number("123456789012345678901"), 5, 7],
      [9007199254740992, 0, -0],
    ]);
    expect(Object.is(read.rows[5]![2], -0)).toBe(true);
    expect(problems.kept.map((p) => p.message)).toEqual([
      "e.csv:7: expected 4 cells (the realisation name and 3 parameters), found 3",
      'e.csv:8: column "b" of realisation "r6" "x" is not a number',
      'e.csv:9: realisation "r1" appears twice (also on line 2)',
    ]);
  });

  it("reads every value exactly as Number() reads its text", () => {
    const values = Array.from({ length: 2000 }, (_, i) => Math.sin(i + 1) * 10 ** ((i % 40) - 20));
    const text = `real_name,${values.map((_, i) => `p${i}`).join(",")}\nr1,${values.map(String).join(",")}\n`;
    const read = readEnsembleRows(Buffer.from(text), "e.csv");
    expect([...read.rows[0]!]).toEqual(values);
  });
});

describe("ensembleRowValues", () => {
  const csv = parseEnsembleCsv("real_name,A,b\nr1,1,2\nR2,3,4\n", "e.csv");

  it("gives a realisation's values by lower-case name, matching the row name exactly or else ignoring case", () => {
    expect(ensembleRowValues(csv, "r1")).toEqual(
      new Map([
        ["a", 1],
        ["b", 2],
      ]),
    );
    expect(ensembleRowValues(csv, "r2").get("a")).toBe(3);
  });

  it("names the rows there are when the one asked for is missing", () => {
    expect(() => ensembleRowValues(csv, "r9")).toThrow(
      new UserError('no realisation "r9" in the ensemble (it has r1, R2)'),
    );
    const many = parseEnsembleCsv(
      `n,p\n${Array.from({ length: 8 }, (_, i) => `r${i},1`).join("\n")}\n`,
      "e.csv",
    );
    expect(() => ensembleRowValues(many, "x")).toThrow(
      'no realisation "x" in the ensemble (it has r0, r1, r2, r3, r4 and 3 more)',
    );
  });
});

describe("writeEnsembleCsv", () => {
  it("writes numbers in shortest round-trip form, quoting names that need it, and reads back exactly", () => {
    const csv = {
      columns: ["k_01", "k_02"],
      rows: [
        { name: "r0", values: [0.1 + 0.2, -1.5e-20] },
        { name: "a, b", values: [6.02214076e23, -0] },
        { name: ' "q" ', values: [1e21, 5e-324] },
      ],
    };
    const text = writeEnsembleCsv(csv);
    expect(text).toBe(
      'real_name,k_01,k_02\nr0,0.30000000000000004,-1.5e-20\n"a, b",6.02214076e+23,0\n" ""q"" ",1e+21,5e-324\n',
    );
    const back = parseEnsembleCsv(text, "back.csv");
    expect(back.columns).toEqual(csv.columns);
    expect(back.rows.map((r) => r.values)).toEqual([
      [0.1 + 0.2, -1.5e-20],
      [6.02214076e23, 0],
      [1e21, 5e-324],
    ]);
    expect(back.rows.map((r) => r.name)).toEqual(["r0", "a, b", ' "q" ']);
  });

  it("round-trips the sweep fixture", async () => {
    const csv = parseEnsembleCsv(await readFile(sweep, "utf8"), "sweep_in.csv");
    const text = writeEnsembleCsv(csv, { eol: "\r\n", indexName: "" });
    expect(text.startsWith(",stage,k_01")).toBe(true);
    expect(text.endsWith("\r\n")).toBe(true);
    expect(parseEnsembleCsv(text, "again.csv")).toEqual(csv);
  });

  it("refuses what it cannot write", () => {
    expect(() => writeEnsembleCsv({ columns: ["p", "q"], rows: [{ name: "r", values: [1] }] })).toThrow(
      new UserError('cannot write ensemble CSV: realisation "r" has 1 values for 2 columns'),
    );
    expect(() => writeEnsembleCsv({ columns: ["p"], rows: [{ name: "r", values: [Number.NaN] }] })).toThrow(
      'cannot write ensemble CSV: column "p" of realisation "r" is NaN',
    );
    expect(() => writeEnsembleCsv({ columns: ["p", "P"], rows: [] })).toThrow(
      'cannot write ensemble CSV: column "P" appears twice',
    );
    expect(() => writeEnsembleCsv({ columns: [" "], rows: [] })).toThrow(
      "cannot write ensemble CSV: a column has no name",
    );
  });
});
