import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { errorMessage, PestFormatError, UserError } from "../errors.ts";
import { ensembleRowValues, parseEnsembleCsv } from "./ensemble-csv.ts";
import { parseFortranNumber } from "./fortran-number.ts";
import {
  MAX_PARAMETER_NAME_LENGTH,
  parseTemplate,
  renderTemplate,
  scanTemplateFile,
  type Template,
  writeTemplateFile,
} from "./template.ts";
import { splitLines } from "./text.ts";

const tplins = fileURLToPath(new URL("../../test/fixtures/pest/tplins/", import.meta.url));
const secondary = fileURLToPath(new URL("../../test/fixtures/pest/secondary_marker/", import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelfleet-template-test-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** How many significant digits of `value` the text keeps: how closely it reads back. */
function digitsKept(text: string, value: number): number {
  const read = parseFortranNumber(text);
  if (read === undefined) throw new Error(`${JSON.stringify(text)} does not read as a number`);
  if (read === value) return Number.POSITIVE_INFINITY;
  return -Math.log10(Math.abs(read - value) / Math.abs(value));
}

async function fixtureValues(): Promise<Map<string, Map<string, number>>> {
  const csv = parseEnsembleCsv(await readFile(join(tplins, "sweep_in.csv"), "utf8"), "sweep_in.csv");
  return new Map(csv.rows.map((r) => [r.name, ensembleRowValues(csv, r.name)]));
}

describe("parseTemplate", () => {
  it("reads the fields of the PEST++ fixture templates", async () => {
    const hk = parseTemplate(
      await readFile(join(tplins, "hk_Layer_1.ref.tpl"), "utf8"),
      "hk_Layer_1.ref.tpl",
    );
    expect(hk.delimiter).toBe("~");
    expect(hk.eol).toBe("\n");
    expect(hk.parameters).toEqual([
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
    expect(hk.fields.map((f) => [f.name, f.line, f.column, f.width])).toEqual([
      ["k_01", 2, 2, 14],
      ["k_02", 2, 17, 14],
      ["k_03", 2, 32, 14],
      ["k_04", 2, 47, 6],
      ["k_05", 2, 54, 6],
      ["k_06", 2, 61, 14],
      ["k_07", 2, 76, 14],
      ["k_08", 2, 91, 14],
      ["k_09", 2, 106, 14],
      ["k_10", 2, 121, 14],
      ["k_10", 2, 136, 6],
    ]);
    const strt = parseTemplate(await readFile(join(tplins, "strt_Layer_1.ref.tpl"), "utf8"), "strt.tpl");
    expect(strt.fields).toEqual([{ name: "stage", line: 2, column: 4, width: 16 }]);
  });

  it("treats names case-insensitively, lists each once in order of first use, and accepts jtf", () => {
    const t = parseTemplate("JTF $\n$ Kx $ and $kY$\n\nno fields here\n$kx$$KX   $\n", "t.tpl");
    expect(t.delimiter).toBe("$");
    expect(t.parameters).toEqual(["kx", "ky"]);
    expect(t.fields).toEqual([
      { name: "kx", line: 2, column: 1, width: 6 },
      { name: "ky", line: 2, column: 12, width: 4 },
      { name: "kx", line: 5, column: 1, width: 4 },
      { name: "kx", line: 5, column: 5, width: 7 },
    ]);
  });

  it("reads a CRLF template with a byte-order mark", () => {
    const t = parseTemplate("\uFEFFptf ~\r\nline ~k1  ~ end\r\n\r\nlast ~K1~", "crlf.tpl");
    expect(t.eol).toBe("\r\n");
    expect(t.text.startsWith("ptf")).toBe(true);
    expect(t.fields).toEqual([
      { name: "k1", line: 2, column: 6, width: 6 },
      { name: "k1", line: 4, column: 6, width: 4 },
    ]);
  });

  it("allows names of up to 200 characters", () => {
    const name = "p".repeat(MAX_PARAMETER_NAME_LENGTH);
    expect(parseTemplate(`ptf ~\n~${name}~\n`, "t.tpl").parameters).toEqual([name]);
  });
});

const long = "k".repeat(MAX_PARAMETER_NAME_LENGTH + 1);
const badTemplates: Array<[string, string, string]> = [
  ["an empty file", "", 'bad.tpl:1: missing header: the first line must be "ptf <delimiter>", e.g. "ptf ~"'],
  [
    "an empty first line",
    "\n~k~\n",
    'bad.tpl:1: missing header: the first line must be "ptf <delimiter>", e.g. "ptf ~"',
  ],
  [
    "another file type",
    "pif ~\n",
    'bad.tpl:1: not a template file: it starts with "pif"; the first line must be "ptf <delimiter>", e.g. "ptf ~"',
  ],
  [
    "no delimiter",
    "ptf\n~k~\n",
    'bad.tpl:1: no delimiter after "ptf"; the first line must be "ptf <delimiter>", e.g. "ptf ~"',
  ],
  ["a long delimiter", "ptf ~~\n", 'bad.tpl:1: delimiter "~~" must be a single character'],
  ["a letter delimiter", "ptf a\n", 'bad.tpl:1: delimiter "a" must not be a letter or a digit'],
  ["a digit delimiter", "PTF 7\n", 'bad.tpl:1: delimiter "7" must not be a letter or a digit'],
  ["a non-ASCII delimiter", "ptf §\n", 'bad.tpl:1: delimiter "§" must be a printable ASCII character'],
  [
    "extra header items",
    "ptf ~ extra\n",
    'bad.tpl:1: unexpected "extra" after the delimiter; the first line must be "ptf <delimiter>", e.g. "ptf ~"',
  ],
  [
    "an unmatched delimiter",
    "ptf ~\n~k1~\nabc ~k1~ ~k2\n",
    'bad.tpl:3: column 10: unmatched delimiter "~" (a field opens here but does not close on this line)',
  ],
  [
    "a field across lines",
    "ptf ~\n~k1\n~\n",
    'bad.tpl:2: column 1: unmatched delimiter "~" (a field opens here but does not close on this line)',
  ],
  [
    "an unmatched delimiter on the last line",
    "ptf ~\n~k1~ ~",
    'bad.tpl:2: column 6: unmatched delimiter "~" (a field opens here but does not close on this line)',
  ],
  ["an empty name", "ptf ~\nx ~   ~\n", "bad.tpl:2: column 3: empty parameter name between the delimiters"],
  ["adjacent delimiters", "ptf ~\n~~\n", "bad.tpl:2: column 1: empty parameter name between the delimiters"],
  ["a name with a space", "ptf ~\n ~k 1~\n", 'bad.tpl:2: column 2: parameter name "k 1" contains whitespace'],
  ["a name with a tab", "ptf ~\n~k\t1~\n", 'bad.tpl:2: column 1: parameter name "k\t1" contains whitespace'],
  [
    "a non-ASCII name",
    "ptf ~\n~kä~\n",
    'bad.tpl:2: column 1: parameter name "kä" contains a character that is not printable ASCII',
  ],
  [
    "a name that is too long",
    `ptf ~\n~${long}~\n`,
    `bad.tpl:2: column 1: parameter name "${"k".repeat(37)}..." is 201 characters long; PEST++ allows at most 200`,
  ],
];

describe("template errors", () => {
  it.each(badTemplates)("parseTemplate reports %s", (_what, text, message) => {
    let caught: unknown;
    try {
      parseTemplate(text, "bad.tpl");
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PestFormatError);
    expect(errorMessage(caught)).toBe(message);
  });

  it.each(badTemplates)(
    "scanTemplateFile and writeTemplateFile report %s alike",
    async (_what, text, message) => {
      const path = join(dir, "bad.tpl");
      await writeFile(path, text);
      await expect(scanTemplateFile(path, "bad.tpl")).rejects.toThrow(message);
      const out = join(dir, "out.txt");
      await expect(writeTemplateFile(path, out, new Map([["k1", 1]]), { file: "bad.tpl" })).rejects.toThrow(
        message,
      );
      expect(existsSync(out)).toBe(false);
    },
  );

  const renderErrors: Array<[string, string, Map<string, number>, string]> = [
    [
      "a missing value",
      "ptf ~\nx\n~k1~ ~k2 ~\n",
      new Map([["k1", 1]]),
      'bad.tpl:3: column 6: parameter "k2" has no value in the parameter set',
    ],
    [
      "a value too wide for its field",
      "ptf ~\n    ~k1~\n",
      new Map([["k1", 1e300]]),
      'bad.tpl:2: column 5: value 1e+300 of parameter "k1" does not fit its 4-character field ' +
        "(delimiters included; it needs 6): widen the field in the template",
    ],
    [
      "a value that is not a number",
      "ptf ~\n~k1    ~\n",
      new Map([["k1", Number.NaN]]),
      'bad.tpl:2: column 1: parameter "k1" is NaN, which cannot be written to a model input file',
    ],
  ];

  it.each(renderErrors)("renderTemplate reports %s", (_what, text, values, message) => {
    let caught: unknown;
    try {
      renderTemplate(parseTemplate(text, "bad.tpl"), values);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(PestFormatError);
    expect(errorMessage(caught)).toBe(message);
    expect(() => renderTemplate(text, values, { file: "bad.tpl" })).toThrow(message);
  });

  it.each(renderErrors)(
    "writeTemplateFile reports %s alike and writes nothing",
    async (_what, text, values, message) => {
      const path = join(dir, "bad.tpl");
      await writeFile(path, text);
      const out = join(dir, "out.txt");
      await writeFile(out, "the previous input file");
      await expect(writeTemplateFile(path, out, values, { file: "bad.tpl" })).rejects.toThrow(message);
      expect(await readFile(out, "utf8")).toBe("the previous input file");
      expect((await readdir(dir)).sort()).toEqual(["bad.tpl", "out.txt"]);
    },
  );

  it("names the template file by its path when not told otherwise", async () => {
    const path = join(dir, "t.tpl");
    await writeFile(path, "ptf ~\n~k~\n");
    await expect(writeTemplateFile(path, join(dir, "o"), new Map())).rejects.toThrow(
      `${path}:2: column 1: parameter "k" has no value in the parameter set`,
    );
    expect(() => renderTemplate("ptf ~\n~k~\n", new Map())).toThrow('template:2: column 1: parameter "k"');
  });

  it("passes on a missing template's file-system error and leaves nothing behind", async () => {
    const out = join(dir, "out.txt");
    await expect(writeTemplateFile(join(dir, "missing.tpl"), out, new Map())).rejects.toMatchObject({
      code: "ENOENT",
    });
    await expect(scanTemplateFile(join(dir, "missing.tpl"))).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readdir(dir)).toEqual([]);
  });

  it("rejects a parameter given twice with different values", () => {
    const values = new Map([
      ["K1", 1],
      ["k1", 2],
    ]);
    expect(() => renderTemplate("ptf ~\n~k1~\n", values)).toThrow(
      new UserError('parameter "k1" is given twice with different values (1 and 2)'),
    );
  });
});

describe("renderTemplate", () => {
  it("matches PEST++ on the fixtures: same layout, every value as precise or more", async () => {
    const sets = await fixtureValues();
    expect([...sets.keys()]).toEqual(["r0", "r1", "r2"]);
    let compared = 0;
    for (const [set, values] of sets) {
      for (const name of ["hk_Layer_1.ref", "strt_Layer_1.ref"]) {
        const template = parseTemplate(await readFile(join(tplins, `${name}.tpl`), "utf8"), `${name}.tpl`);
        const ours = splitLines(renderTemplate(template, values).toString());
        const theirs = splitLines(await readFile(join(tplins, "expected_inputs", set, name), "utf8"));
        expect(ours.length).toBe(theirs.length);
        const templateLines = splitLines(template.text).slice(1);
        ours.forEach((line, i) => {
          expect(line.length, `${set}/${name}:${i + 1}`).toBe(theirs[i]!.length);
          expect(line.length).toBe(templateLines[i]!.length);
        });
        // Outside the fields, all three agree character for character.
        const masked = (lines: string[]) =>
          lines.map((line, i) => {
            let m = line;
            for (const f of template.fields.filter((g) => g.line === i + 2)) {
              m = m.slice(0, f.column - 1) + "#".repeat(f.width) + m.slice(f.column - 1 + f.width);
            }
            return m;
          });
        expect(masked(ours)).toEqual(masked(theirs));
        expect(masked(ours)).toEqual(masked(templateLines));
        for (const f of template.fields) {
          const at = (lines: string[]) => lines[f.line - 2]!.slice(f.column - 1, f.column - 1 + f.width);
          const mine = at(ours);
          const pestpp = at(theirs);
          const value = values.get(f.name)!;
          const where = `${set}/${name} ${f.name} (${f.width} wide): ours ${JSON.stringify(mine)}, PEST++ ${JSON.stringify(pestpp)}`;
          expect(mine, where).toMatch(/^ *\S+$/);
          expect(digitsKept(mine, value), where).toBeGreaterThanOrEqual(digitsKept(pestpp, value));
          compared++;
        }
      }
    }
    expect(compared).toBe(36);
  });

  it("keeps strictly more digits than PEST++ where the fixtures show it losing some", async () => {
    const sets = await fixtureValues();
    const t = parseTemplate(await readFile(join(tplins, "hk_Layer_1.ref.tpl"), "utf8"), "hk.tpl");
    const line = (set: string) => splitLines(renderTemplate(t, sets.get(set)!).toString())[0]!;
    // PEST++ wrote 0.333333333333, 0.3333, 1e+10 and 1.0e+2 here.
    expect(line("r1")).toContain(" .3333333333333 .33333");
    expect(line("r1").slice(53, 59)).toBe("1.0E10");
    expect(line("r2").slice(53, 59)).toBe(" 100.0");
  });

  it("writes the secondary_marker fixture template", async () => {
    const text = await readFile(join(secondary, "par.dat.tpl"), "utf8");
    expect(renderTemplate(text, new Map([["p1", 1.5]])).toString()).toBe("      1.5\n");
  });

  it("keeps CRLF line endings and a missing final line break, and drops the byte-order mark and header", () => {
    const text = "\uFEFFptf ~\r\nline ~k1  ~ end\r\n\r\nlast ~K1~";
    expect(renderTemplate(text, new Map([["k1", 2.5]])).toString()).toBe("line    2.5 end\r\n\r\nlast  2.5");
  });

  it("keeps mixed line endings as they are", () => {
    expect(renderTemplate("ptf ~\na ~k~\r\nb\nc ~k~\n", new Map([["k", 1]])).toString()).toBe(
      "a 1.0\r\nb\nc 1.0\n",
    );
  });

  it("writes nothing for a template with only a header", () => {
    expect(renderTemplate("ptf ~", new Map()).toString()).toBe("");
    expect(renderTemplate("ptf ~\r\n", new Map()).toString()).toBe("");
  });

  it("looks values up case-insensitively and passes the point setting on", () => {
    const t: Template = parseTemplate("ptf ~\n~ Kx  ~\n", "t.tpl");
    expect(renderTemplate(t, new Map([["KX", 100]])).toString()).toBe("  100.0\n");
    expect(renderTemplate(t, new Map([["kx", 100]]), { point: false }).toString()).toBe("    100\n");
  });
});

describe("bytes outside the fields", () => {
  // PEST and PEST++ copy a template byte for byte except for the fields; a column is a byte.
  const latin1 = (s: string) => Buffer.from(s, "latin1");
  const writeBoth = async (bytes: Buffer, values: Map<string, number>) => {
    const path = join(dir, "t.tpl");
    await writeFile(path, bytes);
    await writeTemplateFile(path, join(dir, "t.out"), values);
    return {
      memory: renderTemplate(parseTemplate(bytes, "t.tpl"), values),
      streamed: await readFile(join(dir, "t.out")),
    };
  };

  it("pass a Latin-1 template's bytes through unchanged, in memory and streamed", async () => {
    const template = latin1(
      "ptf ~\r\n* Temp\xe9rature de l'eau (\xb0C), d\xe9bit en m\xb3/j\r\nT\xe9  ~t1     ~ \xb0C  ~q    ~\r\n",
    );
    const expected = latin1(
      "* Temp\xe9rature de l'eau (\xb0C), d\xe9bit en m\xb3/j\r\n" +
        `T\xe9  ${"     12.5"} \xb0C  ${"   -3.0"}\r\n`,
    );
    const { memory, streamed } = await writeBoth(
      template,
      new Map([
        ["t1", 12.5],
        ["q", -3],
      ]),
    );
    expect(memory.equals(expected), memory.toString("latin1")).toBe(true);
    expect(streamed.equals(expected), streamed.toString("latin1")).toBe(true);
    expect(parseTemplate(template, "t.tpl").fields.map((f) => [f.line, f.column, f.width])).toEqual([
      [3, 5, 9],
      [3, 19, 7],
    ]);
  });

  it("pass a UTF-8 template's multi-byte characters through unchanged; columns count bytes", async () => {
    const template = Buffer.from(
      "ptf ~\n# Höhe über NN, Durchfluß in m³/s — Kommentar\nü ~h   ~ m³ ~q ~\n",
      "utf8",
    );
    const expected = Buffer.from(
      `# Höhe über NN, Durchfluß in m³/s — Kommentar\nü ${" 101.5"} m³ ${" 0.5"}\n`,
      "utf8",
    );
    const { memory, streamed } = await writeBoth(
      template,
      new Map([
        ["h", 101.5],
        ["q", 0.5],
      ]),
    );
    expect(memory.equals(expected), memory.toString()).toBe(true);
    expect(streamed.equals(expected), streamed.toString()).toBe(true);
    // "ü" is two bytes, so the first field starts in column 4 and the second in column 15.
    expect(parseTemplate(template, "t.tpl").fields.map((f) => f.column)).toEqual([4, 15]);
    const bad = Buffer.from("ptf ~\nü³ ~h   ~ ~q\n", "utf8");
    await writeFile(join(dir, "bad.tpl"), bad);
    const message =
      'bad.tpl:2: column 13: unmatched delimiter "~" (a field opens here but does not close on this line)';
    expect(() => parseTemplate(bad, "bad.tpl")).toThrow(message);
    await expect(scanTemplateFile(join(dir, "bad.tpl"), "bad.tpl")).rejects.toThrow(message);
  });

  it("quote a non-ASCII parameter name as written, in either encoding", async () => {
    const utf8 = Buffer.from("ptf ~\n~kä~\n", "utf8");
    const lat = latin1("ptf ~\n~k\xe4~\n");
    const message =
      'bad.tpl:2: column 1: parameter name "kä" contains a character that is not printable ASCII';
    for (const bytes of [utf8, lat]) {
      expect(() => parseTemplate(bytes, "bad.tpl")).toThrow(message);
      await writeFile(join(dir, "bad.tpl"), bytes);
      await expect(scanTemplateFile(join(dir, "bad.tpl"), "bad.tpl")).rejects.toThrow(message);
    }
  });
});

describe("writeTemplateFile and scanTemplateFile", () => {
  it("write what renderTemplate writes for the fixtures", async () => {
    const sets = await fixtureValues();
    for (const name of ["hk_Layer_1.ref", "strt_Layer_1.ref"]) {
      const path = join(tplins, `${name}.tpl`);
      const template = parseTemplate(await readFile(path, "utf8"), path);
      for (const values of sets.values()) {
        const out = join(dir, name);
        await writeTemplateFile(path, out, values);
        expect((await readFile(out)).equals(renderTemplate(template, values))).toBe(true);
      }
      const summary = await scanTemplateFile(path);
      expect(summary.parameters).toEqual(template.parameters);
      expect(summary.fieldCount).toBe(template.fields.length);
      expect(summary.delimiter).toBe("~");
      expect(summary.eol).toBe("\n");
    }
  });

  it("keeps CRLF line endings and drops the byte-order mark", async () => {
    const path = join(dir, "crlf.tpl");
    await writeFile(path, Buffer.from("\uFEFFptf ~\r\nline ~k1  ~ end\r\n\r\nlast ~K1~", "utf8"));
    const out = join(dir, "crlf.txt");
    await writeTemplateFile(path, out, new Map([["k1", 2.5]]));
    expect(await readFile(out, "utf8")).toBe("line    2.5 end\r\n\r\nlast  2.5");
    const summary = await scanTemplateFile(path);
    expect(summary.eol).toBe("\r\n");
    expect(summary.narrowest).toEqual(new Map([["k1", { width: 4, line: 4 }]]));
  });

  it("writes an empty file for a template with only a header", async () => {
    const path = join(dir, "empty.tpl");
    await writeFile(path, "ptf ~");
    await writeTemplateFile(path, join(dir, "out"), new Map());
    expect(await readFile(join(dir, "out"), "utf8")).toBe("");
    expect((await scanTemplateFile(path)).fieldCount).toBe(0);
  });

  it("match renderTemplate across chunk boundaries and on lines longer than a chunk", async () => {
    let seed = 12345;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const names = Array.from({ length: 40 }, (_, i) => `Par_${i}`);
    const values = new Map(
      names.map((n, i) => [n.toLowerCase(), (i % 2 ? -1 : 1) * 1.234567890123 * 10 ** (i - 20)]),
    );
    const parts = ["ptf |\r\n"];
    for (let line = 0; line < 30000; line++) {
      const fields = next(12);
      let s = next(3) === 0 ? "text " : "";
      for (let f = 0; f < fields; f++) {
        const name = names[next(names.length)]!;
        s += ` |${" ".repeat(next(3))}${name}${" ".repeat(4 + next(12))}|`;
      }
      parts.push(s, next(4) === 0 ? "\r\n" : "\n");
      if (line === 20000) parts.push(`${" |Par_1      |".repeat(120000)}\n`);
    }
    const text = parts.join("");
    expect(text.length).toBeGreaterThan(3 << 20);
    const path = join(dir, "big.tpl");
    await writeFile(path, text);
    const template = parseTemplate(text, path);
    const out = join(dir, "big.txt");
    await writeTemplateFile(path, out, values);
    expect((await readFile(out)).equals(renderTemplate(template, values))).toBe(true);
    const summary = await scanTemplateFile(path);
    expect(summary.parameters).toEqual(template.parameters);
    expect(summary.fieldCount).toBe(template.fields.length);
    for (const [name, n] of summary.narrowest) {
      const first = template.fields
        .filter((f) => f.name === name)
        .reduce((a, b) => (b.width < a.width ? b : a));
      expect(n).toEqual({ width: first.width, line: first.line });
    }
    // An error far into the file is reported on its line.
    await writeFile(path, `${text}x |Par_1    |  |oops\n`);
    const lastLine = splitLines(text).length + 1;
    await expect(scanTemplateFile(path, "big.tpl")).rejects.toThrow(
      `big.tpl:${lastLine}: column 16: unmatched delimiter "|" (a field opens here but does not close on this line)`,
    );
  });

  it("handle more distinct fields than the cache holds", async () => {
    const n = 70000;
    const lines = ["ptf #"];
    const values = new Map<string, number>();
    for (let i = 0; i < n; i += 10) {
      let s = "";
      for (let k = i; k < i + 10; k++) {
        s += ` #p${k}    #`;
        values.set(`p${k}`, k + 0.5);
      }
      lines.push(s);
    }
    lines.push(" #p1    # #p2    #");
    const text = `${lines.join("\n")}\n`;
    const path = join(dir, "many.tpl");
    await writeFile(path, text);
    await writeTemplateFile(path, join(dir, "many.txt"), values);
    expect((await readFile(join(dir, "many.txt"))).equals(renderTemplate(text, values))).toBe(true);
    const summary = await scanTemplateFile(path);
    expect(summary.parameters.length).toBe(n);
    expect(summary.fieldCount).toBe(n + 2);
  });
});
