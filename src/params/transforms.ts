// PEST's SCALE and OFFSET: a parameter's value is what a parameter set holds (a par file's value
// column, an ensemble CSV cell, a sample, a fixed value); the model sees value × scale + offset,
// which PEST and PEST++ write into model input files whatever the parameter source. Results and
// parameters.csv keep the values as given, as PEST++'s par.csv does.
import { closest, type KeyPath } from "../spec/diagnostics.ts";

export interface ScaleOffset {
  readonly scale: number;
  readonly offset: number;
}

/** Lower-case parameter name → scale and offset, for parameters whose are not 1 and 0. */
export type ParameterTransforms = ReadonlyMap<string, ScaleOffset>;

export const NO_TRANSFORMS: ParameterTransforms = new Map();

export interface TransformProblem {
  readonly path: KeyPath;
  readonly message: string;
  readonly fix?: string;
  /** Set when the problem lies in a par file. */
  readonly at?: { readonly file: string; readonly line: number | undefined };
}

/** The values a model sees: value × scale + offset (computed as PEST++ does: scale, then
 * offset), by the same lower-case names. The map itself when nothing is transformed. */
export function modelValues(
  values: ReadonlyMap<string, number>,
  transforms: ParameterTransforms,
): ReadonlyMap<string, number> {
  if (transforms.size === 0) return values;
  const out = new Map<string, number>();
  for (const [name, value] of values) {
    const t = transforms.get(name.toLowerCase());
    out.set(name, t === undefined ? value : value * t.scale + t.offset);
  }
  return out;
}

/** The spec's `parameters.scale` and `parameters.offset`, keyed by lower-case name (a name
 * given twice in different cases is refused where the spec is checked, `names.ts`). */
export function transformsFromSpec(
  scale: Readonly<Record<string, number>>,
  offset: Readonly<Record<string, number>>,
): Map<string, ScaleOffset> {
  const lower = (record: Readonly<Record<string, number>>) =>
    new Map(Object.entries(record).map(([name, v]) => [name.toLowerCase(), v]));
  const scales = lower(scale);
  const offsets = lower(offset);
  const transforms = new Map<string, ScaleOffset>();
  for (const name of new Set([...scales.keys(), ...offsets.keys()])) {
    const t = { scale: scales.get(name) ?? 1, offset: offsets.get(name) ?? 0 };
    if (!isIdentity(t)) transforms.set(name, t);
  }
  return transforms;
}

/** Every name under `parameters.scale` and `parameters.offset` must be a parameter of the
 * parameter sets: a misspelt one would otherwise leave its parameter unscaled. */
export function checkTransformNames(
  scale: Readonly<Record<string, number>>,
  offset: Readonly<Record<string, number>>,
  parameters: ReadonlySet<string>,
): TransformProblem[] {
  const problems: TransformProblem[] = [];
  for (const [key, record] of [
    ["scale", scale],
    ["offset", offset],
  ] as const) {
    for (const name of Object.keys(record)) {
      if (parameters.has(name.toLowerCase())) continue;
      const suggestion = closest(name.toLowerCase(), parameters);
      problems.push({
        path: ["parameters", key, name],
        message: `parameter \`${name}\` is in no parameter set`,
        fix: suggestion
          ? `did you mean \`${suggestion}\`?`
          : "remove it, or add the parameter to the parameter sets",
      });
    }
  }
  return problems;
}

/** A par file's scale and offset columns. */
export interface ParFileScaleOffsets {
  readonly file: string;
  readonly entries: ReadonlyArray<{ readonly name: string } & ScaleOffset>;
}

/**
 * One scale and offset per parameter from par files (each carries its own columns), checked
 * against each other and against the spec's: every realisation of a run set writes a parameter
 * the same way, as in a PEST control file. `files` are in realisation order.
 */
export function transformsFromParFiles(
  files: readonly ParFileScaleOffsets[],
  spec: ParameterTransforms,
  specNames: ReadonlySet<string>,
): { transforms: Map<string, ScaleOffset>; problems: TransformProblem[] } {
  const problems: TransformProblem[] = [];
  const first = new Map<string, { t: ScaleOffset; file: string }>();
  const reported = new Set<string>();
  for (const { file, entries } of files) {
    for (const e of entries) {
      const name = e.name.toLowerCase();
      const t = { scale: e.scale, offset: e.offset };
      if (reported.has(name)) continue;
      if (specNames.has(name)) {
        const want = spec.get(name) ?? { scale: 1, offset: 0 };
        if (!same(t, want)) {
          reported.add(name);
          problems.push({
            path: ["parameters", "par_files"],
            message:
              `parameter \`${name}\` has scale ${t.scale} and offset ${t.offset} here, but the project file gives ` +
              `scale ${want.scale} and offset ${want.offset}`,
            fix: "make them agree, or leave scale and offset of par-file parameters to the par files",
            at: { file, line: undefined },
          });
        }
        continue;
      }
      const seen = first.get(name);
      if (seen === undefined) first.set(name, { t, file });
      else if (!same(seen.t, t)) {
        reported.add(name);
        problems.push({
          path: ["parameters", "par_files"],
          message:
            `parameter \`${name}\` has scale ${t.scale} and offset ${t.offset} here, but scale ${seen.t.scale} and ` +
            `offset ${seen.t.offset} in ${seen.file}`,
          fix: "a parameter has one scale and offset in every par file of a run set",
          at: { file, line: undefined },
        });
      }
    }
  }
  const transforms = new Map(spec);
  for (const [name, { t }] of first) if (!isIdentity(t)) transforms.set(name, t);
  return { transforms, problems };
}

/** Transforms in a stable order, for keys and run configurations: [name, scale, offset]. */
export function transformList(transforms: ParameterTransforms): Array<[string, number, number]> {
  return [...transforms.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, t]) => [name, t.scale, t.offset]);
}

/** Transforms from transformList's form. */
export function transformsFromList(
  list: ReadonlyArray<readonly [string, number, number]>,
): ParameterTransforms {
  return new Map(list.map(([name, scale, offset]) => [name, { scale, offset }]));
}

function isIdentity(t: ScaleOffset): boolean {
  return t.scale === 1 && t.offset === 0;
}

function same(a: ScaleOffset, b: ScaleOffset): boolean {
  return a.scale === b.scale && a.offset === b.offset;
}
