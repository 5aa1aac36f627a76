// Reads a spec's parameter source (par files + ids, an ensemble CSV, or priors to sample) into
// realisations, collecting every problem instead of stopping at the first.
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { errorMessage, PestFormatError, UserError } from "../errors.ts";
import { readEnsembleFile } from "../pest/ensemble-file.ts";
import { FormatProblems, moreProblems, PROBLEMS_SHOWN_PER_FILE } from "../pest/format-problems.ts";
import { parseParFile } from "../pest/par-file.ts";
import { decodeUtf8 } from "../pest/text.ts";
import type { KeyPath } from "../spec/diagnostics.ts";
import { isInside, resolveInside } from "../spec/paths.ts";
import { findInProject, projectRoot } from "../spec/project-files.ts";
import type { PriorSpec, ProjectSpec } from "../spec/schema.ts";
import { checkIds, type IdList, idsFromFileText, idsFromList, idsFromText, looksLikeRanges } from "./ids.ts";
import { sameNameProblems } from "./names.ts";
import { ColumnIndex, RowValues, rowsOf, withColumns } from "./parameter-matrix.ts";
import { PriorError, priorProblem, sampleRealisations } from "./sampling.ts";
import { applyTies, missingParents, type Ties, tiesFromSpec } from "./ties.ts";
import {
  checkTransformNames,
  type ParameterTransforms,
  type ParFileScaleOffsets,
  transformsFromParFiles,
  transformsFromSpec,
} from "./transforms.ts";
import type { Prior, Realisation } from "./types.ts";

export interface ParameterProblem {
  readonly path: KeyPath;
  readonly message: string;
  readonly fix?: string;
  /** Set when the problem lies in another file (a par file, the CSV, the id list). */
  readonly at?: { readonly file: string; readonly line: number | undefined };
}

export interface RealisationSet {
  /** Values as given: a par file's value column, a CSV cell, a sample, a fixed value. */
  readonly realisations: Realisation[];
  /** Scale and offset of the parameters whose are not 1 and 0: the model sees
   * value × scale + offset (transforms.ts). */
  readonly transforms: ParameterTransforms;
  readonly problems: ParameterProblem[];
  /** Files the realisations were read from (for hashing and messages). */
  readonly files: string[];
}

/** What one parameter source yields; par files also give their scale and offset columns. */
type SourceSet = Omit<RealisationSet, "transforms"> & { readonly parFiles?: ParFileScaleOffsets[] };

export interface SourceContext {
  /** Absolute folder of the spec file; relative paths start here. */
  readonly specDir: string;
  readonly allowExternal: boolean;
}

const LIST_AT_MOST = 5;

export async function loadRealisations(
  spec: Pick<ProjectSpec, "parameters">,
  ctx: SourceContext,
): Promise<RealisationSet> {
  const p = spec.parameters;
  const named = [
    ...sameNameProblems(["parameters", "fixed"], p.fixed),
    ...sameNameProblems(["parameters", "scale"], p.scale),
    ...sameNameProblems(["parameters", "offset"], p.offset),
  ];
  const priorNames = p.sample ? sameNameProblems(["parameters", "sample", "priors"], p.sample.priors) : [];
  const tied = tiesFromSpec({
    tied: p.tied,
    fixed: p.fixed,
    ...(p.sample ? { priors: p.sample.priors } : {}),
  });
  const tieNames = sameNameProblems(["parameters", "tied"], p.tied);
  // Which of two priors for one parameter was meant is unknown: nothing is drawn. A tied
  // parameter's own prior is not drawn either (the tie is reported instead).
  const untied = withoutTiedPriors(spec, tied.ties);
  const nothingToDraw =
    untied.parameters.sample !== undefined && Object.keys(untied.parameters.sample.priors).length === 0;
  const source: SourceSet =
    priorNames.length > 0 || nothingToDraw
      ? { realisations: [], problems: [], files: [] }
      : await loadSource(untied, ctx);
  const tieProblems = [
    ...tieNames,
    ...tied.problems,
    ...missingParents(p.tied, tied.ties, source.realisations),
  ];
  // Realisations whose ties cannot be computed are not checked further: every template that
  // uses a tied parameter would only repeat the problem.
  const set: SourceSet =
    tieProblems.length > 0
      ? { ...source, realisations: [] }
      : { ...source, realisations: applyTies(source.realisations, tied.ties) };
  const fromSpec = transformsFromSpec(p.scale, p.offset);
  const specNames = new Set([...Object.keys(p.scale), ...Object.keys(p.offset)].map((n) => n.toLowerCase()));
  const withParFiles = transformsFromParFiles(set.parFiles ?? [], fromSpec, specNames);
  const names = parameterNames(set.realisations);
  return {
    realisations: set.realisations,
    transforms: withParFiles.transforms,
    problems: [
      ...named,
      ...priorNames,
      ...tieProblems,
      ...set.problems,
      ...withParFiles.problems,
      ...(set.realisations.length > 0 ? checkTransformNames(p.scale, p.offset, names) : []),
    ],
    files: set.files,
  };
}

