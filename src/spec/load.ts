// Loads a project file: YAML with positions, the schema, then every reference it makes
// (folders, templates, instruction files, parameter sets), reporting all problems at once.
import { readFile, stat } from "node:fs/promises";
import { dirname, relative, resolve } from "node:path";
import { errorMessage, PestFormatError, UserError } from "../errors.ts";
import { loadRealisations, type RealisationSet } from "../params/sources.ts";
import { type InstructionFile, parseInstructions } from "../pest/instructions.ts";
import { scanTemplateFile, type TemplateSummary } from "../pest/template.ts";
import { decodeUtf8, NotUtf8Error } from "../pest/text.ts";
import { checkCloudRules } from "./cloud-rules.ts";
import { type Diagnostic, formatDiagnostic, type KeyPath } from "./diagnostics.ts";
import { checkWorkdirPath, resolveInside } from "./paths.ts";
import { checkReferences } from "./references.ts";
import { type ProjectSpec, projectSpecSchema } from "./schema.ts";
import { issuesToDiagnostics } from "./schema-errors.ts";
import { type PositionedYaml, parseYamlWithPositions } from "./yaml-positions.ts";

export interface ResolvedTemplate {
  readonly source: string;
  readonly writes: string;
  /** Scanned, not held field by field: templates of huge arrays stay cheap to validate. */
  readonly parsed: TemplateSummary;
}
export interface ResolvedInstruction {
  readonly source: string;
  readonly reads: string;
  readonly parsed: InstructionFile;
}

/** A spec that validated, with its paths resolved and its files parsed. */
export interface ResolvedSpec {
  /** The path as the user gave it, for messages. */
  readonly file: string;
  readonly path: string;
  readonly dir: string;
  readonly spec: ProjectSpec;
  readonly modelDir: string;
  readonly templates: ResolvedTemplate[];
  readonly instructions: ResolvedInstruction[];
  /** Every non-dummy observation, in instruction order. */
  readonly observations: string[];
  readonly realisations: RealisationSet;
}

export interface SpecValidation {
  readonly file: string;
  readonly diagnostics: Diagnostic[];
  readonly resolved?: ResolvedSpec;
}

export class SpecError extends UserError {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "SpecError";
    this.diagnostics = diagnostics;
  }
}

/** Validates a spec file; never throws for a problem in the file, only returns diagnostics. */
export async function validateSpecFile(file: string): Promise<SpecValidation> {
  let text: string;
  try {
    text = decodeUtf8(await readFile(file), file);
  } catch (e) {
    if (e instanceof NotUtf8Error) {
      return { file, diagnostics: [{ file, line: e.line, column: e.column, path: [], message: e.problem }] };
    }
    const code = (e as NodeJS.ErrnoException).code;
    const message = code === "ENOENT" ? "file not found" : errorMessage(e);
    return { file, diagnostics: [{ file, line: 0, column: 0, path: [], message }] };
  }
  return validateSpecText(text, file);
}

export async function validateSpecText(text: string, file: string): Promise<SpecValidation> {
  const yaml = parseYamlWithPositions(text, file);
  if (yaml.errors.length > 0) return { file, diagnostics: yaml.errors };
  if (yaml.data === null || typeof yaml.data !== "object" || Array.isArray(yaml.data)) {
    return {
      file,
      diagnostics: [
        {
          file,
          line: 1,
          column: 1,
          path: [],
          message: "expected a mapping with `project`, `scenario`, `model` and `parameters`",
        },
      ],
    };
  }
  const parsed = projectSpecSchema.safeParse(yaml.data);
  if (!parsed.success) {
    return {
      file,
      diagnostics: byPosition(file, issuesToDiagnostics(parsed.error.issues, projectSpecSchema, yaml, file)),
    };
  }
  return resolveReferences(parsed.data, yaml, file);
}

/** Problems in this file first, in the order they appear; then those in files it names. */
function byPosition(file: string, list: Diagnostic[]): Diagnostic[] {
  return list
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const fa = a.d.file === file ? 0 : 1;
      const fb = b.d.file === file ? 0 : 1;
      return fa - fb || a.d.line - b.d.line || a.d.column - b.d.column || a.i - b.i;
    })
    .map((x) => x.d);
}

/** Loads a spec or throws a SpecError listing every problem. */
export async function loadSpec(file: string): Promise<ResolvedSpec> {
  const v = await validateSpecFile(file);
  if (!v.resolved || v.diagnostics.length > 0) throw new SpecError(v.diagnostics);
  return v.resolved;
}

