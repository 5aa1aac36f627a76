// `modelfleet check-instructions <ins> [output] [--json]`: PEST's INSCHEK. Checks an
// instruction file and, given a model output, prints every observation read or the failure.
import { UserError } from "../../errors.ts";
import { checkInstructions, formatInstructionCheck } from "../../pest/instruction-check.ts";
import { parseCommandArgs } from "../args.ts";
import type { CliIO } from "../io.ts";

const USAGE = "usage: modelfleet check-instructions <file.ins> [model-output] [--json]";

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