/** Every parameter name some realisation has. */
function parameterNames(realisations: readonly Realisation[]): Set<string> {
  const matrix = rowsOf(realisations.map((r) => r.values));
  if (matrix !== undefined) return new Set(matrix.columns.names);
  return new Set(realisations.flatMap((r) => [...r.values.keys()]));
}

/** The spec without priors for tied parameters, which the tie replaces. */
function withoutTiedPriors(
  spec: Pick<ProjectSpec, "parameters">,
  ties: Ties,
): Pick<ProjectSpec, "parameters"> {
  const sample = spec.parameters.sample;
  if (sample === undefined || ties.size === 0) return spec;
  const priors = Object.fromEntries(
    Object.entries(sample.priors).filter(([n]) => !ties.has(n.toLowerCase())),
  );
  if (Object.keys(priors).length === Object.keys(sample.priors).length) return spec;
  return { parameters: { ...spec.parameters, sample: { ...sample, priors } } };
}

async function loadSource(spec: Pick<ProjectSpec, "parameters">, ctx: SourceContext): Promise<SourceSet> {
  const p = spec.parameters;
  let set: SourceSet;
  if (p.par_files !== undefined) set = await fromParFiles(p.par_files, p.ids ?? [], ctx);
  else if (p.csv !== undefined) set = await fromCsv(p.csv, p.rows, ctx);
  else if (p.sample !== undefined) set = fromSample(p.sample);
  else
    set = {
      realisations: [],
      problems: [{ path: ["parameters"], message: "no parameter source" }],
      files: [],
    };
  const fixed = Object.entries(p.fixed).map(([k, v]) => [k.toLowerCase(), v] as const);
  if (fixed.length === 0) return set;
  const matrix = rowsOf(set.realisations.map((r) => r.values));
  if (matrix !== undefined) {
    const added = withColumns(
      matrix.columns,
      matrix.rows,
      fixed.map(([name, value]) => ({ name, value: () => value })),
    );
    return {
      ...set,
      realisations: set.realisations.map((r, i) => ({
        id: r.id,
        values: new RowValues(added.columns, added.rows[i]!),
      })),
    };
  }
  return {
    ...set,
    realisations: set.realisations.map((r) => ({ id: r.id, values: new Map([...r.values, ...fixed]) })),
  };
}

/** The ids a spec's `ids` names: the valid ones, and every problem with the list. */
export async function resolveIds(
  ids: string | ReadonlyArray<string | number>,
  ctx: SourceContext,
): Promise<{ ids: string[]; problems: ParameterProblem[]; file: string | undefined }> {
  const path: KeyPath = ["parameters", "ids"];
  if (typeof ids !== "string") return { ...idProblems(path, idsFromList(ids)), file: undefined };
  if (looksLikeRanges(ids)) return { ...idProblems(path, idsFromText(ids)), file: undefined };
  const read = await readSourceFile(
    path,
    ids,
    "id list file",
    ctx,
    "check the path (relative to this file), or write ranges such as 1-200",
  );
  if ("problem" in read) return { ids: [], problems: [read.problem], file: undefined };
  let text: string;
  try {
    text = decodeUtf8(read.bytes, read.shown);
  } catch (e) {
    return { ids: [], problems: [problemFrom(path, e)], file: undefined };
  }
  return { ...idProblems(path, idsFromFileText(text), read.shown), file: read.path };
}

