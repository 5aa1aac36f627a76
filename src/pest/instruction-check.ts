// The work behind `modelfleet check-instructions <ins> [output] [--json]`, our INSCHEK: parse an
// instruction file, list the observations it defines, and optionally read a model output file
// with it, reporting every value or exactly where reading failed. The report is plain data so
// the CLI can print it as text (formatInstructionCheck) or JSON.

import { readFile } from "node:fs/promises";
import { errorMessage, PestFormatError, UserError } from "../errors.ts";
import {
  type InstructionFile,
  InstructionReadError,
  parseInstructions,
  type ReadObservationsOptions,
  readObservations,
} from "./instructions.ts";
import { readableText } from "./text.ts";

export interface InstructionCheckValue {
  readonly name: string;
  /** null when reading stopped before this observation. */
  readonly value: number | null;
}

export interface InstructionCheckError {
  /** "parse": the instruction file itself is wrong; "read": it could not read the output. */
  readonly stage: "parse" | "read";
  /** The full message, starting with the instruction file and line. */
  readonly message: string;
  readonly instructionLine: number | undefined;
  readonly outputLine: number | undefined;
  readonly column: number | undefined;
  /** The failing instruction as written, for read errors. */
  readonly instruction: string | undefined;
  /** The observation being read when reading failed ("dum" for a dummy). */
  readonly observation: string | undefined;
}

export interface InstructionCheckReport {
  readonly ok: boolean;
  readonly instructionFile: string;
  /** Undefined when the file could not be parsed. */
  readonly marker: string | undefined;
  /** Instruction lines (a line plus its "&" continuations counts once). */
  readonly instructionLines: number;
  /** Observations the file defines, lower-cased, in instruction order; dummies excluded. */
  readonly observations: readonly string[];
  /** How many dummy ("dum") reads the file makes. */
  readonly dummyReads: number;
  readonly outputFile: string | undefined;
  /** With an output file: every defined observation in order, with its value or null. */
  readonly values: readonly InstructionCheckValue[] | undefined;
  readonly error: InstructionCheckError | undefined;
}

/**
 * Checks an instruction file and, given a model output file, reads it. Problems in the files'
 * contents are reported in the result (`ok: false`, `error`); only a file that cannot be read
 * at all throws (a UserError).
 */
export async function checkInstructions(
  insPath: string,
  outputPath?: string,
  options: ReadObservationsOptions = {},
): Promise<InstructionCheckReport> {
  const insBytes = await readBytes(insPath, "instruction file");
  const outputBytes = outputPath === undefined ? undefined : await readBytes(outputPath, "model output file");

  let ins: InstructionFile;
  try {
    ins = parseInstructions(insBytes, insPath);
  } catch (e) {
    if (!(e instanceof PestFormatError)) throw e;
    return {
      ok: false,
      instructionFile: insPath,
      marker: undefined,
      instructionLines: 0,
      observations: [],
      dummyReads: 0,
      outputFile: outputPath,
      values: undefined,
      error: {
        stage: "parse",
        message: e.message,
        instructionLine: e.line,
        outputLine: undefined,
        column: undefined,
        instruction: undefined,
        observation: undefined,
      },
    };
  }

  const base = {
    instructionFile: insPath,
    marker: readableText(ins.marker),
    instructionLines: ins.lines.length,
    observations: ins.observations,
    dummyReads: countDummies(ins),
    outputFile: outputPath,
  };
  if (outputPath === undefined || outputBytes === undefined) {
    return { ...base, ok: true, values: undefined, error: undefined };
  }
  try {
    const read = readObservations(ins, outputBytes, outputPath, options);
    return { ...base, ok: true, values: valuesFor(ins, read), error: undefined };
  } catch (e) {
    if (!(e instanceof InstructionReadError)) throw e;
    return {
      ...base,
      ok: false,
      values: valuesFor(ins, e.partial),
      error: {
        stage: "read",
        message: e.message,
        instructionLine: e.line,
        outputLine: e.outputLine,
        column: e.column,
        instruction: e.instruction,
        observation: e.observation,
      },
    };
  }
}

/** The report as text: a summary, then a table of observations (and values, when an output
 * file was read), then the error if there was one. */
export function formatInstructionCheck(report: InstructionCheckReport): string {
  const out: string[] = [];
  if (report.error?.stage === "parse") {
    out.push(`${report.instructionFile}: not a valid instruction file`);
    out.push(`error: ${report.error.message}`);
    return out.join("\n");
  }

  const n = report.observations.length;
  const dummies = report.dummyReads === 0 ? "" : `, ${plural(report.dummyReads, "dummy read")}`;
  out.push(
    `${report.instructionFile}: marker "${report.marker}", ${plural(report.instructionLines, "instruction line")}, ` +
      `${plural(n, "observation")}${dummies}`,
  );

  if (report.values === undefined) {
    if (n > 0)
      out.push("", "observation", "-".repeat(Math.max(...report.observations.map((o) => o.length), 11)));
    for (const name of report.observations) out.push(name);
  } else {
    const read = report.values.filter((v) => v.value !== null).length;
    out.push(
      report.error === undefined
        ? `${report.outputFile}: read ${read} of ${plural(n, "observation")}`
        : `${report.outputFile}: reading failed after ${read} of ${plural(n, "observation")}`,
    );
    if (n > 0) {
      const cells = report.values.map(
        (v) => [v.name, v.value === null ? "(not read)" : String(v.value)] as const,
      );
      const w = Math.max("observation".length, ...cells.map(([name]) => name.length));
      const vw = Math.max("value".length, ...cells.map(([, value]) => value.length));
      out.push("", `${"observation".padEnd(w)}  value`, `${"-".repeat(w)}  ${"-".repeat(vw)}`);
      for (const [name, value] of cells) out.push(`${name.padEnd(w)}  ${value}`);
    }
  }

  if (report.error !== undefined) out.push("", `error: ${report.error.message}`);
  return out.join("\n");
}

async function readBytes(path: string, what: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (e) {
    throw new UserError(`cannot read ${what} ${path}: ${errorMessage(e)}`);
  }
}

function countDummies(ins: InstructionFile): number {
  let n = 0;
  for (const row of ins.lines) {
    for (const it of row.instructions) {
      if ((it.kind === "fixed" || it.kind === "semifixed" || it.kind === "nonfixed") && it.dummy) n++;
    }
  }
  return n;
}

function valuesFor(ins: InstructionFile, read: ReadonlyMap<string, number>): InstructionCheckValue[] {
  return ins.observations.map((name) => ({ name, value: read.get(name) ?? null }));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
