// Cross-checks between a spec's parts once each has parsed: every parameter a template uses
// is in every parameter set and fits its fields, alerts name real observations.

import { NO_TRANSFORMS, type ParameterTransforms } from "../params/transforms.ts";
import type { Realisation } from "../params/types.ts";
import { formatForField } from "../pest/number-format.ts";
import { closest, type KeyPath } from "./diagnostics.ts";
import type { ResolvedTemplate } from "./load.ts";
import type { ProjectSpec } from "./schema.ts";

export interface ReferenceProblem {
  readonly path: KeyPath;
  readonly message: string;
  readonly fix?: string;
}

const LIST_AT_MOST = 5;

export function checkReferences(input: {
  spec: ProjectSpec;
  templates: readonly ResolvedTemplate[];
  observations: readonly string[];
  realisations: readonly Realisation[];
  /** Scale and offset: the value written into a field is value × scale + offset. */
  transforms?: ParameterTransforms;
}): ReferenceProblem[] {
  const { spec, templates, observations, realisations } = input;
  const transforms = input.transforms ?? NO_TRANSFORMS;
  const problems: ReferenceProblem[] = [];
  if (realisations.length === 0) return problems;

  for (const [i, t] of templates.entries()) {
    const path: KeyPath = ["model", "templates", i, "template"];
    for (const name of t.parsed.parameters) {
      const lacking = realisations.filter((r) => !r.values.has(name)).map((r) => r.id);
      if (lacking.length === 0) continue;
      const known = realisations[0]!.values.keys();
      const suggestion = closest(name, known);
      problems.push({
        path,
        message: `parameter \`${name}\` used in ${t.parsed.file} is missing from ${
          lacking.length === realisations.length
            ? "every parameter set"
            : `parameter set(s) ${listIds(lacking)}`
        }`,
        fix: suggestion
          ? `did you mean \`${suggestion}\`? Otherwise add it to the parameter sets or to \`parameters.fixed\``
          : "add it to the parameter sets, or give it a value under `parameters.fixed`",
      });
    }
    problems.push(...checkFieldWidths(t, realisations, transforms, path));
  }

  // A fixed value no template writes is most likely a misspelt name, which leaves the
  // parameter it meant at the value of the source.
  if (templates.length > 0) {
    const used = new Set(templates.flatMap((t) => t.parsed.parameters));
    for (const name of Object.keys(spec.parameters.fixed)) {
      if (used.has(name.toLowerCase())) continue;
      const suggestion = closest(name.toLowerCase(), used);
      problems.push({
        path: ["parameters", "fixed", name],
        message: `parameter \`${name}\` is used by no template, so its fixed value would be ignored`,
        fix: suggestion ? `did you mean \`${suggestion}\`?` : "remove it, or use it in a template",
      });
    }
  }

  const known = new Set(observations);
  const where =
    spec.model.instructions.length === 0
      ? "no instruction files are listed under `model.instructions`"
      : undefined;
  spec.alerts.forEach((a, i) => {
    const name = a.observation.toLowerCase();
    if (known.has(name)) return;
    const suggestion = closest(name, known);
    problems.push({
      path: ["alerts", i, "observation"],
      message: `observation \`${a.observation}\` is not read by any instruction file${where ? ` (${where})` : ""}`,
      ...(suggestion ? { fix: `did you mean \`${suggestion}\`?` } : {}),
    });
  });
  spec.report.key_observations.forEach((o, i) => {
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

/** A value that cannot be written in its field stops a run before it starts, not in a worker. */
function checkFieldWidths(
  t: ResolvedTemplate,
  realisations: readonly Realisation[],
  transforms: ParameterTransforms,
  path: KeyPath,
): ReferenceProblem[] {
  const problems: ReferenceProblem[] = [];
  for (const [name, { width, line }] of t.parsed.narrowest) {
    const bad: string[] = [];
    let example: number | undefined;
    const tr = transforms.get(name);
    for (const r of realisations) {
      const given = r.values.get(name);
      if (given === undefined) continue;
      const v = tr === undefined ? given : given * tr.scale + tr.offset;
      try {
        formatForField(v, width);
      } catch {
        bad.push(r.id);
        example ??= v;
      }
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
