import { describe, expect, it } from "vitest";
import { readEnsembleRows } from "./ensemble-csv.ts";
import { readEnsembleRowsInParallel } from "./ensemble-rows-parallel.ts";
import { FormatProblems } from "./format-problems.ts";

/** An ensemble with every kind of row among plain ones: Fortran numbers, bad cells, blank
 * lines, repeated names, a short row, CRLF, a last line without a line break. */
function mixedEnsemble(rows: number): string {
  const lines = ["real_name,a,b,c"];
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

function readBoth(text: string) {
  const one = new FormatProblems("e.csv", 1000);
  const many = new FormatProblems("e.csv", 1000);
  const bytes = Buffer.from(text);
  return {
    one: { rows: readEnsembleRows(bytes, "e.csv", one), problems: one.kept.map((p) => p.message) },
    many: readEnsembleRowsInParallel(bytes, "e.csv", many, { threads: 3, minBytes: 0 }).then((rows) => ({
      rows,
      problems: many.kept.map((p) => p.message),
    })),
  };
}

const plainly = (r: { rows: Awaited<ReturnType<typeof readEnsembleRows>>; problems: string[] }) => ({
  columns: r.rows.columns,
  names: r.rows.names,
  lines: r.rows.lines,
  values: r.rows.rows.map((row) => [...row]),
  problems: r.problems,
});

describe("readEnsembleRowsInParallel", () => {
  it("reads on several threads exactly what one thread reads: names, values, lines and problems", async () => {
    const both = readBoth(mixedEnsemble(2000));
    const one = plainly(both.one);
    const many = plainly(await both.many);
    expect(one.names.length).toBeGreaterThan(1800);
    expect(one.problems.length).toBeGreaterThan(40);
    expect(many).toEqual(one);
  });

  it("reads a file with quoted cells on one thread (a quoted cell may hold a line break)", async () => {
    const text = 'real_name,a\nr1,1\n"r\n2",2\nr3,3\n';
    const rows = await readEnsembleRowsInParallel(Buffer.from(text), "e.csv", undefined, {
      threads: 3,
      minBytes: 0,
    });
    expect(rows.names).toEqual(["r1", "r\n2", "r3"]);
    expect(rows.lines).toEqual([2, 3, 5]);
  });

  it("says what is wrong with the header, as one thread does", async () => {
    const problems = new FormatProblems("e.csv");
    const rows = await readEnsembleRowsInParallel(Buffer.from("real_name,a,a\nr1,1,2\n"), "e.csv", problems, {
      threads: 2,
      minBytes: 0,
    });
    expect(rows.names).toEqual([]);
    expect(problems.kept.map((p) => p.message)).toEqual([
      'e.csv:1: column "a" appears twice (columns 2 and 3)',
    ]);
  });
});