/** Id list problems located at their line in `file`, or at the list item in the spec. */
function idProblems(
  path: KeyPath,
  list: IdList,
  file?: string,
): { ids: string[]; problems: ParameterProblem[] } {
  const located = list.problems.map(
    (p): ParameterProblem => ({
      path: p.item !== undefined ? [...path, p.item] : path,
      message: p.message,
      ...(p.fix ? { fix: p.fix } : {}),
      ...(file !== undefined ? { at: { file, line: p.line } } : {}),
    }),
  );
  return { ids: list.ids, problems: capped(located, path, file) };
}

/** The first PROBLEMS_SHOWN_PER_FILE problems, then one line counting the rest. */
function capped(problems: ParameterProblem[], path: KeyPath, file: string | undefined): ParameterProblem[] {
  const more = problems.length - PROBLEMS_SHOWN_PER_FILE;
  if (more <= 0) return problems;
  return [
    ...problems.slice(0, PROBLEMS_SHOWN_PER_FILE),
    {
      path,
      message: moreProblems(more, file === undefined ? "" : "in this file"),
      ...(file !== undefined ? { at: { file, line: undefined } } : {}),
    },
  ];
}

function fromFormatProblems(path: KeyPath, problems: FormatProblems): ParameterProblem[] {
  const out: ParameterProblem[] = problems.kept.map((e) => problemFrom(path, e));
  if (problems.more > 0) {
    out.push({
      path,
      message: moreProblems(problems.more),
      at: { file: problems.file, line: undefined },
    });
  }
  return out;
}

/** A file the spec names (id list, CSV): inside the project, through symlinks that stay
 * inside, a file and readable; otherwise a problem located at the spec's key. */
async function readSourceFile(
  path: KeyPath,
  rel: string,
  kind: string,
  ctx: SourceContext,
  notFoundFix = "check the path (relative to this file)",
): Promise<{ path: string; shown: string; bytes: Uint8Array } | { problem: ParameterProblem }> {
  const found = await findSourceFile(path, rel, kind, ctx, notFoundFix);
  if ("problem" in found) return found;
  try {
    return { ...found, bytes: await readFile(found.path) };
  } catch (e) {
    return { problem: unreadable(path, rel, kind, e) };
  }
}

/** Where a file the spec names is (see readSourceFile), without reading it. */
async function findSourceFile(
  path: KeyPath,
  rel: string,
  kind: string,
  ctx: SourceContext,
  notFoundFix = "check the path (relative to this file)",
): Promise<{ path: string; shown: string } | { problem: ParameterProblem }> {
  const where = resolveInside(ctx.specDir, ctx.specDir, rel, { allowExternal: ctx.allowExternal });
  if (!where.ok) return { problem: { path, message: where.message, fix: where.fix } };
  const root = await projectRoot(ctx.specDir, ctx.allowExternal);
  const shown = shownPath(ctx.specDir, where.path);
  const found = await findInProject(root, where.path, shown, "file");
  if (!found.ok) {
    return {
      problem: found.missing
        ? { path, message: `${kind} "${rel}" not found`, fix: notFoundFix }
        : { path, message: found.message, fix: found.fix },
    };
  }
  return { path: where.path, shown };
}

function unreadable(path: KeyPath, rel: string, kind: string, e: unknown): ParameterProblem {
  return { path, message: `${kind} "${rel}": ${errorMessage(e)}`, fix: "check the file" };
}

/** How messages name a file: relative to the spec's folder when inside it. */
function shownPath(specDir: string, path: string): string {
  return isInside(specDir, path) ? relative(specDir, path) || path : path;
}

