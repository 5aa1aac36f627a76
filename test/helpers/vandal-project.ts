// A project whose model, test/models/vandal.mjs, lists its work folder and then does everything
// a model may do to it: for the tests that work folders used again show every realisation
// exactly the model folder plus its templates.
import { execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderTemplate } from "../../src/pest/template.ts";
import { REPO } from "./project.ts";

export const REALISATIONS = 8;

/** A model folder with inputs of every kind, and a spec running vandal.mjs over x = 1..8. */
export async function vandalProject(
  options: { scenario?: string; specExtra?: string } = {},
): Promise<{ dir: string; spec: string }> {
  const dir = await mkdtemp(join(tmpdir(), "mf-folders-"));
  const model = join(dir, "model");
  await mkdir(join(model, "data"), { recursive: true });
  await mkdir(join(model, "emptydir"));
  await cp(join(REPO, "test", "models", "vandal.mjs"), join(model, "vandal.mjs"));
  await writeFile(join(model, "input.dat"), "the input\n");
  await writeFile(join(model, "data", "a.dat"), "a\n");
  await writeFile(join(model, "data", "b.dat"), "b\n");
  await writeFile(join(model, "replace-me.dat"), "a file\n");
  await writeFile(join(model, "same-size.dat"), "0123456789abcdef");
  // An earlier run's outputs, as a model folder people work in has: never in a work folder.
  await writeFile(join(model, "out.txt"), "y 999\n");
  await writeFile(join(model, "model.in.tpl"), "ptf ~\nx ~x                  ~\n");
  await writeFile(join(model, "out.ins"), "pif @\nl1 w !y!\n");
  await writeFile(
    join(dir, "ens.csv"),
    `real_name,x\n${Array.from({ length: REALISATIONS }, (_, i) => `r${i + 1},${i + 1}`).join("\n")}\n`,
  );
  const spec = join(dir, "base.yaml");
  await writeFile(
    spec,
    `project: test
scenario: ${options.scenario ?? "folders"}
model:
  dir: model
  command: [${JSON.stringify(process.execPath)}, vandal.mjs]
  timeout: 20s
  templates: [{ template: model.in.tpl, writes: model.in }]
  instructions: [{ file: out.ins, reads: out.txt }]
  keep: [listing.txt, where.txt]
parameters:
  csv: ens.csv
retries: { infrastructure: 0, model: 0 }
${options.specExtra ?? ""}`,
  );
  return { dir, spec };
}

/** What vandal.mjs lists for a fresh copy of `model` with its template written for `x`. */
export async function listingOf(model: string, values: { x: number }): Promise<string> {
  const copy = await mkdtemp(join(tmpdir(), "mf-folders-expected-"));
  try {
    await cp(model, copy, { recursive: true });
    await rm(join(copy, "out.txt"));
    const template = await readFile(join(model, "model.in.tpl"));
    await writeFile(join(copy, "model.in"), renderTemplate(template, new Map([["x", values.x]])));
    // The listing part of the model alone: it stops before changing anything.
    const script = (await readFile(join(REPO, "test", "models", "vandal.mjs"), "utf8")).split(
      "\nappendFileSync(",
    )[0]!;
    await writeFile(join(copy, "list-only.mjs"), script.replace(/^writeFileSync\("where\.txt".*$/m, ""));
    execFileSync(process.execPath, ["list-only.mjs"], { cwd: copy });
    const listing = await readFile(join(copy, "listing.txt"), "utf8");
    return listing
      .split("\n")
      .filter((l) => !l.includes(" list-only.mjs "))
      .join("\n");
  } finally {
    await rm(copy, { recursive: true, force: true });
  }
}
