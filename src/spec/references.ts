// Cross-checks between a spec's parts once each has parsed: every parameter a template uses
// is in every parameter set and fits its fields, alerts name real observations.

import { rowsOf } from "../params/parameter-matrix.ts";
import { NO_TRANSFORMS, type ParameterTransforms } from "../params/transforms.ts";
import type { Realisation } from "../params/types.ts";
import { columnWithin } from "../pest/column-bounds.ts";
import { fitsField, sureRange } from "../pest/number-format.ts";
import { closest, type KeyPath } from "./diagnostics.ts";
import { type FieldToCheck, fieldSuspects } from "./field-suspects.ts";
import type { ResolvedTemplate } from "./load.ts";
import type { AlertSpec } from "./schema.ts";

export interface ReferenceProblem {
  readonly path: KeyPath;
  readonly message: string;
  readonly fix?: string;
}

const LIST_AT_MOST = 5;

/** What the cross-checks look at. A part left out could not be read (its own problems are
 * reported), so nothing is said about what it would have held. */
export interface ReferenceInput {
  /** With their index in `model.templates`. */
  readonly templates?: ReadonlyArray<{ readonly index: number; readonly template: ResolvedTemplate }>;
  /** Every observation the instruction files read; absent when one of them could not be read. */
  readonly observations?: readonly string[];
  readonly instructionFiles?: number;
  /** True when every template listed was read (a fixed value's use can only be judged then). */
  readonly allTemplatesRead?: boolean;
  readonly realisations?: readonly Realisation[];
  readonly alerts?: readonly AlertSpec[];
  readonly keyObservations?: readonly string[];
  /** `parameters.fixed`, when the parameters section parsed. */
  readonly fixed?: Readonly<Record<string, number>>;
  /** Scale and offset: the value written into a field is value × scale + offset. */
  readonly transforms?: ParameterTransforms;
}

export function checkReferences(input: ReferenceInput): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const realisations = input.realisations ?? [];
  const transforms = input.transforms ?? NO_TRANSFORMS;
  if (realisations.length > 0) {
    const templates = input.templates ?? [];
    // Realisations that share their names (a CSV, a sample) have every name or none, and their
    // values are checked against every field in one pass over the rows.
    const matrix = rowsOf(realisations.map((r) => r.values));
    const suspects = matrix && suspectsByField(templates, matrix, transforms);
    for (const { index, template } of templates)
      problems.push(
        ...checkTemplate(template, realisations, matrix, suspects?.get(template), transforms, [
          "model",
          "templates",
          index,
          "template",
        ]),
      );
  }
  problems.push(...checkFixedUsed(input));
  if (input.observations !== undefined) problems.push(...checkObservations(input, input.observations));
  return problems;
}

type Matrix = NonNullable<ReturnType<typeof rowsOf>>;

/** Per template and parameter, the rows whose value might not fit its narrowest field. */
function suspectsByField(
  templates: NonNullable<ReferenceInput["templates"]>,
  matrix: Matrix,
  transforms: ParameterTransforms,
): Map<ResolvedTemplate, Map<string, number[]>> {
  const fields: Array<FieldToCheck & { template: ResolvedTemplate; name: string }> = [];
  for (const { template } of templates) {
    for (const [name, { width }] of template.parsed.narrowest) {
      const column = matrix.columns.columnOf(name);
      if (column === undefined) continue;
      const tr = transforms.get(name);
      // A column whose every value surely fits (by the bounds the reader worked out) has no
      // value to look at.
      const bounds = matrix.columns.bounds;
      if (
        tr === undefined &&
        bounds !== undefined &&
        columnWithin(bounds, column, sureRange(width, false, true), sureRange(width, true, true))
      )
        continue;
      fields.push({ template, name, column, width, scale: tr?.scale ?? 1, offset: tr?.offset ?? 0 });
    }
  }
  const found = fieldSuspects(fields, matrix.rows);
  const out = new Map<ResolvedTemplate, Map<string, number[]>>(templates.map((t) => [t.template, new Map()]));
  fields.forEach((f, k) => {
    const byName = out.get(f.template) ?? new Map<string, number[]>();
    out.set(f.template, byName);
    byName.set(f.name, found[k]!);
  });
  return out;
}

/** A fixed value no template writes is most likely a misspelt name, which leaves the
 * parameter it meant at the value of the source. Only said when every template was read. */
function checkFixedUsed(input: ReferenceInput): ReferenceProblem[] {
  const templates = input.templates ?? [];
  if (templates.length === 0 || input.fixed === undefined || !input.allTemplatesRead) return [];
  const used = new Set(templates.flatMap((t) => t.template.parsed.parameters));
  const problems: ReferenceProblem[] = [];
  for (const name of Object.keys(input.fixed)) {
    if (used.has(name.toLowerCase())) continue;
    const suggestion = closest(name.toLowerCase(), used);
    problems.push({
      path: ["parameters", "fixed", name],
      message: `parameter \`${name}\` is used by no template, so its fixed value would be ignored`,
      fix: suggestion ? `did you mean \`${suggestion}\`?` : "remove it, or use it in a template",
    });
  }
  return problems;
}

