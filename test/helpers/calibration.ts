// Helpers for the calibration tests: the demo's calibration project copied with a smaller
// ensemble, and the CLI run as a separate process, as a user runs it.
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CLI, REPO } from "./project.ts";

export const DEMO = join(REPO, "projects", "demo");

/** projects/demo/calibrate.yaml written into `dir` with `n` realisations, its paths pointing
 * at the demo's model and observations; `extra` is appended (more keys). */
export async function demoCalibrationCopy(dir: string, n: number, extra = ""): Promise<string> {
  const text = (await readFile(join(DEMO, "calibrate.yaml"), "utf8"))
    .replace("n: 50", `n: ${n}`)
    .replace("dir: model", `dir: ${join(DEMO, "model")}`)
    .replace("csv: observations.csv", `csv: ${join(DEMO, "observations.csv")}`);
  const spec = join(dir, "calibrate.yaml");
  await writeFile(spec, `${text}\nallow_external_paths: true\n${extra}`);
  return spec;
}

export interface CliProcess {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  output(): { stdout: string; stderr: string };
}

export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): CliProcess {
  const proc = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env });
  let stdout = "";
  let stderr = "";
  proc.stdout!.on("data", (b) => (stdout += b));
  proc.stderr!.on("data", (b) => (stderr += b));
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  return { proc, exited, output: () => ({ stdout, stderr }) };
}

export async function runCli(
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = startCli(args, env);
  const code = await p.exited;
  return { code, ...p.output() };
}
