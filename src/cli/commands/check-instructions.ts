// `modelfleet check-instructions <ins> [output] [--json]`: PEST's INSCHEK. Checks an
// instruction file and, given a model output, prints every observation read or the failure.
import { UserError } from "../../errors.ts";
import { checkInstructions, formatInstructionCheck } from "../../pest/instruction-check.ts";
import { parseCommandArgs } from "../args.ts";
import type { CliIO } from "../io.ts";

const USAGE = `usage: modelfleet check-instructions <file.ins> [model-output] [--json]

PEST's INSCHEK. Checks an instruction file and lists the observations it defines. Given a
model output file, reads it as a run would and prints every observation's value, or exactly
where reading failed: the instruction file and line, the output file and line, and what was
expected there.

options:
  --json             the check as JSON (ok, observations, values, error)

Exit codes: 0 the file is valid (and the output read); 1 it is not, or reading failed;
2 bad command line.`;

export async function checkInstructionsCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    "check-instructions",
    args,
    { json: { type: "boolean" } },
    USAGE,
  );
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  const [ins, output, ...extra] = positionals;
  if (ins === undefined || extra.length > 0) throw new UserError(USAGE, { exitCode: 2 });
  const report = await checkInstructions(ins, output);
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else if (report.ok) io.out(formatInstructionCheck(report));
  else io.err(formatInstructionCheck(report));
  return report.ok ? 0 : 1;
}