async function fromParFiles(
  pattern: string,
  idSpec: string | ReadonlyArray<string | number>,
  ctx: SourceContext,
): Promise<SourceSet> {
  const listed = await resolveIds(idSpec, ctx);
  const problems: ParameterProblem[] = [...listed.problems];
  const files: string[] = listed.file ? [listed.file] : [];
  const ids = listed.ids;
  const root = await projectRoot(ctx.specDir, ctx.allowExternal);
  // One outcome per id, so problems come out in id order whatever order the reads finish in.
  type Outcome =
    | { kind: "ok"; realisation: Realisation; path: string; columns: ParFileScaleOffsets }
    | { kind: "missing" }
    | { kind: "unreadable"; problem: ParameterProblem }
    | { kind: "bad"; problem: ParameterProblem };
  const outcomes = new Map<string, Outcome>();
  await forEachLimited(ids, 32, async (id) => {
    const rel = pattern.replaceAll("{id}", id);
    const where = resolveInside(ctx.specDir, ctx.specDir, rel, { allowExternal: ctx.allowExternal });
    if (!where.ok) {
      const problem = { path: ["parameters", "par_files"], message: where.message, fix: where.fix };
      outcomes.set(id, { kind: "unreadable", problem });
      return;
    }
    const found = await findInProject(root, where.path, shownPath(ctx.specDir, where.path), "file");
    if (!found.ok) {
      const problem = { path: ["parameters", "par_files"], message: found.message, fix: found.fix };
      outcomes.set(id, found.missing ? { kind: "missing" } : { kind: "unreadable", problem });
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(where.path);
    } catch (e) {
      const problem = { path: ["parameters", "par_files"], message: `"${rel}": ${errorMessage(e)}` };
      outcomes.set(id, { kind: "unreadable", problem });
      return;
    }
    try {
      const par = parseParFile(bytes, rel);
      const realisation = { id, values: new Map(par.entries.map((e) => [e.name, e.value])) };
      outcomes.set(id, {
        kind: "ok",
        realisation,
        path: where.path,
        columns: { file: rel, entries: par.entries },
      });
    } catch (e) {
      outcomes.set(id, { kind: "bad", problem: problemFrom(["parameters", "par_files"], e) });
    }
  });
  const realisations: Realisation[] = [];
  const parFiles: ParFileScaleOffsets[] = [];
  const missing: string[] = [];
  const unreadable: ParameterProblem[] = [];
  for (const id of ids) {
    const o = outcomes.get(id);
    if (o?.kind === "ok") {
      realisations.push(o.realisation);
      parFiles.push(o.columns);
      files.push(o.path);
    } else if (o?.kind === "missing") missing.push(id);
    else if (o) unreadable.push(o.problem);
  }
  problems.push(...capped(unreadable, ["parameters", "par_files"], undefined));
  if (missing.length > 0) {
    const shown = missing.slice(0, LIST_AT_MOST).map((id) => `${id} (${pattern.replaceAll("{id}", id)})`);
    problems.push({
      path: ["parameters", "ids"],
      message: `${missing.length === 1 ? "id" : `${missing.length} ids`} ${shown.join(", ")}${
        missing.length > LIST_AT_MOST ? ` and ${missing.length - LIST_AT_MOST} more` : ""
      } ${missing.length === 1 ? "has" : "have"} no par file`,
      fix: `add the file${missing.length === 1 ? "" : "s"}, or remove the id${missing.length === 1 ? "" : "s"} from the list`,
    });
  }
  return { realisations, problems, files, parFiles };
}

async function fromCsv(
  csvPath: string,
  rows: string | ReadonlyArray<string | number> | undefined,
  ctx: SourceContext,
): Promise<SourceSet> {
  const path: KeyPath = ["parameters", "csv"];
  const read = await findSourceFile(path, csvPath, "ensemble CSV", ctx);
  if ("problem" in read) return { realisations: [], problems: [read.problem], files: [] };
  const found = new FormatProblems(read.shown);
  let all: Realisation[] = [];
  try {
    // A large ensemble is read on several threads.
    const csv = await readEnsembleFile(read.path, read.shown, found);
    // Row names are realisation ids: each must be a valid one.
    const checked = checkIds(csv.names.map((name, i) => ({ id: name, line: csv.lines[i]! })));
    for (const p of checked.problems) found.at(p.line, `${p.message}${p.fix ? `; ${p.fix}` : ""}`);
    const valid = new Set(checked.accepted.map((a) => a.id));
    const columns = new ColumnIndex(csv.columns, csv.bounds);
    all = [];
    for (let i = 0; i < csv.names.length; i++) {
      const id = csv.names[i]!;
      if (valid.has(id)) all.push({ id, values: new RowValues(columns, csv.rows[i]!) });
    }
  } catch (e) {
    const problem =
      e instanceof PestFormatError || e instanceof UserError
        ? problemFrom(path, e)
        : unreadable(path, csvPath, "ensemble CSV", e);
    return { realisations: [], problems: [problem], files: [] };
  }
  const problems = fromFormatProblems(path, found);
  if (rows === undefined) return { realisations: all, problems, files: [read.path] };
  // A row left out for a problem of its own is not also "not in the CSV".
  const selected = selectRows(all, rows, { complete: found.count === 0 });
  return {
    realisations: selected.realisations,
    problems: [...problems, ...selected.problems],
    files: [read.path],
  };
}

