// `modelfleet validate <file...>`: every problem in every file, then exit 1 if there was any.
import { relative } from "node:path";
import { UserError } from "../../errors.ts";
import { formatDiagnostic } from "../../spec/diagnostics.ts";
import { validateSpecFile } from "../../spec/load.ts";
import { parseCommandArgs } from "../args.ts";
import type { CliIO } from "../io.ts";

const USAGE = `usage: modelfleet validate <project.yaml...> [--json]

Checks project files and everything they name, without running anything: the schema (with
"did you mean" for misspelt keys), the model folder, every template and instruction file
(parsed), every parameter set (each id's par file, the ensemble CSV, the priors), and that
alerts and key observations name observations that are read. Every problem of every file is
printed at once, as file:line:column, the key, what is wrong and how to fix it.

options:
  --json             one JSON object per file: valid, realisations, observations, problems

Exit codes: 0 every file is valid; 1 a file has a problem (or cannot be read); 2 bad command line.`;

export async function validateCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseCommandArgs("validate", args, { json: { type: "boolean" } }, USAGE);
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length === 0)
    throw new UserError(`modelfleet validate: name at least one project file\n\n${USAGE}`, { exitCode: 2 });
  const results = [];
  for (const file of positionals) results.push(await validateSpecFile(file));
  const failed = results.filter((r) => r.diagnostics.length > 0);
  if (values.json) {
    io.out(
      JSON.stringify(
        results.map((r) => ({
          file: r.file,
          valid: r.diagnostics.length === 0,
          realisations: r.resolved?.realisations.realisations.length,
          observations: r.resolved?.observations.length,
          problems: r.diagnostics,
        })),
        null,
        2,
      ),
    );
  } else {
    for (const r of results) {
      if (r.diagnostics.length === 0) {
        const res = r.resolved!;
        io.out(
          `ok  ${relative(io.cwd, res.path) || r.file}: ${res.spec.project}/${res.spec.scenario}, ${res.realisations.realisations.length} realisations, ${res.templates.length} template(s), ${res.observations.length} observations`,
        );
      } else {
        io.err(`${r.file}: ${r.diagnostics.length} problem${r.diagnostics.length === 1 ? "" : "s"}`);
        for (const d of r.diagnostics) io.err(`  ${formatDiagnostic(d)}`);
      }
    }
  }
  return failed.length > 0 ? 1 : 0;
}
