// Reads every project file under projects/ (projects/<project>/<scenario>.yaml) with the
// project file loader, so the infrastructure is built only from files `validate` accepts, and
// groups them into stacks. Every problem in every file is reported at once, located.
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { CLOSED_FILE } from "../../src/close/closed-marker.ts";
import { UserError } from "../../src/errors.ts";
import { type Diagnostic, formatDiagnostic } from "../../src/spec/diagnostics.ts";
import { validateSpecFile } from "../../src/spec/load.ts";
import { parseYamlWithPositions } from "../../src/spec/yaml-positions.ts";
import { groupProjectStacks, type ProjectStackInput, type ScenarioInput } from "./project-inputs.ts";

/** projects/<folder>/<file>.yaml, sorted; the model folders below them are not searched. */
export async function findProjectFiles(projectsDir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(projectsDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    // A closed project keeps its files, but nothing of it is built again.
    if (existsSync(join(projectsDir, entry.name, CLOSED_FILE))) continue;
    for (const file of await readdir(join(projectsDir, entry.name), { withFileTypes: true })) {
      if (file.isFile() && /\.ya?ml$/.test(file.name)) files.push(join(projectsDir, entry.name, file.name));
    }
  }
  return files.sort();
}

export async function loadProjectStacks(options: {
  readonly projectsDir: string;
  /** Paths in messages are shown relative to this folder. */
  readonly cwd: string;
}): Promise<ProjectStackInput[]> {
  const diagnostics: Diagnostic[] = [];
  const inputs: ScenarioInput[] = [];
  for (const path of await findProjectFiles(options.projectsDir)) {
    const file = relative(options.cwd, path);
    const v = await validateSpecFile(path);
    if (v.diagnostics.length > 0 || !v.resolved) {
      diagnostics.push(...v.diagnostics.map((d) => (d.file === path ? { ...d, file } : d)));
      continue;
    }
    inputs.push({ file, spec: v.resolved.spec });
  }
  const { stacks, problems } = groupProjectStacks(inputs);
  for (const p of problems) {
    const yaml = parseYamlWithPositions(await readFile(join(options.cwd, p.file), "utf8"), p.file);
    diagnostics.push({
      file: p.file,
      ...yaml.locate(p.path),
      path: p.path,
      message: p.message,
      ...(p.fix ? { fix: p.fix } : {}),
    });
  }
  if (diagnostics.length > 0) {
    throw new UserError(
      `${diagnostics.length} problem${diagnostics.length === 1 ? "" : "s"} in the project files; nothing was synthesised:\n${diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join("\n")}`,
    );
  }
  return stacks;
}