async function resolveReferences(
  spec: ProjectSpec,
  yaml: PositionedYaml,
  file: string,
): Promise<SpecValidation> {
  const path = resolve(file);
  const dir = dirname(path);
  const diagnostics: Diagnostic[] = [];
  const at = (keyPath: KeyPath, message: string, fix?: string) =>
    diagnostics.push({ file, ...yaml.locate(keyPath), path: keyPath, message, ...(fix ? { fix } : {}) });
  const inFile = (keyPath: KeyPath, e: unknown) => {
    if (e instanceof PestFormatError) {
      diagnostics.push({
        file: e.file,
        line: e.line ?? 0,
        column: e.line ? 1 : 0,
        path: keyPath,
        message: e.detail,
      });
    } else at(keyPath, errorMessage(e));
  };
  const allowExternal = spec.allow_external_paths;

  const modelDirCheck = resolveInside(dir, dir, spec.model.dir, { allowExternal });
  let modelDir = resolve(dir, spec.model.dir);
  if (!modelDirCheck.ok) at(["model", "dir"], modelDirCheck.message, modelDirCheck.fix);
  else {
    modelDir = modelDirCheck.path;
    const s = await stat(modelDir).catch(() => undefined);
    if (!s)
      at(
        ["model", "dir"],
        `model folder "${spec.model.dir}" not found`,
        "check the path (relative to this file)",
      );
    else if (!s.isDirectory()) at(["model", "dir"], `"${spec.model.dir}" is a file, not a folder`);
  }

  const findPestFile = async (
    keyPath: KeyPath,
    rel: string,
    kind: string,
  ): Promise<{ path: string; shown: string } | undefined> => {
    const where = resolveInside(dir, modelDir, rel, { allowExternal });
    if (!where.ok) {
      at(keyPath, where.message, where.fix);
      return undefined;
    }
    const s = await stat(where.path).catch(() => undefined);
    if (!s?.isFile()) {
      at(
        keyPath,
        `${kind} "${rel}" not found in the model folder`,
        `check the name (relative to model.dir "${spec.model.dir}")`,
      );
      return undefined;
    }
    return { path: where.path, shown: relative(dir, where.path) || rel };
  };

  const templates: ResolvedTemplate[] = [];
  const writes = new Map<string, number>();
  for (const [i, t] of spec.model.templates.entries()) {
    const w = checkWorkdirPath(t.writes);
    if (!w.ok) at(["model", "templates", i, "writes"], w.message, w.fix);
    else if (writes.has(w.path)) {
      at(
        ["model", "templates", i, "writes"],
        `"${t.writes}" is also written by templates[${writes.get(w.path)}]`,
        "each template writes its own file",
      );
    } else writes.set(w.path, i);
    const found = await findPestFile(["model", "templates", i, "template"], t.template, "template file");
    if (!found) continue;
    try {
      templates.push({
        source: found.path,
        writes: w.ok ? w.path : t.writes,
        parsed: await scanTemplateFile(found.path, found.shown),
      });
    } catch (e) {
      inFile(["model", "templates", i, "template"], e);
    }
  }

  const instructions: ResolvedInstruction[] = [];
  const observedIn = new Map<string, string>();
  for (const [i, ins] of spec.model.instructions.entries()) {
    const r = checkWorkdirPath(ins.reads);
    if (!r.ok) at(["model", "instructions", i, "reads"], r.message, r.fix);
    const found = await findPestFile(["model", "instructions", i, "file"], ins.file, "instruction file");
    if (!found) continue;
    const read = { shown: found.shown, text: await readFile(found.path) };
    try {
      const parsed = parseInstructions(read.text, read.shown);
      for (const name of parsed.observations) {
        const other = observedIn.get(name);
        if (other !== undefined && other !== read.shown) {
          at(
            ["model", "instructions", i, "file"],
            `observation \`${name}\` is also read by ${other}`,
            "observation names must be unique across instruction files",
          );
        }
        observedIn.set(name, read.shown);
      }
      instructions.push({ source: found.path, reads: r.ok ? r.path : ins.reads, parsed });
    } catch (e) {
      inFile(["model", "instructions", i, "file"], e);
    }
  }

  if (spec.model.success.file !== undefined) {
    const s = checkWorkdirPath(spec.model.success.file);
    if (!s.ok) at(["model", "success", "file"], s.message, s.fix);
  }

  const realisations = await loadRealisations(spec, { specDir: dir, allowExternal });
  for (const p of realisations.problems) {
    if (p.at)
      diagnostics.push({
        file: p.at.file,
        line: p.at.line ?? 0,
        column: p.at.line ? 1 : 0,
        path: p.path,
        message: p.message,
        ...(p.fix ? { fix: p.fix } : {}),
      });
    else at(p.path, p.message, p.fix);
  }

  const observations = instructions.flatMap((i) => i.parsed.observations);
  for (const problem of checkReferences({
    spec,
    templates,
    observations,
    realisations: realisations.realisations,
    transforms: realisations.transforms,
  })) {
    at(problem.path, problem.message, problem.fix);
  }
  for (const problem of checkCloudRules(spec)) at(problem.path, problem.message, problem.fix);

  const resolved: ResolvedSpec = {
    file,
    path,
    dir,
    spec,
    modelDir,
    templates,
    instructions,
    observations,
    realisations,
  };
  return { file, diagnostics: byPosition(file, diagnostics), resolved };
}