function checkTemplate(
  t: ResolvedTemplate,
  realisations: readonly Realisation[],
  matrix: Matrix | undefined,
  suspects: ReadonlyMap<string, readonly number[]> | undefined,
  transforms: ParameterTransforms,
  path: KeyPath,
): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const hasAll = (name: string) =>
    matrix !== undefined
      ? matrix.columns.columnOf(name) !== undefined
      : realisations.every((r) => r.values.has(name));
  for (const name of t.parsed.parameters) {
    if (hasAll(name)) continue;
    const lacking = realisations.filter((r) => !r.values.has(name));
    const known = lacking[0]!.values.keys();
    const suggestion = closest(name, known);
    problems.push({
      path,
      message: `parameter \`${name}\` used in ${t.parsed.file} is missing from ${
        lacking.length === realisations.length
          ? "every parameter set"
          : `parameter set(s) ${listIds(lacking.map((r) => r.id))}`
      }`,
      fix: suggestion
        ? `did you mean \`${suggestion}\`? Otherwise add it to the parameter sets or to \`parameters.fixed\``
        : "add it to the parameter sets, or give it a value under `parameters.fixed`",
    });
  }
  problems.push(...checkFieldWidths(t, realisations, suspects, transforms, path));
  return problems;
}

function checkObservations(input: ReferenceInput, observations: readonly string[]): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  const known = new Set(observations);
  const where =
    input.instructionFiles === 0 ? "no instruction files are listed under `model.instructions`" : undefined;
  (input.alerts ?? []).forEach((a, i) => {
    const name = a.observation.toLowerCase();
    if (known.has(name)) return;
    const suggestion = closest(name, known);
    problems.push({
      path: ["alerts", i, "observation"],
      message: `observation \`${a.observation}\` is not read by any instruction file${where ? ` (${where})` : ""}`,
      ...(suggestion ? { fix: `did you mean \`${suggestion}\`?` } : {}),
    });
  });
  (input.keyObservations ?? []).forEach((o, i) => {
    if (known.has(o.toLowerCase())) return;
    const suggestion = closest(o.toLowerCase(), known);
    problems.push({
      path: ["report", "key_observations", i],
      message: `observation \`${o}\` is not read by any instruction file`,
      ...(suggestion ? { fix: `did you mean \`${suggestion}\`?` } : {}),
    });
  });
  return problems;
}

/** A value that cannot be written in its field stops a run before it starts, not in a worker.
 * For a matrix, only the rows fieldSuspects found are checked in full. */
function checkFieldWidths(
  t: ResolvedTemplate,
  realisations: readonly Realisation[],
  suspects: ReadonlyMap<string, readonly number[]> | undefined,
  transforms: ParameterTransforms,
  path: KeyPath,
): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  for (const [name, { width, line }] of t.parsed.narrowest) {
    const bad: string[] = [];
    let example: number | undefined;
    const overflowed: string[] = [];
    let overflowFrom: number | undefined;
    const tr = transforms.get(name);
    const judge = (r: Realisation) => {
      const given = r.values.get(name);
      if (given === undefined) return;
      const v = tr === undefined ? given : given * tr.scale + tr.offset;
      // No field is wide enough for Infinity: the value or its scale is what is wrong.
      if (!Number.isFinite(v) && tr !== undefined) {
        overflowed.push(r.id);
        overflowFrom ??= given;
        return;
      }
      if (!fitsField(v, width)) {
        bad.push(r.id);
        example ??= v;
      }
    };
    if (suspects !== undefined) for (const r of suspects.get(name) ?? []) judge(realisations[r]!);
    else for (const r of realisations) judge(r);
    if (overflowed.length > 0 && tr !== undefined) {
      problems.push({
        path,
        message: `value × scale + offset of \`${name}\` is ${overflowFrom! * tr.scale + tr.offset} (${overflowFrom} × ${tr.scale} + ${tr.offset}, parameter set ${listIds(overflowed)}), beyond the largest number a model input can hold (about 1.8e308)`,
        fix: "correct the value, its scale or its offset",
      });
    }
    if (bad.length > 0) {
      problems.push({
        path,
        message: `value ${example} of \`${name}\`${tr === undefined ? "" : ` (value × ${tr.scale} + ${tr.offset})`} (parameter set ${listIds(bad)}) does not fit the ${width}-character field at ${t.parsed.file}:${line}`,
        fix: "widen the field in the template (more spaces between the delimiters)",
      });
    }
  }
  return problems;
}

function listIds(ids: readonly string[]): string {
  const shown = ids.slice(0, LIST_AT_MOST).join(", ");
  return ids.length > LIST_AT_MOST ? `${shown} and ${ids.length - LIST_AT_MOST} more` : shown;
}
