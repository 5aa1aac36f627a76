import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PestFormatError } from "../errors.ts";
import {
  type InstructionFile,
  InstructionReadError,
  parseInstructions,
  readObservations,
} from "./instructions.ts";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/pest");

function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), "utf8");
}

/** The observation values PEST++ wrote for run 0 of an expected_*.csv (bookkeeping columns
 * dropped). */
function expectedValues(path: string): Map<string, number> {
  const [header, row] = fixture(path).trim().split(/\r?\n/);
  const names = header!.split(",");
  const cells = row!.split(",");
  const out = new Map<string, number>();
  for (let i = 7; i < names.length; i++) out.set(names[i]!, Number(cells[i]));
  return out;
}

/** PEST++ prints at most 15 significant digits, so compare to a relative 1e-14. */
function expectClose(actual: ReadonlyMap<string, number>, expected: ReadonlyMap<string, number>): void {
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [name, want] of expected) {
    const got = actual.get(name)!;
    const scale = Math.max(Math.abs(got), Math.abs(want));
    expect(Math.abs(got - want), `${name}: got ${got}, PEST++ read ${want}`).toBeLessThanOrEqual(
      1e-14 * scale,
    );
  }
}

function parse(text: string, file = "t.ins"): InstructionFile {
  return parseInstructions(text, file);
}

function read(insText: string, outText: string, extraDelimiters?: string): Map<string, number> {
  return readObservations(
    parse(insText),
    outText,
    "out.txt",
    extraDelimiters === undefined ? {} : { extraDelimiters },
  );
}

function parseError(text: string): PestFormatError {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(PestFormatError);
    return e as PestFormatError;
  }
  throw new Error("expected parseInstructions to throw");
}

function readError(insText: string, outText: string, extraDelimiters?: string): InstructionReadError {
  const ins = parse(insText);
  try {
    readObservations(ins, outText, "out.txt", extraDelimiters === undefined ? {} : { extraDelimiters });
  } catch (e) {
    expect(e).toBeInstanceOf(InstructionReadError);
    return e as InstructionReadError;
  }
  throw new Error("expected readObservations to throw");
}

const crlf = (s: string) => s.replace(/\r?\n/g, "\r\n");
const bom = (s: string) => `\uFEFF${s}`;
const trailingBlanks = (s: string) =>
  s.replace(/([^\n]*)(\n|$)/g, (_m, line: string, nl: string) => `${line}  \t ${nl}`);

interface Case {
  ins: string;
  out: string;
  expected: string;
  extra?: string;
}

const CASES: Case[] = [
  { ins: "tplins/out1.dat.ins", out: "tplins/out1.dat", expected: "tplins/expected_observations.csv" },
  {
    ins: "secondary_marker/out1.dat.ins",
    out: "secondary_marker/out1.dat",
    expected: "secondary_marker/expected_out1.dat.csv",
    extra: "|",
  },
  {
    ins: "secondary_marker/out2.dat.ins",
    out: "secondary_marker/out2.dat",
    expected: "secondary_marker/expected_out2.dat.csv",
    extra: "|",
  },
  {
    ins: "secondary_marker/out3.dat.ins",
    out: "secondary_marker/out3.dat",
    expected: "secondary_marker/expected_out3.dat.csv",
    extra: "|",
  },
  {
    ins: "secondary_marker/freyberg.mpenpt.ins",
    out: "secondary_marker/freyberg.mpenpt",
    expected: "secondary_marker/expected_freyberg.mpenpt.csv",
  },
];

function readCase(c: Case, transform: (s: string) => string = (s) => s): Map<string, number> {
  const ins = parseInstructions(transform(fixture(c.ins)), c.ins);
  const opts = c.extra === undefined ? {} : { extraDelimiters: c.extra };
  return readObservations(ins, transform(fixture(c.out)), c.out, opts);
}