/** `rows` names rows by realisation name, or by 1-based row number ranges. */
function selectRows(
  all: Realisation[],
  rows: string | ReadonlyArray<string | number>,
  options: { complete: boolean },
): { realisations: Realisation[]; problems: ParameterProblem[] } {
  const path: KeyPath = ["parameters", "rows"];
  const wanted = idProblems(path, typeof rows === "string" ? idsFromText(rows) : idsFromList(rows));
  const byName = new Map(all.map((r) => [r.id, r]));
  const realisations: Realisation[] = [];
  const absent: string[] = [];
  for (const w of wanted.ids) {
    const n = Number(w);
    const found = byName.get(w) ?? (Number.isInteger(n) ? all[n - 1] : undefined);
    if (found) realisations.push(found);
    else absent.push(w);
  }
  const problems = [...wanted.problems];
  if (absent.length > 0 && options.complete) {
    const shown = absent.slice(0, LIST_AT_MOST).join(", ");
    problems.push({
      path,
      message: `row${absent.length === 1 ? "" : "s"} ${shown}${absent.length > LIST_AT_MOST ? ` and ${absent.length - LIST_AT_MOST} more` : ""} ${absent.length === 1 ? "is" : "are"} not in the CSV (${all.length} rows)`,
      fix: "name rows by their first cell, or by row numbers from 1",
    });
  }
  return { realisations, problems };
}

function fromSample(sample: NonNullable<ProjectSpec["parameters"]["sample"]>): SourceSet {
  const path: KeyPath = ["parameters", "sample", "priors"];
  // Each prior is checked on its own, so every bad one is reported at its own key.
  const keyOf = new Map<string, string>();
  const priors: { name: string; prior: Prior }[] = [];
  const problems: ParameterProblem[] = [];
  const located = (e: PriorError): ParameterProblem => {
    const key = keyOf.get(e.parameter) ?? e.parameter;
    return { path: e.field === undefined ? [...path, key] : [...path, key, e.field], message: e.detail };
  };
  for (const [key, p] of Object.entries(sample.priors)) {
    const name = key.toLowerCase();
    keyOf.set(name, key);
    const prior = toPrior(p);
    const problem = priorProblem(name, prior);
    if (problem) problems.push(located(problem));
    else priors.push({ name, prior });
  }
  if (problems.length > 0) return { realisations: [], problems, files: [] };
  try {
    return {
      realisations: sampleRealisations({ n: sample.n, method: sample.method, seed: sample.seed, priors }),
      problems: [],
      files: [],
    };
  } catch (e) {
    const problem = e instanceof PriorError ? located(e) : problemFrom(["parameters", "sample"], e);
    return { realisations: [], problems: [problem], files: [] };
  }
}

export function toPrior(p: PriorSpec): Prior {
  const bounds = p.bounds ? ([p.bounds[0], p.bounds[1]] as const) : undefined;
  const truncated = bounds ? { bounds } : {};
  if (p.fixed !== undefined) return { kind: "fixed", value: p.fixed, ...truncated };
  if (p.uniform) return { kind: "uniform", low: p.uniform[0], high: p.uniform[1], ...truncated };
  if (p.loguniform) return { kind: "loguniform", low: p.loguniform[0], high: p.loguniform[1], ...truncated };
  if (p.triangular)
    return {
      kind: "triangular",
      low: p.triangular[0],
      mode: p.triangular[1],
      high: p.triangular[2],
      ...truncated,
    };
  if (p.truncnormal && bounds)
    return { kind: "truncnormal", mean: p.truncnormal[0], sd: p.truncnormal[1], bounds };
  if (p.lognormal)
    return { kind: "lognormal", log10Mean: p.lognormal[0], log10Sd: p.lognormal[1], ...truncated };
  if (p.normal) return { kind: "normal", mean: p.normal[0], sd: p.normal[1], ...truncated };
  throw new Error("prior without a distribution (the schema should have caught this)");
}

function problemFrom(path: KeyPath, e: unknown): ParameterProblem {
  if (e instanceof PestFormatError) return { path, message: e.detail, at: { file: e.file, line: e.line } };
  return { path, message: errorMessage(e) };
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
