import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UserError } from "../errors.ts";
import { checkInstructions, formatInstructionCheck } from "./instruction-check.ts";

const FIXTURES = join(import.meta.dirname, "../../test/fixtures/pest");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "modelfleet-inscheck-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

describe("checkInstructions", () => {
  it("lists the observations of a valid file when no output is given", async () => {
    const ins = join(FIXTURES, "tplins/out1dum.dat.ins");
    const report = await checkInstructions(ins);
    expect(report).toMatchObject({
      ok: true,
      instructionFile: ins,
      marker: "~",
      instructionLines: 6,
      dummyReads: 2,
      outputFile: undefined,
      values: undefined,
      error: undefined,
    });
    expect(report.observations).toHaveLength(18);
    expect(report.observations[0]).toBe("h02_09");
  });

  it("reads an output file and returns every observation with its value, in instruction order", async () => {
    const report = await checkInstructions(
      join(FIXTURES, "tplins/out1.dat.ins"),
      join(FIXTURES, "tplins/out1.dat"),
    );
    expect(report.ok).toBe(true);
    expect(report.error).toBeUndefined();
    expect(report.values).toHaveLength(21);
    expect(report.values![0]).toEqual({ name: "h02_09", value: 7.921060000000001 });
    expect(report.values!.map((v) => v.name)).toEqual(report.observations);
    expect(report.values!.every((v) => v.value !== null)).toBe(true);
  });

  it("passes extra delimiters through", async () => {
    const ins = join(FIXTURES, "secondary_marker/out3.dat.ins");
    const out = join(FIXTURES, "secondary_marker/out3.dat");
    expect((await checkInstructions(ins, out)).ok).toBe(false);
    const report = await checkInstructions(ins, out, { extraDelimiters: "|" });
    expect(report.ok).toBe(true);
    expect(report.values![0]).toEqual({ name: "obs1_1", value: 1 });
  });

  it("reports a parse error with its line", async () => {
    const ins = await file("bad.ins", "pif ~\nl1 !a!\nl1 [b]9:5\n");
    const report = await checkInstructions(ins, join(FIXTURES, "tplins/out1.dat"));
    expect(report.ok).toBe(false);
    expect(report.marker).toBeUndefined();
    expect(report.observations).toEqual([]);
    expect(report.values).toBeUndefined();
    expect(report.error).toMatchObject({ stage: "parse", instructionLine: 3, outputLine: undefined });
    expect(report.error!.message).toBe(
      `${ins}:3: bad column range in fixed observation "[b]9:5": the first column (9) is after the last (5)`,
    );
  });

  it("reports a read failure exactly, with the values read before it", async () => {
    const ins = await file("h.ins", "pif ~\nl1 !a! !b!\nl1 [c]3:8\nl1 !d!\n");
    const out = await file("h.out", "1.5 2.5\nxx********\n4\n");
    const report = await checkInstructions(ins, out);
    expect(report.ok).toBe(false);
    expect(report.values).toEqual([
      { name: "a", value: 1.5 },
      { name: "b", value: 2.5 },
      { name: "c", value: null },
      { name: "d", value: null },
    ]);
    expect(report.error).toEqual({
      stage: "read",
      message:
        `${ins}:3: observation c [c]3:8 reads "******" at ${out}:2 columns 3-8, which is not a number; ` +
        `the line is "xx********"`,
      instructionLine: 3,
      outputLine: 2,
      column: 3,
      instruction: "[c]3:8",
      observation: "c",
    });
    // The report is plain data for --json.
    expect(JSON.parse(JSON.stringify(report)).values[2]).toEqual({ name: "c", value: null });
  });

  it("throws a UserError for a file it cannot read", async () => {
    await expect(checkInstructions(join(dir, "missing.ins"))).rejects.toThrow(UserError);
    await expect(checkInstructions(join(dir, "missing.ins"))).rejects.toThrow(
      /cannot read instruction file .*missing\.ins/,
    );
    const ins = await file("ok.ins", "pif ~\nl1 !a!\n");
    await expect(checkInstructions(ins, join(dir, "missing.out"))).rejects.toThrow(
      /cannot read model output file .*missing\.out/,
    );
  });
});

describe("formatInstructionCheck", () => {
  it("lists the observations when no output was read", async () => {
    const ins = await file("list.ins", "pif ~\nl1 !head_1! !dum!\n~x~ [h2]1:5\n");
    const text = formatInstructionCheck(await checkInstructions(ins));
    expect(text).toBe(
      [
        `${ins}: marker "~", 2 instruction lines, 2 observations, 1 dummy read`,
        "",
        "observation",
        "-----------",
        "head_1",
        "h2",
      ].join("\n"),
    );
  });

  it("shows a table of observation and value", async () => {
    const ins = await file("t.ins", "pif ~\nl1 !a! !long_name_1!\n");
    const out = await file("t.out", "1.5 -2.25E-3\n");
    const text = formatInstructionCheck(await checkInstructions(ins, out));
    expect(text).toBe(
      [
        `${ins}: marker "~", 1 instruction line, 2 observations`,
        `${out}: read 2 of 2 observations`,
        "",
        "observation  value",
        "-----------  --------",
        "a            1.5",
        "long_name_1  -0.00225",
      ].join("\n"),
    );
  });

  it("shows where reading stopped and the error", async () => {
    const ins = await file("f.ins", "pif ~\nl1 !a!\nl1 !b!\n");
    const out = await file("f.out", "7\n");
    const text = formatInstructionCheck(await checkInstructions(ins, out));
    expect(text).toBe(
      [
        `${ins}: marker "~", 2 instruction lines, 2 observations`,
        `${out}: reading failed after 1 of 2 observations`,
        "",
        "observation  value",
        "-----------  ----------",
        "a            7",
        "b            (not read)",
        "",
        `error: ${ins}:3: line advance "l1" needs line 2 of ${out} (1 line after line 1), but the file ends at line 1`,
      ].join("\n"),
    );
  });

  it("shows a parse error", async () => {
    const ins = await file("p.ins", "pif ~\nw !a!\n");
    const text = formatInstructionCheck(await checkInstructions(ins));
    expect(text.split("\n")).toEqual([
      `${ins}: not a valid instruction file`,
      expect.stringMatching(/^error: .*p\.ins:2: "w" cannot start an instruction line/),
    ]);
  });
});