describe("reference fixtures (values PEST++ 5.2.23 read)", () => {
  for (const c of CASES) {
    it(`reads ${c.out} with ${c.ins}`, () => {
      const values = readCase(c);
      expectClose(values, expectedValues(c.expected));
      // Insertion order is instruction order.
      expect([...values.keys()]).toEqual(parseInstructions(fixture(c.ins), c.ins).observations);
    });

    it(`reads ${c.out} the same with CRLF, a BOM and trailing blanks`, () => {
      const plain = readCase(c);
      expect(readCase(c, crlf)).toEqual(plain);
      expect(readCase(c, (s) => bom(crlf(s)))).toEqual(plain);
      expect(readCase(c, bom)).toEqual(plain);
      expect(readCase(c, trailingBlanks)).toEqual(plain);
    });
  }

  it("reads tplins/out1.dat in instruction order, including a marker with spaces at both ends", () => {
    const values = readCase(CASES[0]!);
    expect([...values.keys()].slice(0, 4)).toEqual(["h02_09", "h01_10", "h01_09", "h01_01"]);
    expect(values.get("h02_09")).toBe(7.921060000000001); // after eight ~,~ secondary markers
    expect(values.get("h01_09")).toBe(9.87654321); // fixed, after the "  secondary  " marker
    expect(values.get("h01_08")).toBe(2.4); // semi-fixed (h01_08)107:114
    expect(values.get("h02_03")).toBe(-900.999); // abutting fixed fields
    expect(values.get("h02_10")).toBe(4.123); // fixed 1:5 of "4.123trash"
  });

  it("reads and discards dummy observations (out1dum.dat.ins)", () => {
    const ins = parseInstructions(fixture("tplins/out1dum.dat.ins"), "out1dum.dat.ins");
    expect(ins.observations).not.toContain("dum");
    expect(ins.observations).toHaveLength(18);
    const values = readObservations(ins, fixture("tplins/out1.dat"), "out1.dat");
    expect(values.has("dum")).toBe(false);
    expect(values.has("DUM")).toBe(false);
    // The dummies stand where h01_03 and h01_07 were read in out1.dat.ins.
    expect(values.has("h01_03")).toBe(false);
    expect(values.has("h01_07")).toBe(false);
    const expected = expectedValues("tplins/expected_observations.csv");
    for (const name of ["h01_03", "h01_07", "dummy_obs"]) expected.delete(name);
    expectClose(values, expected);
  });

  it("needs the extra delimiter for out3.dat, where | separates the numbers", () => {
    const c = CASES[3]!;
    const e = (() => {
      try {
        readObservations(parseInstructions(fixture(c.ins), c.ins), fixture(c.out), c.out);
      } catch (err) {
        return err as InstructionReadError;
      }
      throw new Error("expected a failure");
    })();
    expect(e).toBeInstanceOf(InstructionReadError);
    expect(e.message).toMatch(
      /^secondary_marker\/out3\.dat\.ins:3: observation obs1_1 !obs1_1! reads "1\.0+\|19/,
    );
    expect(e.message).toContain("at secondary_marker/out3.dat:2 columns 1-68, which is not a number");
    expect(e.message).toContain(`declare it as an extra delimiter`);
    // out1 and out2 do not need it.
    expectClose(readCase({ ...CASES[1]!, extra: undefined } as Case), expectedValues(CASES[1]!.expected));
    expectClose(readCase({ ...CASES[2]!, extra: undefined } as Case), expectedValues(CASES[2]!.expected));
  });

  it("reads the MODPATH endpoint file with tabs instead of spaces", () => {
    const c = CASES[4]!;
    const ins = parseInstructions(fixture(c.ins).replace(/ /g, "\t"), c.ins);
    const out = fixture(c.out).replace(/ +/g, "\t");
    expect(Object.fromEntries(readObservations(ins, out, c.out))).toEqual({
      part_status: 2,
      part_time: 907.7018,
    });
  });
});

