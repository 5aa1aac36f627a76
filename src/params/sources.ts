// Reads a spec's parameter source (par files + ids, an ensemble CSV, or priors to sample) into
// realisations, collecting every problem instead of stopping at the first.
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { errorMessage, PestFormatError } from "../errors.ts";
import { parseEnsembleCsv } from "../pest/ensemble-csv.ts";
import { parseParFile } from "../pest/par-file.ts";
import { decodeUtf8 } from "../pest/text.ts";
import type { KeyPath } from "../spec/diagnostics.ts";
import { resolveInside } from "../spec/paths.ts";
import type { PriorSpec, ProjectSpec } from "../spec/schema.ts";
import { idsFromList, looksLikeRanges, parseIdFile, parseIdRanges } from "./ids.ts";
import { sampleRealisations } from "./sampling.ts";
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

export async function loadRealisations(spec: ProjectSpec, ctx: SourceContext): Promise<RealisationSet> {
  const p = spec.parameters;
  const set = await loadSource(spec, ctx);
  const fromSpec = transformsFromSpec(p.scale, p.offset);
  const specNames = new Set([...Object.keys(p.scale), ...Object.keys(p.offset)].map((n) => n.toLowerCase()));
  const withParFiles = transformsFromParFiles(set.parFiles ?? [], fromSpec.transforms, specNames);
  const names = new Set(set.realisations.flatMap((r) => [...r.values.keys()]));
  return {
    realisations: set.realisations,
    transforms: withParFiles.transforms,
    problems: [
      ...set.problems,
      ...fromSpec.problems,
      ...withParFiles.problems,
      ...(set.realisations.length > 0 ? checkTransformNames(p.scale, p.offset, names) : []),
    ],
    files: set.files,
  };
}

async function loadSource(spec: ProjectSpec, ctx: SourceContext): Promise<SourceSet> {
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
  return {
    ...set,
    realisations: set.realisations.map((r) => ({ id: r.id, values: new Map([...r.values, ...fixed]) })),
  };
}

/** The ids a spec's `ids` names. Throws a UserError/PestFormatError on a bad list. */
export async function resolveIds(ids: string | ReadonlyArray<string | number>, ctx: SourceContext) {
  if (typeof ids !== "string") return { ids: idsFromList(ids), file: undefined };
  if (looksLikeRanges(ids)) return { ids: parseIdRanges(ids, "ids"), file: undefined };
  const where = resolveInside(ctx.specDir, ctx.specDir, ids, { allowExternal: ctx.allowExternal });
  if (!where.ok) throw new PestFormatError(ids, undefined, `${where.message}; ${where.fix}`);
  const bytes = await readFile(where.path).catch((e: NodeJS.ErrnoException) => {
    throw new PestFormatError(
      ids,
      undefined,
      e.code === "ENOENT" ? "id list file not found (or write ranges such as 1-200)" : errorMessage(e),
    );
  });
  const shown = relative(ctx.specDir, where.path) || ids;
  return { ids: parseIdFile(decodeUtf8(bytes, shown), shown), file: where.path };
}

async function fromParFiles(
  pattern: string,
  idSpec: string | ReadonlyArray<string | number>,
  ctx: SourceContext,
): Promise<SourceSet> {
  const problems: ParameterProblem[] = [];
  let ids: string[];
  const files: string[] = [];
  try {
    const resolved = await resolveIds(idSpec, ctx);
    ids = resolved.ids;
    if (resolved.file) files.push(resolved.file);
  } catch (e) {
    return { realisations: [], problems: [problemFrom(["parameters", "ids"], e)], files };
  }
  const missing: string[] = [];
  const outside: string[] = [];
  const realisations: Realisation[] = [];
  const columns = new Map<string, ParFileScaleOffsets>();
  await forEachLimited(ids, 32, async (id) => {
    const rel = pattern.replaceAll("{id}", id);
    const where = resolveInside(ctx.specDir, ctx.specDir, rel, { allowExternal: ctx.allowExternal });
    if (!where.ok) {
      outside.push(rel);
      return;
    }
    let bytes: Buffer;
    try {
      bytes = await readFile(where.path);
    } catch {
      missing.push(id);
      return;
    }
    try {
      files.push(where.path);
      const par = parseParFile(bytes, rel);
      realisations.push({ id, values: new Map(par.entries.map((e) => [e.name, e.value])) });
      columns.set(id, { file: rel, entries: par.entries });
    } catch (e) {
      problems.push(problemFrom(["parameters", "par_files"], e));
    }
  });
  if (outside.length > 0) {
    problems.push({
      path: ["parameters", "par_files"],
      message: `"${outside[0]}" points outside the project folder`,
      fix: "keep par files inside the project folder, or set `allow_external_paths: true`",
    });
  }
  if (missing.length > 0) {
    const sorted = sortIds(missing);
    const shown = sorted.slice(0, LIST_AT_MOST).map((id) => `${id} (${pattern.replaceAll("{id}", id)})`);
    problems.push({
      path: ["parameters", "ids"],
      message: `${missing.length === 1 ? "id" : `${missing.length} ids`} ${shown.join(", ")}${
        missing.length > LIST_AT_MOST ? ` and ${missing.length - LIST_AT_MOST} more` : ""
      } ${missing.length === 1 ? "has" : "have"} no par file`,
      fix: `add the file${missing.length === 1 ? "" : "s"}, or remove the id${missing.length === 1 ? "" : "s"} from the list`,
    });
  }
  const order = new Map(ids.map((id, i) => [id, i]));
  realisations.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
  const parFiles = realisations.map((r) => columns.get(r.id)!);
  return { realisations, problems, files, parFiles };
}

