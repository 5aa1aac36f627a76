// Loads a project file: YAML with positions, the schema, then every reference it makes
// (folders, templates, instruction files, parameter sets), reporting all problems at once.
import { readFile, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { z } from "zod";
import { errorMessage, PestFormatError, UserError } from "../errors.ts";
import { loadRealisations, type RealisationSet } from "../params/sources.ts";
import { NO_TRANSFORMS } from "../params/transforms.ts";
import { FormatProblems, moreProblems, PROBLEMS_SHOWN_PER_FILE } from "../pest/format-problems.ts";
import { type InstructionFile, parseInstructions } from "../pest/instructions.ts";
import { scanTemplateFile, type TemplateSummary } from "../pest/template.ts";
import { decodeUtf8, NotUtf8Error } from "../pest/text.ts";
import { checkCloudRules } from "./cloud-rules.ts";
import { type Diagnostic, formatDiagnostic, type KeyPath } from "./diagnostics.ts";
import { listModelFolder } from "./model-folder.ts";
import { checkWorkdirPath, isInside, resolveInside } from "./paths.ts";
import { findInProject, type ProjectRoot, projectRoot } from "./project-files.ts";
import { checkReferences } from "./references.ts";
import { instructionPair, modelSchema, type ProjectSpec, projectSpecSchema, templatePair } from "./schema.ts";
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
  /** The project folder, where symlinks may lead (see project-files.ts). */
  readonly root: ProjectRoot;
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

/** Project files larger than this are refused before they are parsed. Real ones are a few
 * kilobytes (1 MB is some 25,000 lines); what makes one grow is a long inline list, which
 * belongs in a file. Parsing YAML costs far more than its size in time and memory, so the
 * limit stays low. */
export const MAX_SPEC_BYTES = 1024 * 1024;

function tooLarge(file: string, bytes: number): SpecValidation {
  return {
    file,
    diagnostics: [
      {
        file,
        line: 0,
        column: 0,
        path: [],
        // Bytes, exactly: "1.0 MB" of a file just over the limit reads as within it.
        message: `the project file is ${groupDigits(bytes)} bytes (${(bytes / 1024 / 1024).toFixed(1)} MB); project files may be at most ${MAX_SPEC_BYTES / 1024 / 1024} MB (${groupDigits(MAX_SPEC_BYTES)} bytes)`,
        fix: "move long lists into files: ids into an id list file (`ids: ids.txt`), parameter sets into par files or an ensemble CSV (`csv:`)",
      },
    ],
  };
}

function groupDigits(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ",");
}

/** Validates a spec file; never throws for a problem in the file, only returns diagnostics. */
export async function validateSpecFile(file: string): Promise<SpecValidation> {
  const whole = (message: string, fix?: string): SpecValidation => ({
    file,
    diagnostics: [{ file, line: 0, column: 0, path: [], message, ...(fix ? { fix } : {}) }],
  });
  let text: string;
  try {
    const s = await stat(file);
    if (s.isDirectory()) return whole("is a folder, not a project file", "name the project's .yaml file");
    if (s.size > MAX_SPEC_BYTES) return tooLarge(file, s.size);
    text = decodeUtf8(await readFile(file), file);
  } catch (e) {
    if (e instanceof NotUtf8Error) {
      return { file, diagnostics: [{ file, line: e.line, column: e.column, path: [], message: e.problem }] };
    }
    const code = (e as NodeJS.ErrnoException).code;
    return whole(code === "ENOENT" ? "file not found" : errorMessage(e));
  }
  return validateSpecText(text, file);
}

export async function validateSpecText(text: string, file: string): Promise<SpecValidation> {
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_SPEC_BYTES) return tooLarge(file, bytes);
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
  if (parsed.success) return resolveReferences(parsed.data, yaml, file);
  // Every part that is valid on its own is still checked against the files it names: a
  // misspelt key must not hide a missing par file.
  const schemaProblems = issuesToDiagnostics(parsed.error.issues, projectSpecSchema, yaml, file);
  const parts = salvageParts(yaml.data as Record<string, unknown>);
  const checked = await checkParts(parts, yaml, file);
  return { file, diagnostics: byPosition(file, [...schemaProblems, ...checked.diagnostics]) };
}

/** The parts of a spec the file checks need; a part is absent when it did not validate. A
 * list of templates or instruction files keeps its valid items in place, with holes for the
 * others, so each is still named by its index. */