describe("parseInstructions", () => {
  it("compiles lines, remembering their line numbers and skipping blank lines", () => {
    const ins = parse("pif ~\n\nl1 [h1]1:5 !h2!\n\t \n~marker~ (h3)10:20\n");
    expect(ins.file).toBe("t.ins");
    expect(ins.marker).toBe("~");
    expect(ins.observations).toEqual(["h1", "h2", "h3"]);
    expect(ins.lines.map((l) => l.line)).toEqual([3, 5]);
    expect(ins.lines[0]!.instructions).toEqual([
      { kind: "line", count: 1, text: "l1", line: 3 },
      { kind: "fixed", name: "h1", dummy: false, first: 1, last: 5, text: "[h1]1:5", line: 3 },
      { kind: "nonfixed", name: "h2", dummy: false, endMarker: undefined, text: "!h2!", line: 3 },
    ]);
    expect(ins.lines[1]!.instructions[0]).toEqual({
      kind: "primary",
      marker: "marker",
      text: "~marker~",
      line: 5,
    });
    expect(ins.lines[1]!.instructions[1]).toMatchObject({
      kind: "semifixed",
      name: "h3",
      first: 10,
      last: 20,
    });
  });

  it("is case-insensitive for the header, instructions and observation names", () => {
    const ins = parse("PIF #\nL2 W T5 [Head_1]1:4 (HEAD_2)5:9 !Head_3!\n");
    expect(ins.marker).toBe("#");
    expect(ins.observations).toEqual(["head_1", "head_2", "head_3"]);
    expect(ins.lines[0]!.instructions.map((i) => i.kind)).toEqual([
      "line",
      "whitespace",
      "tab",
      "fixed",
      "semifixed",
      "nonfixed",
    ]);
  });

  it("accepts a jif header, a BOM and CRLF line ends", () => {
    const ins = parse(bom("jif @\r\n@x@ !a!\r\n"));
    expect(ins.marker).toBe("@");
    expect(ins.lines[0]!.instructions[0]).toMatchObject({ kind: "primary", marker: "x" });
  });

  it("keeps markers verbatim, spaces included, and splits items that touch a marker", () => {
    const ins = parse("pif ~\n~  a b ~!x!~,~ ~ ~w\n");
    expect(ins.lines[0]!.instructions).toMatchObject([
      { kind: "primary", marker: "  a b " },
      { kind: "nonfixed", name: "x", endMarker: "," },
      { kind: "secondary", marker: ",", rewind: false },
      { kind: "secondary", marker: " ", rewind: false },
      { kind: "whitespace" },
    ]);
  });

  it("marks secondary markers preceded only by markers on a primary-marker line for re-search", () => {
    const ins = parse("pif ~\n~a~ ~b~ ~c~ !x! ~d~\nl1 ~e~\n");
    expect(ins.lines[0]!.instructions.map((i) => (i.kind === "secondary" ? i.rewind : i.kind))).toEqual([
      "primary",
      true,
      true,
      "nonfixed",
      false,
    ]);
    expect(ins.lines[1]!.instructions[1]).toMatchObject({ kind: "secondary", rewind: false });
  });

  it("joins & continuation lines to the line before, keeping each item's own line number", () => {
    const ins = parse("pif ~\nl1 !a!\n& ~,~ !b!\n&\n& [c]1:2\nl1 !d!\n");
    expect(ins.lines).toHaveLength(2);
    expect(ins.lines[0]!.line).toBe(2);
    expect(ins.lines[0]!.instructions.map((i) => [i.text, i.line])).toEqual([
      ["l1", 2],
      ["!a!", 2],
      ["~,~", 3],
      ["!b!", 3],
      ["[c]1:2", 5],
    ]);
    // A marker after & is a secondary marker; & may touch a marker like any other item.
    expect(ins.lines[0]!.instructions[2]!.kind).toBe("secondary");
    expect(parse("pif ~\nl1 !a!\n&~,~ !b!\n").lines[0]!.instructions.map((i) => i.kind)).toEqual([
      "line",
      "nonfixed",
      "secondary",
      "nonfixed",
    ]);
  });

  it("lets the dummy name repeat, in any case, and leaves it out of the observations", () => {
    const ins = parse("pif ~\nl1 !dum! !DUM! !x! !Dum!\n");
    expect(ins.observations).toEqual(["x"]);
    expect(ins.lines[0]!.instructions.filter((i) => "dummy" in i && i.dummy)).toHaveLength(3);
  });

  it("accepts a header and no instructions", () => {
    expect(parse("pif ~\n").lines).toEqual([]);
    expect(parse("pif ~").observations).toEqual([]);
  });

  describe("errors name the file, the line and what is wrong", () => {
    const cases: [string, string, RegExp][] = [
      ["empty file", "", /^t\.ins:1: expected the header "pif <marker delimiter>".*found an empty file$/],
      ["no marker", "pif\nl1 !a!\n", /^t\.ins:1: expected the header "pif <marker delimiter>".*found "pif"$/],
      ["wrong tag", "ptf ~\nl1 !a!\n", /^t\.ins:1: expected the header .* found "ptf ~"$/],
      ["glued marker", "pif~\n", /^t\.ins:1: expected the header .* found "pif~"$/],
      ["long marker", "pif ~~\n", /^t\.ins:1: the marker delimiter .* single character, found "~~"$/],
      ["letter marker", "pif a\n", /^t\.ins:1: "a" cannot be the marker delimiter/],
      ["digit marker", "pif 1\n", /^t\.ins:1: "1" cannot be the marker delimiter/],
      ["reserved marker", "pif !\n", /^t\.ins:1: "!" cannot be the marker delimiter/],
      ["bracket marker", "pif [\n", /^t\.ins:1: "\[" cannot be the marker delimiter/],
      ["extra header", "pif ~ extra\n", /^t\.ins:1: unexpected "extra" after the marker delimiter/],
      ["unknown", "pif ~\nl1\nl1 x1\n", /^t\.ins:3: unknown instruction "x1": expected lN, w, tN/],
      ["w with argument", "pif ~\nl1 w2\n", /^t\.ins:2: unknown instruction "w2"/],
      [
        "unclosed marker",
        "pif ~\n\nl1 ~abc !x!\n",
        /^t\.ins:3: unclosed marker: the "~" at column 4 has no closing "~" on this line \("~abc !x!"\)$/,
      ],
      ["empty marker", "pif ~\n~~ !x!\n", /^t\.ins:2: empty marker "~~" at column 1$/],
      ["l0", "pif ~\nl0\n", /^t\.ins:2: bad line advance "l0": expected "l" followed by a whole number/],
      ["l alone", "pif ~\nl\n", /^t\.ins:2: bad line advance "l"/],
      ["l with text", "pif ~\nl1x\n", /^t\.ins:2: bad line advance "l1x"/],
      ["t0", "pif ~\nl1 t0\n", /^t\.ins:2: bad tab "t0": expected "t" followed by a column number/],
      ["t with text", "pif ~\nl1 tx\n", /^t\.ins:2: bad tab "tx"/],
      [
        "fixed without range",
        "pif ~\nl1 [h1]5\n",
        /^t\.ins:2: bad column range in fixed observation "\[h1\]5"/,
      ],
      [
        "fixed range reversed",
        "pif ~\nl1 [h1]9:5\n",
        /^t\.ins:2: .*"\[h1\]9:5": the first column \(9\) is after the last \(5\)$/,
      ],
      ["fixed column 0", "pif ~\nl1 [h1]0:5\n", /^t\.ins:2: .*"\[h1\]0:5": columns are numbered from 1$/],
      [
        "fixed non-numeric range",
        "pif ~\nl1 [h1]a:b\n",
        /^t\.ins:2: bad column range in fixed observation "\[h1\]a:b"/,
      ],
      [
        "fixed range with space",
        "pif ~\nl1 [h1] 1:5\n",
        /^t\.ins:2: bad column range in fixed observation "\[h1\]"/,
      ],
      ["fixed unclosed", "pif ~\nl1 [h1 1:5\n", /^t\.ins:2: bad fixed observation "\[h1": no closing "\]"/],
      ["fixed without name", "pif ~\nl1 []1:5\n", /^t\.ins:2: observation name missing in "\[\]1:5"$/],
      ["bad name", "pif ~\nl1 [h(1]1:5\n", /^t\.ins:2: bad observation name "h\(1" in "\[h\(1\]1:5"/],
      [
        "semi reversed",
        "pif ~\nl1 (h1)9:5\n",
        /^t\.ins:2: bad column range in semi-fixed observation "\(h1\)9:5"/,
      ],
      [
        "semi unclosed",
        "pif ~\nl1 (h1 1:5\n",
        /^t\.ins:2: bad semi-fixed observation "\(h1": no closing "\)"/,
      ],
      [
        "non-fixed unclosed",
        "pif ~\nl1 !h1\n",
        /^t\.ins:2: bad non-fixed observation "!h1": expected the observation/,
      ],
      ["non-fixed extra !", "pif ~\nl1 !a!b!\n", /^t\.ins:2: bad non-fixed observation "!a!b!"/],
      ["non-fixed trailing text", "pif ~\nl1 !a!b\n", /^t\.ins:2: bad non-fixed observation "!a!b"/],
      ["non-fixed empty", "pif ~\nl1 !!\n", /^t\.ins:2: bad non-fixed observation "!!"/],
      [
        "duplicate observation",
        "pif ~\nl1 !h1!\nl1 [H1]1:5\n",
        /^t\.ins:3: observation h1 is already read at line 2; an observation may be read only once \(only the dummy name "dum" may repeat\)$/,
      ],
      [
        "whitespace first",
        "pif ~\nw !a!\n",
        /^t\.ins:2: "w" cannot start an instruction line: each line must begin with a line advance \(lN\) or a primary marker/,
      ],
      ["tab first", "pif ~\nt5 !a!\n", /^t\.ins:2: "t5" cannot start an instruction line/],
      ["fixed first", "pif ~\n[a]1:5\n", /^t\.ins:2: "\[a\]1:5" cannot start an instruction line/],
      ["semi-fixed first", "pif ~\n(a)1:5\n", /^t\.ins:2: "\(a\)1:5" cannot start an instruction line/],
      ["non-fixed first", "pif ~\n!a!\n", /^t\.ins:2: "!a!" cannot start an instruction line/],
      [
        "continuation first",
        "pif ~\n\n& ~x~ !a!\n",
        /^t\.ins:3: the first instruction line cannot be a continuation \("&"\)/,
      ],
      [
        "continuation later on the line",
        "pif ~\nl1 !a! & !b!\n",
        /^t\.ins:2: "&" \(continuation\) may only be the first item/,
      ],
      [
        "continuation with text",
        "pif ~\nl1\n&l1\n",
        /^t\.ins:3: bad continuation "&l1": "&" must be followed by a space$/,
      ],
    ];
    for (const [what, text, pattern] of cases) {
      it(what, () => {
        const e = parseError(text);
        expect(e.message).toMatch(pattern);
        expect(e.file).toBe("t.ins");
      });
    }
  });
});