async function fromCsv(
  csvPath: string,
  rows: string | ReadonlyArray<string | number> | undefined,
  ctx: SourceContext,
): Promise<SourceSet> {
  const where = resolveInside(ctx.specDir, ctx.specDir, csvPath, { allowExternal: ctx.allowExternal });
  if (!where.ok) {
    return {
      realisations: [],
      problems: [{ path: ["parameters", "csv"], message: where.message, fix: where.fix }],
      files: [],
    };
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(where.path);
  } catch {
    return {
      realisations: [],
      problems: [
        {
          path: ["parameters", "csv"],
          message: `ensemble CSV "${csvPath}" not found`,
          fix: "check the path",
        },
      ],
      files: [],
    };
  }
  try {
    const csv = parseEnsembleCsv(bytes, csvPath);
    let all: Realisation[] = csv.rows.map((row) => ({
      id: row.name,
      values: new Map(csv.columns.map((c, i) => [c, row.values[i]!])),
    }));
    if (rows !== undefined) all = selectRows(all, rows);
    return { realisations: all, problems: [], files: [where.path] };
  } catch (e) {
    return { realisations: [], problems: [problemFrom(["parameters", "csv"], e)], files: [] };
  }
}

/** `rows` names rows by realisation name, or by 1-based row number ranges. */
function selectRows(all: Realisation[], rows: string | ReadonlyArray<string | number>): Realisation[] {
  const wanted = typeof rows === "string" ? parseIdRanges(rows, "rows") : idsFromList(rows, "rows");
  const byName = new Map(all.map((r) => [r.id, r]));
  return wanted.map((w) => {
    const named = byName.get(w);
    if (named) return named;
    const n = Number(w);
    const byNumber = Number.isInteger(n) ? all[n - 1] : undefined;
    if (!byNumber)
      throw new PestFormatError("rows", undefined, `row ${w} is not in the CSV (${all.length} rows)`);
    return byNumber;
  });
}

function fromSample(sample: NonNullable<ProjectSpec["parameters"]["sample"]>): SourceSet {
  try {
    const priors = Object.entries(sample.priors).map(([name, p]) => ({
      name: name.toLowerCase(),
      prior: toPrior(p),
    }));
    return {
      realisations: sampleRealisations({ n: sample.n, method: sample.method, seed: sample.seed, priors }),
      problems: [],
      files: [],
    };
  } catch (e) {
    return { realisations: [], problems: [problemFrom(["parameters", "sample"], e)], files: [] };
  }
}

export function toPrior(p: PriorSpec): Prior {
  if (p.fixed !== undefined) return { kind: "fixed", value: p.fixed };
  if (p.uniform) return { kind: "uniform", low: p.uniform[0], high: p.uniform[1] };
  if (p.loguniform) return { kind: "loguniform", low: p.loguniform[0], high: p.loguniform[1] };
  if (p.triangular)
    return { kind: "triangular", low: p.triangular[0], mode: p.triangular[1], high: p.triangular[2] };
  const bounds = p.bounds ? ([p.bounds[0], p.bounds[1]] as const) : undefined;
  if (p.truncnormal && bounds)
    return { kind: "truncnormal", mean: p.truncnormal[0], sd: p.truncnormal[1], bounds };
  if (p.lognormal)
    return {
      kind: "lognormal",
      log10Mean: p.lognormal[0],
      log10Sd: p.lognormal[1],
      ...(bounds ? { bounds } : {}),
    };
  if (p.normal) return { kind: "normal", mean: p.normal[0], sd: p.normal[1], ...(bounds ? { bounds } : {}) };
  throw new Error("prior without a distribution (the schema should have caught this)");
}

function problemFrom(path: KeyPath, e: unknown): ParameterProblem {
  if (e instanceof PestFormatError) return { path, message: e.detail, at: { file: e.file, line: e.line } };
  return { path, message: errorMessage(e) };
}

function sortIds(ids: string[]): string[] {
  return [...ids].sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    return Number.isFinite(na) && Number.isFinite(nb) ? na - nb : a.localeCompare(b);
  });
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