interface SpecParts {
  readonly model: Partial<Omit<ProjectSpec["model"], "templates" | "instructions">> & {
    readonly templates?: ReadonlyArray<ProjectSpec["model"]["templates"][number] | undefined>;
    readonly instructions?: ReadonlyArray<ProjectSpec["model"]["instructions"][number] | undefined>;
  };
  readonly parameters?: ProjectSpec["parameters"];
  readonly alerts?: ProjectSpec["alerts"];
  readonly report?: ProjectSpec["report"];
  readonly resources?: ProjectSpec["resources"];
  readonly cloud?: ProjectSpec["cloud"];
  readonly allow_external_paths?: boolean;
}

function salvageParts(data: Record<string, unknown>): SpecParts {
  const valid = <T>(schema: z.ZodType<T>, value: unknown): T | undefined => {
    const r = schema.safeParse(value);
    return r.success ? r.data : undefined;
  };
  const top = projectSpecSchema.shape;
  const modelData = data.model;
  const model: Record<string, unknown> = {};
  if (modelData !== null && typeof modelData === "object" && !Array.isArray(modelData)) {
    const items: Record<string, z.ZodType> = { templates: templatePair, instructions: instructionPair };
    for (const [key, schema] of Object.entries(modelSchema.shape)) {
      const value = (modelData as Record<string, unknown>)[key];
      const v = valid(schema as z.ZodType, value);
      if (v !== undefined) model[key] = v;
      else if (items[key] && Array.isArray(value)) model[key] = value.map((item) => valid(items[key]!, item));
    }
  }
  return {
    model: model as Partial<ProjectSpec["model"]>,
    ...optional("parameters", valid(top.parameters, data.parameters)),
    ...optional("alerts", valid(top.alerts, data.alerts)),
    ...optional("report", valid(top.report, data.report)),
    ...optional("resources", valid(top.resources, data.resources)),
    ...optional("cloud", valid(top.cloud, data.cloud)),
    ...optional("allow_external_paths", valid(top.allow_external_paths, data.allow_external_paths)),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [k in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [k in K]?: V };
}

/** Problems in this file first, in the order they appear; then those in each file it names,
 * file by file, in the order they were found (line by line). */
function byPosition(file: string, list: Diagnostic[]): Diagnostic[] {
  const order = new Map<string, number>();
  for (const d of list) if (d.file !== file && !order.has(d.file)) order.set(d.file, order.size + 1);
  const rank = (d: Diagnostic) => (d.file === file ? 0 : order.get(d.file)!);
  return list
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const fa = rank(a.d);
      const fb = rank(b.d);
      if (fa !== fb) return fa - fb;
      if (fa !== 0) return a.i - b.i;
      return a.d.line - b.d.line || a.d.column - b.d.column || a.i - b.i;
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
  const checked = await checkParts(spec, yaml, file);
  const c = checked.resolved!;
  const resolved: ResolvedSpec = {
    file,
    path: c.path,
    dir: c.dir,
    root: c.root,
    spec,
    modelDir: c.modelDir,
    templates: c.templates,
    instructions: c.instructions,
    observations: c.observations,
    realisations: c.realisations,
  };
  return { file, diagnostics: byPosition(file, checked.diagnostics), resolved };
}

interface CheckedParts {
  readonly diagnostics: Diagnostic[];
  /** Set when every path could be checked (`allow_external_paths` is valid). */
  readonly resolved?: {
    readonly path: string;
    readonly dir: string;
    readonly root: ProjectRoot;
    readonly modelDir: string;
    readonly templates: ResolvedTemplate[];
    readonly instructions: ResolvedInstruction[];
    readonly observations: string[];
    readonly realisations: RealisationSet;
  };
}

/** Checks every file the valid parts of a spec name, and the parts against each other. */
async function checkParts(parts: SpecParts, yaml: PositionedYaml, file: string): Promise<CheckedParts> {
  const path = resolve(file);
  const dir = dirname(path);
  const diagnostics: Diagnostic[] = [];
  const at = (keyPath: KeyPath, message: string, fix?: string) =>
    diagnostics.push({ file, ...yaml.locate(keyPath), path: keyPath, message, ...(fix ? { fix } : {}) });
  /** A problem inside a file the spec names: located there, and at the spec's key. */
  const inFile = (
    keyPath: KeyPath,
    shownFile: string,
    line: number | undefined,
    message: string,
    fix?: string,
  ) =>
    diagnostics.push({
      file: isAbsolute(shownFile) ? shownFile : join(dirname(file), shownFile),
      line: line ?? 0,
      column: line ? 1 : 0,
      path: keyPath,
      message,
      ...(fix ? { fix } : {}),
      from: { file, ...yaml.locate(keyPath) },
    });
  const fromError = (keyPath: KeyPath, e: unknown) => {
    if (e instanceof PestFormatError) inFile(keyPath, e.file, e.line, e.detail);
    else at(keyPath, errorMessage(e));
  };
  const fromProblems = (keyPath: KeyPath, problems: FormatProblems) => {
    for (const e of problems.kept) fromError(keyPath, e);
    if (problems.more > 0) inFile(keyPath, problems.file, undefined, moreProblems(problems.more));
  };
  // Whether a path may leave the project decides every verdict below.
  if (parts.allow_external_paths === undefined) return { diagnostics };
  const allowExternal = parts.allow_external_paths;
  const root = await projectRoot(dir, allowExternal);
  const m = parts.model;

  let modelDir = resolve(dir, m.dir ?? ".");
  let modelDirOk = false;
  if (m.dir !== undefined) {
    const where = resolveInside(dir, dir, m.dir, { allowExternal });
    if (!where.ok) at(["model", "dir"], where.message, where.fix);
    else {
      modelDir = where.path;
      const found = await findInProject(root, modelDir, m.dir, "folder");
      if (found.ok) modelDirOk = true;
      else if (found.missing)
        at(["model", "dir"], `model folder "${m.dir}" not found`, "check the path (relative to this file)");
      else at(["model", "dir"], found.message, found.fix);
    }
  }
  if (modelDirOk) {
    // The model folder is the model: copied into every work folder and hashed into every key.
    const [realModel, realSpec] = await Promise.all([
      realpath(modelDir).catch(() => modelDir),
      realpath(path).catch(() => path),
    ]);
    if (isInside(realModel, realSpec)) {
      at(
        ["model", "dir"],
        `the model folder "${m.dir}" holds this project file, so every edit to the project file (a comment) would change the model and run every realisation again`,
        "move the model into a folder of its own (such as model/) and name that folder here",
      );
    }
    const listing = await listModelFolder(modelDir, root);
    for (const p of listing.problems.slice(0, PROBLEMS_SHOWN_PER_FILE))
      at(["model", "dir"], p.message, p.fix);
    const more = listing.problems.length - PROBLEMS_SHOWN_PER_FILE;
    if (more > 0) at(["model", "dir"], moreProblems(more, "in the model folder"));
  }

  /** A template or instruction file: inside the project, a file, found in the model folder. */
  const findPestFile = async (
    keyPath: KeyPath,
    rel: string,
    kind: string,
  ): Promise<{ path: string; shown: string } | undefined> => {
    if (!modelDirOk) return undefined;
    const where = resolveInside(dir, modelDir, rel, { allowExternal });
    if (!where.ok) {
      at(keyPath, where.message, where.fix);
      return undefined;
    }
    const shown = isInside(dir, where.path) ? relative(dir, where.path) || rel : where.path;
    const found = await findInProject(root, where.path, shown, "file");
    if (!found.ok) {
      if (found.missing)
        at(
          keyPath,
          `${kind} "${rel}" not found in the model folder`,
          `check the name (relative to model.dir "${m.dir}")`,
        );
      else at(keyPath, found.message, found.fix);
      return undefined;
    }
    return { path: where.path, shown };
  };
  /** A file the model reads or writes in its work folder must not be a folder of the bundle. */
  const notAFolder = async (keyPath: KeyPath, rel: string, verb: string) => {
    if (!modelDirOk) return;
    const s = await stat(join(modelDir, rel)).catch(() => undefined);
    if (s?.isDirectory())
      at(
        keyPath,
        `"${rel}" is a folder in the model folder, so nothing can ${verb} it as a file`,
        "name a file",
      );
  };

  const templates: ResolvedTemplate[] = [];
  const checkedTemplates: { index: number; template: ResolvedTemplate }[] = [];
  const writes = new Map<string, number>();
  // Whether a fixed value is used by no template can only be judged when all were read.
  let everyTemplateRead = m.templates !== undefined;
  for (const [i, t] of (m.templates ?? []).entries()) {
    if (t === undefined) {
      everyTemplateRead = false;
      continue;
    }
    const w = checkWorkdirPath(t.writes);
    if (!w.ok) at(["model", "templates", i, "writes"], w.message, w.fix);
    else if (writes.has(w.path)) {
      at(
        ["model", "templates", i, "writes"],
        `"${t.writes}" is also written by templates[${writes.get(w.path)}]`,
        "each template writes its own file",
      );
    } else {
      writes.set(w.path, i);
      await notAFolder(["model", "templates", i, "writes"], w.path, "write");
    }
    const found = await findPestFile(["model", "templates", i, "template"], t.template, "template file");
    if (!found) {
      everyTemplateRead = false;
      continue;
    }
    const problems = new FormatProblems(found.shown);
    try {
      const template = {
        source: found.path,
        writes: w.ok ? w.path : t.writes,
        parsed: await scanTemplateFile(found.path, found.shown, problems),
      };
      templates.push(template);
      checkedTemplates.push({ index: i, template });
    } catch (e) {
      fromError(["model", "templates", i, "template"], e);
      everyTemplateRead = false;
    }
    if (problems.count > 0) everyTemplateRead = false;
    fromProblems(["model", "templates", i, "template"], problems);
  }

  const instructions: ResolvedInstruction[] = [];
  const observedIn = new Map<string, string>();
  let everyInstructionRead = m.instructions !== undefined;
  for (const [i, ins] of (m.instructions ?? []).entries()) {
    if (ins === undefined) {
      everyInstructionRead = false;
      continue;
    }
    const keyPath: KeyPath = ["model", "instructions", i, "file"];
    const r = checkWorkdirPath(ins.reads);
    if (!r.ok) at(["model", "instructions", i, "reads"], r.message, r.fix);
    else await notAFolder(["model", "instructions", i, "reads"], r.path, "read");
    const found = await findPestFile(keyPath, ins.file, "instruction file");
    if (!found) {
      everyInstructionRead = false;
      continue;
    }
    const problems = new FormatProblems(found.shown);
    try {
      const parsed = parseInstructions(await readFile(found.path), found.shown, problems);
      for (const name of parsed.observations) {
        const other = observedIn.get(name);
        if (other !== undefined && other !== found.shown) {
          at(
            keyPath,
            `observation \`${name}\` is also read by ${other}`,
            "observation names must be unique across instruction files",
          );
        }
        observedIn.set(name, found.shown);
      }
      instructions.push({ source: found.path, reads: r.ok ? r.path : ins.reads, parsed });
    } catch (e) {
      fromError(keyPath, e);
      everyInstructionRead = false;
    }
    if (problems.count > 0) everyInstructionRead = false;
    fromProblems(keyPath, problems);
  }

  if (m.success?.file !== undefined) {
    const s = checkWorkdirPath(m.success.file);
    if (!s.ok) at(["model", "success", "file"], s.message, s.fix);
    else await notAFolder(["model", "success", "file"], s.path, "produce");
  }

  const realisations: RealisationSet = parts.parameters
    ? await loadRealisations({ parameters: parts.parameters }, { specDir: dir, allowExternal })
    : { realisations: [], problems: [], files: [], transforms: NO_TRANSFORMS };
  for (const p of realisations.problems) {
    if (p.at) inFile(p.path, p.at.file, p.at.line, p.message, p.fix);
    else at(p.path, p.message, p.fix);
  }

  const observations = instructions.flatMap((i) => i.parsed.observations);
  for (const problem of checkReferences({
    templates: checkedTemplates,
    realisations: realisations.realisations,
    transforms: realisations.transforms,
    ...(parts.parameters ? { fixed: parts.parameters.fixed } : {}),
    allTemplatesRead: everyTemplateRead,
    // An instruction file that could not be read leaves its observations unknown: alerts on
    // them are not reported as well.
    ...(everyInstructionRead ? { observations, instructionFiles: instructions.length } : {}),
    ...(parts.alerts ? { alerts: parts.alerts } : {}),
    ...(parts.report ? { keyObservations: parts.report.key_observations } : {}),
  })) {
    at(problem.path, problem.message, problem.fix);
  }
  for (const problem of checkCloudRules(parts)) at(problem.path, problem.message, problem.fix);

  return {
    diagnostics,
    resolved: { path, dir, root, modelDir, templates, instructions, observations, realisations },
  };
}
