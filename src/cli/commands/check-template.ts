// `modelfleet check-template <tpl> [--par file | --csv file --row name] [--write out]`:
// PEST's TEMPCHEK. Checks a template and, given values, writes the model input file from it.
import { readFile } from "node:fs/promises";
import { UserError } from "../../errors.ts";
import { ensembleRowValues, parseEnsembleCsv } from "../../pest/ensemble-csv.ts";
import { formatForField } from "../../pest/number-format.ts";
import { parseParFile, parValues } from "../../pest/par-file.ts";
import { scanTemplateFile, writeTemplateFile } from "../../pest/template.ts";
import { parseCommandArgs } from "../args.ts";
import type { CliIO } from "../io.ts";

const USAGE = `usage: modelfleet check-template <file.tpl> [--par file.par | --csv ensemble.csv --row NAME] [--write model-input] [--json]

PEST's TEMPCHEK. Checks a PEST template file: its header, every parameter field. With values
(a par file, or one row of an ensemble CSV) it checks that each value fits its field, and with
--write writes the model input file exactly as a run would.

options:
  --par FILE         values from a PEST par file
  --csv FILE         values from an ensemble CSV (pyemu / PEST++ layout), with --row
  --row NAME         the CSV row (realisation name) to take
  --write FILE       write the model input file (only when every value fits)
  --json             the check as JSON

Exit codes: 0 the template is valid (and every value fits); 1 it is not, a value does not
fit, or a file cannot be read; 2 bad command line.`;

export async function checkTemplateCommand(args: string[], io: CliIO): Promise<number> {
  const { values: opts, positionals } = parseCommandArgs(
    "check-template",
    args,
    {
      par: { type: "string" },
      csv: { type: "string" },
      row: { type: "string" },
      write: { type: "string" },
      json: { type: "boolean" },
    },
    USAGE,
  );
  if (opts.help) {
    io.out(USAGE);
    return 0;
  }
  const [tpl, ...extra] = positionals;
  if (tpl === undefined || extra.length > 0) throw new UserError(USAGE, { exitCode: 2 });
  if (opts.par && opts.csv)
    throw new UserError("check-template: give --par or --csv, not both", { exitCode: 2 });
  if (opts.csv && !opts.row)
    throw new UserError("check-template: --csv needs --row NAME (the realisation to write)", { exitCode: 2 });
  if (opts.write && !opts.par && !opts.csv) {
    throw new UserError("check-template: --write needs values: --par file.par, or --csv file --row NAME", {
      exitCode: 2,
    });
  }

  const summary = await scanTemplateFile(tpl, tpl);
  let values: Map<string, number> | undefined;
  if (opts.par) values = parValues(parseParFile(await readBytes(opts.par), opts.par));
  else if (opts.csv)
    values = ensembleRowValues(parseEnsembleCsv(await readBytes(opts.csv), opts.csv), opts.row!);

  const rows = summary.parameters.map((name) => {
    const narrowest = summary.narrowest.get(name)!;
    const value = values?.get(name);
    let problem: string | undefined;
    if (values && value === undefined) problem = "no value given";
    else if (value !== undefined) {
      try {
        formatForField(value, narrowest.width);
      } catch {
        problem = `does not fit the ${narrowest.width}-character field on line ${narrowest.line}`;
      }
    }
    return { name, width: narrowest.width, line: narrowest.line, value, problem };
  });
  const problems = rows.filter((r) => r.problem);
  if (opts.write && problems.length === 0) await writeTemplateFile(tpl, opts.write, values!);

  if (opts.json) {
    io.out(
      JSON.stringify(
        {
          file: tpl,
          delimiter: summary.delimiter,
          fields: summary.fieldCount,
          parameters: rows,
          written: problems.length === 0 ? opts.write : undefined,
        },
        null,
        2,
      ),
    );
  } else {
    io.out(
      `${tpl}: delimiter "${summary.delimiter}", ${summary.fieldCount} field(s), ${summary.parameters.length} parameter(s)`,
    );
    const nameWidth = Math.max(9, ...rows.map((r) => r.name.length));
    io.out(`  ${"parameter".padEnd(nameWidth)}  width  line${values ? "  value" : ""}`);
    for (const r of rows) {
      const shown = r.value === undefined ? "" : `  ${String(r.value)}`;
      io.out(
        `  ${r.name.padEnd(nameWidth)}  ${String(r.width).padStart(5)}  ${String(r.line).padStart(4)}${shown}${r.problem ? `  <- ${r.problem}` : ""}`,
      );
    }
    if (problems.length > 0) io.err(`${problems.length} parameter(s) cannot be written; nothing was written`);
    else if (opts.write) io.out(`wrote ${opts.write}`);
  }
  return problems.length > 0 ? 1 : 0;
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch {
    throw new UserError(`cannot read ${path}: file not found`);
  }
}
