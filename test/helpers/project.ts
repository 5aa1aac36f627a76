// Builds small project folders in a temp directory for engine and CLI tests.
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const REPO = join(import.meta.dirname, "..", "..");
export const CLI = join(REPO, "src", "cli", "bin.ts");

export interface TestProject {
  readonly dir: string;
  readonly spec: string;
  readonly results: string;
  readonly work: string;
  setParams(id: number | string, params: { x: number; mode?: number }): Promise<void>;
  remove(): Promise<void>;
}

/** A project running test/models/behave.mjs over `params` (one par file each, ids 1..n). */
export async function makeProject(options: {
  params: ReadonlyArray<{ x: number; mode?: number }>;
  specExtra?: string;
  timeout?: string;
}): Promise<TestProject> {
  const dir = await mkdtemp(join(tmpdir(), "mf-proj-"));
  await mkdir(join(dir, "model"));
  await mkdir(join(dir, "params"));
  await cp(join(REPO, "test", "models", "behave.mjs"), join(dir, "model", "behave.mjs"));
  await writeFile(join(dir, "model", "model.in.tpl"), "ptf ~\nx    ~x                  ~\nmode ~mode    ~\n");
  await writeFile(join(dir, "model", "out.ins"), "pif @\n@RESULTS@\nl1 w !y!\nl1 w !z!\n");
  const setParams = async (id: number | string, p: { x: number; mode?: number }) =>
    writeFile(join(dir, "params", `param${id}.par`), `single point\nx ${p.x} 1 0\nmode ${p.mode ?? 0} 1 0\n`);
  for (const [i, p] of options.params.entries()) await setParams(i + 1, p);
  const spec = join(dir, "base.yaml");
  await writeFile(
    spec,
    `project: test
scenario: base
model:
  dir: model
  command: [${JSON.stringify(process.execPath)}, behave.mjs]
  timeout: ${options.timeout ?? "20s"}
  templates: [{ template: model.in.tpl, writes: model.in }]
  instructions: [{ file: out.ins, reads: out.txt }]
  success: { file: out.txt, not_contains: FAILED }
  keep: [out.txt]
parameters:
  par_files: params/param{id}.par
  ids: "1-${options.params.length}"
retries: { infrastructure: 2, model: 0 }
${options.specExtra ?? ""}`,
  );
  return {
    dir,
    spec,
    results: join(dir, ".results"),
    work: join(dir, ".work"),
    setParams,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
