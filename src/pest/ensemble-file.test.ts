import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorMessage } from "../errors.ts";
import { addRow, emptyBounds } from "./column-bounds.ts";
import { type EnsembleRows, readEnsembleRows } from "./ensemble-csv.ts";
import { readEnsembleFile } from "./ensemble-file.ts";
import { FormatProblems } from "./format-problems.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ensemble-file-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** An ensemble with every kind of row among plain ones: Fortran numbers, bad cells, blank
 * lines, repeated names, a short row, CRLF, a last line without a line break. */
function mixedEnsemble(rows: number): string {
  const lines = ["", "real_name,a,b,c"];
  for (let r = 1; r <= rows; r++) {
    const v = (k: number) => String(Math.sin(r * 3 + k) * 10 ** ((r % 30) - 15));
    if (r % 97 === 0) lines.push(`r${r},1.5D+03,${v(1)},${v(2)}`);
    else if (r % 89 === 0) lines.push(`r${r},${v(0)},oops,${v(2)}`);
    else if (r % 83 === 0) lines.push("");
    else if (r % 79 === 0) lines.push(`r${r - 1},${v(0)},${v(1)},${v(2)}`);
    else if (r % 73 === 0) lines.push(`r${r},${v(0)},${v(1)}`);
    else if (r % 71 === 0) lines.push(`r${r},${v(0)},${v(1)},${v(2)}\r`);
    else lines.push(` r${r} ,${v(0)}, ${v(1)} ,${v(2)}`);
  }
  return lines.join("\n");
}

const plainly = (rows: EnsembleRows, problems: FormatProblems) => ({
  columns: rows.columns,
  names: rows.names,
  lines: rows.lines,
  values: rows.rows.map((row) => [...row]),
  problems: problems.kept.map((p) => p.message),
});

/** What one thread reads from `text`, and what readEnsembleFile reads on three. */
async function readBoth(text: string | Buffer) {
  const file = join(dir, `e${Math.random().toString(36).slice(2)}.csv`);
  await writeFile(file, text);
  const attempt = async (read: (problems: FormatProblems) => EnsembleRows | Promise<EnsembleRows>) => {
    const problems = new FormatProblems("e.csv", 1000);
    try {
      return plainly(await read(problems), problems);
    } catch (e) {
      return { thrown: errorMessage(e) };
    }
  };
  return {
    one: await attempt((p) => readEnsembleRows(Buffer.from(text), "e.csv", p)),
    many: await attempt((p) => readEnsembleFile(file, "e.csv", p, { threads: 3, minBytes: 0 })),
  };
}

describe("readEnsembleFile", () => {
  it("reads on several threads exactly what one thread reads: names, values, lines and problems", async () => {
    const { one, many } = await readBoth(mixedEnsemble(2000));
    expect("names" in one && one.names.length).toBeGreaterThan(1800);
    expect("problems" in one && one.problems.length).toBeGreaterThan(40);
    expect(many).toEqual(one);
  });

  it("reads a file with quoted cells as one thread does (a quoted cell may hold a line break)", async () => {
    const { one, many } = await readBoth('real_name,a\nr1,1\n"r\n2",2\nr3,3\n');
    expect(one).toMatchObject({ names: ["r1", "r\n2", "r3"], lines: [2, 3, 5] });
    expect(many).toEqual(one);
  });

  it("says what is wrong with the header, or with the encoding, as one thread does", async () => {
    const header = await readBoth("real_name,a,a\nr1,1,2\n");
    expect(header.one).toMatchObject({ problems: ['e.csv:1: column "a" appears twice (columns 2 and 3)'] });
    expect(header.many).toEqual(header.one);
    const latin1 = await readBoth(Buffer.from("real_name,a\nr1,1\nr\xe92,2\n", "latin1"));
    expect(latin1.one).toMatchObject({
      thrown: expect.stringContaining("e.csv:3: column 2: byte 0xE9 is not valid UTF-8"),
    });
    expect(latin1.many).toEqual(latin1.one);
  });

  it("works out each column's bounds: those of every row read", async () => {
    const text = mixedEnsemble(500).replaceAll("oops", "7").replaceAll("1.5D+03", "-0");
    const file = join(dir, "bounds.csv");
    await writeFile(file, text);
    const read = await readEnsembleFile(file, "e.csv", new FormatProblems("e.csv", 1000), {
      threads: 2,
      minBytes: 0,
    });
    const expected = emptyBounds(3);
    for (const row of read.rows) addRow(expected, row);
    // Rows left out (a repeated name, a short row) may widen them: never narrower.
    for (let c = 0; c < 3; c++) {
      expect(read.bounds![c * 5]!).toBeLessThanOrEqual(expected[c * 5]!);
      expect(read.bounds![c * 5 + 1]!).toBeGreaterThanOrEqual(expected[c * 5 + 1]!);
      expect(read.bounds![c * 5 + 2]!).toBeLessThanOrEqual(expected[c * 5 + 2]!);
      expect(read.bounds![c * 5 + 3]!).toBeGreaterThanOrEqual(expected[c * 5 + 3]!);
    }
    expect(read.bounds![4]).toBeGreaterThanOrEqual(1); // the -0
  });

  it("reads files with fewer lines than threads, and with a header alone", async () => {
    for (const text of ["real_name,a\nr1,1", "real_name,a\n", "real_name,a"]) {
      const { one, many } = await readBoth(text);
      expect(many).toEqual(one);
    }
  });
});
