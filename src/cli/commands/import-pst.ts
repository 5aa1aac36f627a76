// `modelfleet import-pst case.pst --out projects/<project>/<scenario>.yaml`: a project file
// from an existing PEST setup, validated before the command says it is done.
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, dirname, extname, join, relative, resolve } from "node:path";
import { errorMessage, UserError } from "../../errors.ts";
import { readControlFile } from "../../pest/control-file.ts";
import { parseEnsembleCsv } from "../../pest/ensemble-csv.ts";
import { formatDiagnostic } from "../../spec/diagnostics.ts";
import { projectFromControlFile } from "../../spec/from-pst.ts";
import { validateSpecFile } from "../../spec/load.ts";
import { isInside } from "../../spec/paths.ts";
import { parseCommandArgs } from "../args.ts";
import type { CliIO } from "../io.ts";

const USAGE = `usage: modelfleet import-pst <case>/<case.pst> --out projects/<project>/<scenario>.yaml [options]

The .pst's folder becomes the model folder (copied for every realisation), so --out must lie
outside it.

options:
  --project NAME    project name (default: the --out file's folder)
  --scenario NAME   scenario name (default: the --out file's name)
  --n N             realisations to sample from the priors (default: ++ies_num_reals, else 100)
  --seed N          sampling seed (default 1)
  --csv FILE        use this ensemble CSV instead of sampling
  --force           overwrite --out if it exists

Exit codes: 0 the project file was written and is valid; 1 it was written but needs attention
before it can run (what is listed), or the control file could not be read; 2 bad command line.`;

export async function importPstCommand(args: string[], io: CliIO): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(
    "import-pst",
    args,
    {
      out: { type: "string", short: "o" },
      project: { type: "string" },
      scenario: { type: "string" },
      n: { type: "string" },
      seed: { type: "string" },
      csv: { type: "string" },
      force: { type: "boolean" },
    },
    USAGE,
  );
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const [pstPath, ...extra] = positionals;
  if (pstPath === undefined || extra.length > 0 || o.out === undefined)
    throw new UserError(USAGE, { exitCode: 2 });
  const out = resolve(io.cwd, o.out);
  if (!o.force && (await stat(out).catch(() => undefined))) {
    throw new UserError(`import-pst: ${o.out} exists; choose another --out, or add --force to overwrite it`);
  }
  const pst = await readControlFile(resolve(io.cwd, pstPath));
  const outDir = dirname(out);
  const pstDir = dirname(resolve(io.cwd, pstPath));
  const project = slug(o.project ?? basename(outDir));
  if (isInside(pstDir, out)) {
    // The case's folder is the model folder: a project file in it would be part of the model.
    const instead = relative(io.cwd, join(dirname(pstDir), "projects", project, basename(out)));
    throw new UserError(
      `import-pst: ${o.out} would lie inside the PEST case's folder, which becomes the model folder ` +
        "(copied into every work folder and part of every realisation's key): every edit to the project file " +
        `would run every realisation again; write it outside that folder, such as --out ${instead.split("\\").join("/")}`,
    );
  }
  const n =
    o.n !== undefined
      ? positiveInt(o.n, "--n")
      : positiveInt(pst.pestpp.ies_num_reals ?? "100", "++ies_num_reals");
  const seed = o.seed !== undefined ? positiveInt(o.seed, "--seed", 0) : 1;
  const csv = o.csv === undefined ? undefined : await csvColumns(resolve(io.cwd, o.csv), o.csv, outDir);
  const { yaml, notes } = projectFromControlFile(pst, {
    project,
    scenario: slug(o.scenario ?? basename(out, extname(out))),
    modelDir: relative(outDir, pstDir).split("\\").join("/") || ".",
    pstName: basename(pstPath),
    allowExternalPaths: !isInside(outDir, pstDir),
    n,
    seed,
    ...(csv ? { csv } : {}),
  });
  await mkdir(outDir, { recursive: true });
  await writeFile(out, yaml);
  io.out(
    `wrote ${o.out}: ${pst.parameters.length} parameters, ${pst.templates.length} template(s), ${pst.instructions.length} instruction file(s)`,
  );
  for (const note of notes) io.out(`  note: ${note}`);
  const check = await validateSpecFile(out);
  if (check.diagnostics.length > 0) {
    io.err(`${o.out} needs attention before it can run:`);
    for (const d of check.diagnostics) io.err(`  ${formatDiagnostic(d)}`);
    return 1;
  }
  io.out(
    `${o.out} is valid: ${check.resolved!.realisations.realisations.length} realisations, ${check.resolved!.observations.length} observations`,
  );
  return 0;
}

/** The CSV's path as the project file names it, and its parameter columns. */
async function csvColumns(path: string, shown: string, outDir: string) {
  const bytes = await readFile(path).catch((e: unknown) => {
    throw new UserError(`import-pst: cannot read --csv ${shown}: ${errorMessage(e)}`);
  });
  const { columns } = parseEnsembleCsv(bytes, shown);
  return { path: relative(outDir, path).split("\\").join("/"), columns };
}

function positiveInt(text: string, what: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min)
    throw new UserError(`import-pst: ${what} must be a whole number >= ${min}, got "${text}"`, {
      exitCode: 2,
    });
  return n;
}

function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40);
  return s === "" ? "imported" : s;
}