describe("readObservations", () => {
  it("starts above the first line: l1 reads line 1, l3 line 3", () => {
    expect(read("pif ~\nl1 !a!\n", "1.5\n2.5\n3.5\n")).toEqual(new Map([["a", 1.5]]));
    expect(read("pif ~\nl3 !a!\n", "1.5\n2.5\n3.5\n")).toEqual(new Map([["a", 3.5]]));
    expect(read("pif ~\nl2 !a!\nl1 !b!\n", "1.5\n2.5\n3.5")).toEqual(
      new Map([
        ["a", 2.5],
        ["b", 3.5],
      ]),
    );
  });

  it("searches for a primary marker from the line below the current one", () => {
    const out = "HEAD 1\nHEAD 2\nxx\nHEAD 3\n";
    expect(read("pif ~\n~HEAD~ !a!\n~HEAD~ !b!\n~HEAD~ !c!\n", out)).toEqual(
      new Map([
        ["a", 1],
        ["b", 2],
        ["c", 3],
      ]),
    );
    // A primary marker on the current line is not found again.
    expect(read("pif ~\nl1 ~HEAD~ !a!\n~HEAD~ !b!\n", out)).toEqual(
      new Map([
        ["a", 1],
        ["b", 2],
      ]),
    );
    // Markers may sit at the very end of a line; the cursor goes after the marker.
    expect(read("pif ~\n~xx~\nl1 ~HEAD~ !c!\n", out)).toEqual(new Map([["c", 3]]));
  });

  it("finds secondary markers only to the right of the cursor", () => {
    expect(read("pif ~\nl1 ~b=~ !b! ~a=~ !a!\n", "a= 1 b= 2 a= 3\n")).toEqual(
      new Map([
        ["b", 2],
        ["a", 3],
      ]),
    );
    const e = readError("pif ~\nl1 ~b=~ !b! ~a=~ !a!\n", "a= 1 b= 2\n");
    expect(e.message).toContain(`secondary marker "a=" not found on out.txt:1 after column 9`);
  });

  it("resumes the primary search when a secondary marker preceded only by markers is missing", () => {
    const out = [
      "TIME STEP 10 STRESS",
      "X = 1.05 STRESS = 4.3E+03",
      "TIME STEP 10 STRAIN",
      "X = 1.05 STRAIN = 2.5E-03",
    ].join("\n");
    expect(read("pif %\n%TIME STEP 10% %STRAIN%\nl1 %STRAIN =% !str1!\n", out)).toEqual(
      new Map([["str1", 0.0025]]),
    );
    // Not when something other than a marker comes before the missing marker: that is an error.
    const e = readError("pif %\n%TIME STEP 10% w %STRAIN%\n", out);
    expect(e.message).toBe(
      `t.ins:2: secondary marker "STRAIN" not found on out.txt:1 after column 13; the line is "TIME STEP 10 STRESS"`,
    );
    // Nor on a line that starts with a line advance.
    expect(readError("pif %\nl1 %TIME% %STRAIN%\n", out).message).toContain(
      `secondary marker "STRAIN" not found on out.txt:1`,
    );
  });

  it("moves past whitespace with w, from wherever the cursor is", () => {
    expect(read("pif ~\nl1 w !a!\n", "1 2 3\n")).toEqual(new Map([["a", 2]]));
    expect(read("pif ~\nl1 w !a!\n", "   1 2 3\n")).toEqual(new Map([["a", 1]]));
    expect(read("pif ~\nl1 !a! w w !b!\n", "1 \t 2   3\n")).toEqual(
      new Map([
        ["a", 1],
        ["b", 3],
      ]),
    );
    // The manual's example: after the marker the cursor is on ":", and w w w lands before -4.59098.
    expect(
      read("pif %\n%MODEL OUTPUTS:% w w w !obs1!\n", "MODEL OUTPUTS: 2.89988 4.487892 -4.59098 8.394843"),
    ).toEqual(new Map([["obs1", -4.59098]]));
    // Commas are not whitespace for w, but extra delimiters are.
    expect(readError("pif ~\nl1 w !a!\n", "1,2,3\n").message).toContain(
      `whitespace instruction "w" found no whitespace`,
    );
    expect(read("pif ~\nl1 w !a!\n", "1|2|3\n", "|")).toEqual(new Map([["a", 2]]));
  });

  it("puts the cursor on column n with tn, so the next item looks from column n+1", () => {
    expect(read("pif ~\nl1 t4 !a!\n", "abcd1234 56\n")).toEqual(new Map([["a", 1234]]));
    expect(read("pif ~\nl1 t5 !a!\n", "abcd1234 56\n")).toEqual(new Map([["a", 234]]));
    const line = "TIME(1): A = 1.34564E-04, TIME(2): A = 1.45654E-04, TIME(3): A = 1.54982E-04";
    expect(read("pif %\nl1 t60 %=% !a3!\n", line)).toEqual(new Map([["a3", 1.54982e-4]]));
    // t may stay on the cursor's column.
    expect(read("pif ~\nl1 ~ab~ t2 !a!\n", "ab 7\n")).toEqual(new Map([["a", 7]]));
  });

  it("reads fixed observations from exactly the given columns", () => {
    expect(read("pif ~\nl1 [a]1:8 [b]9:16 [c]17:24\n", "1236.5678495.000-900.000\n")).toEqual(
      new Map([
        ["a", 1236.567],
        ["b", 8495],
        ["c", -900],
      ]),
    );
    // Columns past the end of the line (or into trailing blanks) are cut off.
    expect(read("pif ~\nl1 [a]3:40\n", "  12.5   \r\n")).toEqual(new Map([["a", 12.5]]));
    // Fortran forms.
    expect(read("pif ~\nl1 [a]1:7 [b]8:12 [c]13:16\n", "1.0D+03 1.E3 -.5\n")).toEqual(
      new Map([
        ["a", 1000],
        ["b", 1000],
        ["c", -0.5],
      ]),
    );
  });

  it("reads semi-fixed observations as the whole delimited number touching the columns", () => {
    // Starts before column 5 and ends after column 6.
    expect(read("pif ~\nl1 (a)5:6\n", "  123456789  1\n")).toEqual(new Map([["a", 123456789]]));
    // Right-justified somewhere in the range.
    expect(read("pif ~\nl1 (a)1:10\n", "       4.5\n")).toEqual(new Map([["a", 4.5]]));
    // Commas delimit, and the cursor ends after the number.
    expect(read("pif ~\nl1 (a)3:3 !b!\n", "x,12,13\n")).toEqual(
      new Map([
        ["a", 12],
        ["b", 13],
      ]),
    );
  });

  it("reads non-fixed observations delimited by blanks, tabs, commas and extra delimiters", () => {
    expect(read("pif ~\nl1 !a! !b! !c! !d!\n", " 1.5,\t-2.5E+01 , 3.0d-1 .25\n")).toEqual(
      new Map([
        ["a", 1.5],
        ["b", -25],
        ["c", 0.3],
        ["d", 0.25],
      ]),
    );
    expect(read("pif ~\nl1 !a! !b!\n", "1;2\n", ";")).toEqual(
      new Map([
        ["a", 1],
        ["b", 2],
      ]),
    );
  });

  it("ends a non-fixed number at a following secondary marker when the word is not a number", () => {
    expect(read("pif *\nl1 *=* !sws! *%*\n", "SOIL WATER CONTENT (NO CORRECTION)=21.345634%\n")).toEqual(
      new Map([["sws", 21.345634]]),
    );
    // Not when the whole word is a number: "1.5E3" stays whole although ~E~ follows.
    expect(read("pif ~\nl1 ~=~ !a! ~E~ !b!\n", "x=1.5E3 E 7\n")).toEqual(
      new Map([
        ["a", 1500],
        ["b", 7],
      ]),
    );
  });

  it("reads but does not return dummy observations, which pass over text as PEST++ does (dummy/)", () => {
    expect(read("pif ~\nl1 !dum! !a! !DUM! !b!\n", "1 2 3 4\n")).toEqual(
      new Map([
        ["a", 2],
        ["b", 4],
      ]),
    );
    // pyemu's csv_to_ins_file: a dummy over the date column.
    expect(read("pif ~\nl1\nl1 !dum! ~,~ !h1! ~,~ !h2!\n", "date,w1,w2\n2020-01-01,1.5,2.5\n")).toEqual(
      new Map([
        ["h1", 1.5],
        ["h2", 2.5],
      ]),
    );
    const ins = parseInstructions(fixture("dummy/dummies.ins"), "dummies.ins");
    const values = readObservations(ins, fixture("dummy/dummies.out"), "dummies.out");
    expectClose(values, expectedValues("dummy/expected_dummies.csv"));
    // A secondary marker right after a dummy ends it where it ends a non-fixed number (PEST's
    // rule); text runs on to the next delimiter, as PEST++ reads it.
    expect(read("pif ~\nl1 !dum! ~%~ !a!\n", "21.3%5 2.5\n")).toEqual(new Map([["a", 5]]));
    expect(readError("pif ~\nl1 !dum! ~%~ !a!\n", "abc%5 2.5\n").message).toContain(
      'secondary marker "%" not found on out.txt:1 after column 5',
    );
  });

  it("a dummy still needs something to pass over, where PEST++ needs it too", () => {
    const none = readError("pif ~\nl1 ~x~ !dum! !a!\n", "x   \n");
    expect(none.message).toBe(
      `t.ins:2: dummy observation !dum! finds no text after column 1 on out.txt:1 (end of line reached); the line is "x   "`,
    );
    expect(none.observation).toBe("dum");
    expect(readError("pif ~\nl1 (dum)1:3 !a!\n", "      2.5\n").message).toContain(
      "dummy observation (dum)1:3 finds no text in columns 1-3 of out.txt:1, only blanks or delimiters",
    );
    expect(readError("pif ~\nl1 [dum]10:12 !a!\n", "abc 2.5\n").message).toContain(
      "dummy observation [dum]10:12 expects text in columns 10-12 of out.txt:1, but the line has only 7 characters",
    );
  });

  it("reads & continuations on the same output line, and several line advances on one line", () => {
    expect(read("pif ~\nl1 !a!\n& !b!\n", "1 2\n")).toEqual(
      new Map([
        ["a", 1],
        ["b", 2],
      ]),
    );
    expect(read("pif ~\nl1 !a! l2 !b!\n", "1\n2\n3\n")).toEqual(
      new Map([
        ["a", 1],
        ["b", 3],
      ]),
    );
  });

  it("reuses one compiled file for many outputs and returns a fresh map each time", () => {
    const ins = parse("pif ~\n~h~ !a!\n");
    const first = readObservations(ins, "h 1\n", "a.out");
    const second = readObservations(ins, "x\nh 2\n", "b.out");
    expect(first).toEqual(new Map([["a", 1]]));
    expect(second).toEqual(new Map([["a", 2]]));
  });

  it("reads a 5,000-observation output (speed: scripts/bench/instructions.ts)", () => {
    const n = 5000;
    const outLines: string[] = ["HEADS AT END OF RUN"];
    const insLines: string[] = ["pif ~", "~HEADS AT END OF RUN~"];
    for (let i = 0; i < n / 10; i++) {
      const row: string[] = [];
      for (let j = 0; j < 10; j++) row.push(((i * 10 + j) * 0.001 + 100).toExponential(7).padStart(16));
      outLines.push(`  ROW ${String(i + 1).padStart(4)}:${row.join("")}`);
      insLines.push(
        `l1 ~:~ ${Array.from({ length: 10 }, (_, j) => (j % 2 === 0 ? `!h${i}_${j}!` : `w !h${i}_${j}!`)).join(" ")}`,
      );
    }
    const ins = parse(insLines.join("\n"));
    const out = outLines.join("\n");
    const read = readObservations(ins, out, "x.out");
    expect(read.size).toBe(n);
    expect(read.get("h499_9")).toBeCloseTo(104.999, 10);
  });
});

