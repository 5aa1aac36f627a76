// The folders pestpp-ies runs in: the manager's and each agent's, each a copy of the model
// folder with the control file, a wrapper script that runs the model (PEST++ starts commands
// without a shell, so the spec's environment and shell command live in the script), and, in the
// manager's, the prior ensemble and the observations plus noise as CSV files.
import { chmod, cp, mkdir, rm, writeFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { writeEnsembleCsv } from "../../pest/ensemble-csv.ts";
import { isInside } from "../../spec/paths.ts";
import type { CalibrationSetup } from "../run-calibration.ts";
import { observationsPlusNoise } from "../smoother.ts";
import { writeControlFile } from "./pst-writer.ts";

export const MODEL_SCRIPT = "modelfleet-model.sh";
const EXTRA = ".modelfleet-extra";

export interface PestppWorkspace {
  readonly caseName: string;
  readonly pst: string;
  readonly manager: string;
  /** What each agent's folder needs besides the model folder: the control file and the script. */
  readonly agentFiles: ReadonlyArray<{
    readonly name: string;
    readonly text: string;
    readonly mode?: number;
  }>;
}

/** Prepares `<root>/manager` for a pestpp-ies run of the setup (removing an earlier one). */
export async function prepareManager(setup: CalibrationSetup, root: string): Promise<PestppWorkspace> {
  const { resolved, settings, targets } = setup;
  const caseName = resolved.spec.scenario;
  const manager = join(root, "manager");
  await rm(root, { recursive: true, force: true });
  await copyModel(setup, manager);
  const place = (source: string) =>
    isInside(resolved.modelDir, source)
      ? relative(resolved.modelDir, source).split("\\").join("/")
      : `${EXTRA}/${basename(source)}`;
  const prior = resolved.realisations.realisations;
  const reals = prior.map((r) => r.id);
  const noise = observationsPlusNoise(targets, reals, settings);
  const counted = targets.filter((t) => t.weight > 0).map((t) => t.name);
  const files = {
    templates: resolved.templates.map((t) => ({ template: place(t.source), writes: t.writes })),
    instructions: resolved.instructions.map((i) => ({ file: place(i.source), reads: i.reads })),
    command: `sh ${MODEL_SCRIPT}`,
    parameterEnsemble: `${caseName}.prior.csv`,
    observationEnsemble: `${caseName}.obs+noise.input.csv`,
  };
  const pst = writeControlFile(setup, files);
  const script = modelScript(setup);
  await writeFile(
    join(manager, files.parameterEnsemble),
    writeEnsembleCsv({
      columns: [...setup.space.names],
      rows: prior.map((r) => ({ name: r.id, values: setup.space.names.map((n) => r.values.get(n)!) })),
    }),
  );
  await writeFile(
    join(manager, files.observationEnsemble),
    writeEnsembleCsv({
      columns: counted,
      rows: reals.map((r) => ({ name: r, values: counted.map((o) => noise.get(r)![o]!) })),
    }),
  );
  const agentFiles = [
    { name: `${caseName}.pst`, text: pst },
    { name: MODEL_SCRIPT, text: script, mode: 0o755 },
  ];
  for (const f of agentFiles) await writeFile(join(manager, f.name), f.text, { mode: f.mode ?? 0o644 });
  return { caseName, pst: `${caseName}.pst`, manager, agentFiles };
}

/** A copy of the model folder (with templates and instruction files kept outside it) at `dest`. */
export async function copyModel(setup: CalibrationSetup, dest: string): Promise<void> {
  const { resolved } = setup;
  await mkdir(dest, { recursive: true });
  await cp(resolved.modelDir, dest, { recursive: true, dereference: true });
  for (const source of [
    ...resolved.templates.map((t) => t.source),
    ...resolved.instructions.map((i) => i.source),
  ]) {
    if (isInside(resolved.modelDir, source)) continue;
    await mkdir(join(dest, EXTRA), { recursive: true });
    await cp(source, join(dest, EXTRA, basename(source)));
  }
}

/** An agent's folder: the model and the files every agent needs. */
export async function prepareAgent(
  setup: CalibrationSetup,
  workspace: PestppWorkspace,
  dir: string,
): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await copyModel(setup, dir);
  for (const f of workspace.agentFiles) {
    await writeFile(join(dir, f.name), f.text);
    if (f.mode) await chmod(join(dir, f.name), f.mode);
  }
}

/** sh script: the spec's environment, then the model command (through sh -c with `shell`). */
export function modelScript(setup: CalibrationSetup): string {
  const m = setup.resolved.spec.model;
  const lines = [
    "#!/bin/sh",
    "# Written by modelfleet: runs the model as the project file says (environment, command).",
  ];
  for (const [k, v] of Object.entries(m.env)) lines.push(`export ${k}=${shellQuote(v)}`);
  const command = typeof m.command === "string" ? m.command : m.command.map(shellQuote).join(" ");
  lines.push(m.shell || typeof m.command === "string" ? command : `exec ${command}`);
  return `${lines.join("\n")}\n`;
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./=:@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}