describe("read errors name the instruction file and line, output file and line, and what was expected", () => {
  it("line advance past the end of the file", () => {
    const e = readError("pif ~\nl1 !a!\nl3 !b!\n", "1\n2\n");
    expect(e.message).toBe(
      `t.ins:3: line advance "l3" needs line 4 of out.txt (3 lines after line 1), but the file ends at line 2`,
    );
    expect(e.outputLine).toBe(2);
    expect(e.instruction).toBe("l3");
    expect(e.partial).toEqual(new Map([["a", 1]]));
    expect(readError("pif ~\nl1 !a!\n", "").message).toBe(
      `t.ins:2: line advance "l1" needs line 1 of out.txt (1 line from the start of the file), but the file ends at line 0`,
    );
  });

  it("primary marker not found", () => {
    const e = readError("pif ~\n\nl2\n~HEAD~ !h!\n", "a\nb\nc\n");
    expect(e.message).toBe(
      `t.ins:4: primary marker "HEAD" not found in out.txt after line 2 (end of file reached)`,
    );
    expect(e.outputLine).toBe(3);
    expect(readError("pif ~\n~HEAD~ !h!\n", "a\n").message).toBe(
      `t.ins:2: primary marker "HEAD" not found in out.txt (end of file reached)`,
    );
  });

  it("primary and secondary markers never on one line", () => {
    const e = readError(
      "pif $\nl1\n$time,$ $FLUX1$ $FLUX2$\n",
      "head\ntime,FLUX1\nx\ntime,FLUX2\ntime,FLUX1 only\n",
    );
    expect(e.message).toBe(
      `t.ins:3: primary marker "time," not found together with secondary markers "FLUX1", "FLUX2" on one line of ` +
        `out.txt after line 1 (end of file reached; the last line with "time," was line 5, which lacks "FLUX2")`,
    );
  });

  it("secondary marker not found", () => {
    const e = readError("pif ~\nl1 !a! ~K:~ !kc!\n", "3.4 Na: 3.49868E-2 Mg: 5.987638E-2\n");
    expect(e.message).toBe(
      `t.ins:2: secondary marker "K:" not found on out.txt:1 after column 3; the line is "3.4 Na: 3.49868E-2 Mg: 5.987638E-2"`,
    );
    expect(e.column).toBe(4);
    expect(e.instruction).toBe("~K:~");
  });

  it("whitespace not found", () => {
    const e = readError("pif ~\nl1 !a! w !b!\n", "1.5   \n");
    expect(e.message).toBe(
      `t.ins:2: whitespace instruction "w" found no whitespace followed by more text after column 3 on out.txt:1; the line is "1.5   "`,
    );
  });

  it("tab backwards or past the end", () => {
    expect(readError("pif ~\nl1 ~abcdef~ t3 !a!\n", "abcdef 1\n").message).toBe(
      `t.ins:2: tab "t3" would move back to column 3 on out.txt:1, but earlier instructions already reached column 6 ` +
        `(a line is read left to right); the line is "abcdef 1"`,
    );
    expect(readError("pif ~\nl1 t30 !a!\n", "abc 1   \n").message).toBe(
      `t.ins:2: tab "t30" is past the end of out.txt:1, which has 5 characters; the line is "abc 1   "`,
    );
  });

  it("fixed observation that is not a number, blank, or past the end of the line", () => {
    const out = "x\n" + "1".repeat(39) + "\n" + "HEAD".padEnd(20) + "*********  \n";
    const e = readError("pif ~\nl2\nl1 [h_w3]21:30\n", out);
    expect(e.message).toBe(
      `t.ins:3: observation h_w3 [h_w3]21:30 reads "*********" at out.txt:3 columns 21-30, which is not a number; ` +
        `the line is "HEAD                *********  "`,
    );
    expect(e).toMatchObject({
      outputFile: "out.txt",
      outputLine: 3,
      column: 21,
      observation: "h_w3",
      line: 3,
    });
    expect(readError("pif ~\nl1 [a]3:5\n", "1      2\n").message).toBe(
      `t.ins:2: observation a [a]3:5 finds only blanks at out.txt:1 columns 3-5, where a number was expected; ` +
        `the line is "1      2"`,
    );
    expect(readError("pif ~\nl1 [a]10:15\n", "1.5     \n").message).toBe(
      `t.ins:2: observation a [a]10:15 expects a number in columns 10-15 of out.txt:1, but the line has only 3 ` +
        `characters; the line is "1.5     "`,
    );
  });

  it("semi-fixed observation not found or not a number", () => {
    expect(readError("pif ~\nl1 (a)3:5\n", "1      2\n").message).toBe(
      `t.ins:2: observation a (a)3:5 finds no number in columns 3-5 of out.txt:1, only blanks or delimiters; ` +
        `the line is "1      2"`,
    );
    expect(readError("pif ~\nl1 (a)4:4\n", "1  NaN 2\n").message).toBe(
      `t.ins:2: observation a (a)4:4 reads "NaN" at out.txt:1 columns 4-6, which is not a number; the line is "1  NaN 2"`,
    );
    expect(readError("pif ~\nl1 (a)20:30\n", "1\n").message).toContain(
      `observation a (a)20:30 expects a number in columns 20-30 of out.txt:1, but the line has only 1 characters`,
    );
  });

  it("non-fixed observation at the end of the line or not a number", () => {
    const e = readError("pif ~\nl1 !a! !b!\n", "1.5 ,  \n");
    expect(e.message).toBe(
      `t.ins:2: observation b !b! finds no number after column 3 on out.txt:1 (end of line reached); the line is "1.5 ,  "`,
    );
    expect(e.column).toBe(4);
    expect(readError("pif ~\nl1 !a!\n", "1.5e\n").message).toBe(
      `t.ins:2: observation a !a! reads "1.5e" at out.txt:1 columns 1-4, which is not a number; the line is "1.5e"`,
    );
  });

  it("quotes only part of a long output line, around where reading failed", () => {
    const long = `${"x".repeat(100)} 12 abc ${"y".repeat(100)}`;
    const e = readError("pif ~\nl1 t101 !a! !b!\n", long);
    expect(e.message).toMatch(
      /^t\.ins:2: observation b !b! reads "abc" at out\.txt:1 columns 105-107, which is not a number; the line is "…x+ 12 abc y+…"$/,
    );
    const quoted = /the line is "(.*)"$/.exec(e.message)![1]!;
    expect(quoted.length).toBeLessThanOrEqual(62);
  });

  it("errors are PestFormatErrors located in the instruction file", () => {
    const e = readError("pif ~\nl1 !a!\n", "x\n");
    expect(e).toBeInstanceOf(PestFormatError);
    expect(e.name).toBe("InstructionReadError");
    expect(e.file).toBe("t.ins");
    expect(e.line).toBe(2);
    expect(e.exitCode).toBe(1);
  });
});

describe("model outputs are bytes: columns count bytes, markers match bytes", () => {
  const latin1 = (s: string) => Buffer.from(s, "latin1");

  it("reads fixed and semi-fixed columns after Latin-1 bytes", () => {
    // "niveau (mé°)" is 12 bytes in Latin-1; the number fills columns 13-21.
    const out = latin1("r\xe9sultats\nniveau (m\xe9\xb0)   101.25 d\xe9bit  -3.5e-2\n");
    const ins = parseInstructions(latin1("pif ~\nl2 [h]13:21 (q)30:33\n"), "t.ins");
    expect(readObservations(ins, out, "out.txt")).toEqual(
      new Map([
        ["h", 101.25],
        ["q", -0.035],
      ]),
    );
  });

  it("reads fixed columns after UTF-8 multi-byte characters", () => {
    // "Höhe über NN:" is 15 bytes in UTF-8 (13 characters); the number is in bytes 18-23.
    const out = Buffer.from("Höhe über NN:  101.25 m\n", "utf8");
    expect(readObservations(parse("pif ~\nl1 [h]16:23\n"), out, "out.txt")).toEqual(new Map([["h", 101.25]]));
  });

  it("matches markers byte for byte, in either encoding, and quotes them readably", () => {
    const utf8Ins = parse("pif ~\n~Höhe:~ !h!\n");
    expect(readObservations(utf8Ins, Buffer.from("Höhe: 12.5\n", "utf8"), "out.txt")).toEqual(
      new Map([["h", 12.5]]),
    );
    const latinIns = parseInstructions(latin1("pif ~\n~H\xf6he:~ !h!\n"), "t.ins");
    expect(readObservations(latinIns, latin1("H\xf6he: 12.5\n"), "out.txt")).toEqual(new Map([["h", 12.5]]));
    // A UTF-8 marker does not match the same word written in Latin-1: the bytes differ.
    let caught: unknown;
    try {
      readObservations(utf8Ins, latin1("H\xf6he: 12.5\n"), "out.txt");
    } catch (e) {
      caught = e;
    }
    expect((caught as InstructionReadError).message).toBe(
      't.ins:2: primary marker "Höhe:" not found in out.txt (end of file reached)',
    );
    expect((caught as InstructionReadError).instruction).toBe("~Höhe:~");
  });

  it("quotes an output line with Latin-1 bytes readably", () => {
    let caught: unknown;
    try {
      readObservations(parse("pif ~\nl1 [t]1:6\n"), latin1("d\xe9bit 1\n"), "out.txt");
    } catch (err) {
      caught = err;
    }
    expect((caught as InstructionReadError).message).toBe(
      't.ins:2: observation t [t]1:6 reads "débit" at out.txt:1 columns 1-6, which is not a number; the line is "débit 1"',
    );
  });

  it("accepts a marker delimiter that is one non-ASCII character", () => {
    expect(read("pif §\n§x=§ !x!\n", "x= 4\n")).toEqual(new Map([["x", 4]]));
    expect(
      readObservations(parseInstructions(latin1("pif \xa7\n\xa7x=\xa7 !x!\n"), "t.ins"), "x= 4\n", "out.txt"),
    ).toEqual(new Map([["x", 4]]));
    expect(parseError("pif §§\n").message).toBe(
      't.ins:1: the marker delimiter in the "pif" header must be a single character, found "§§"',
    );
  });

  it("keeps observation names as text", () => {
    expect(parse("pif ~\nl1 !Höhe!\n").observations).toEqual(["höhe"]);
    expect(parseInstructions(latin1("pif ~\nl1 !H\xf6he!\n"), "t.ins").observations).toEqual(["höhe"]);
  });
});
