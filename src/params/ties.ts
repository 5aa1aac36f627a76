// PEST's tied parameters: a tied parameter's value is its parent's value × a ratio (in PEST, the
// ratio of their initial values), computed before its own scale and offset, as PEST++ writes it.
// The tie holds whatever the parameter source: a value a CSV or par file gives a tied parameter
// is replaced, as PEST++ replaces it; a value the project file itself gives (`fixed`, a prior)
// contradicts the tie and is refused.
import { closest, type KeyPath } from "../spec/diagnostics.ts";
import { RowValues, rowsOf, withColumns } from "./parameter-matrix.ts";
import type { Realisation } from "./types.ts";

export interface Tie {
  /** The parent, lower-case. */
  readonly to: string;
  readonly ratio: number;
}

/** Lower-case tied parameter → its tie. */
export type Ties = ReadonlyMap<string, Tie>;

export interface TieProblem {
  readonly path: KeyPath;
  readonly message: string;
  readonly fix?: string;
}

export interface TieInput {
  /** `parameters.tied` as written. */
  readonly tied: Readonly<Record<string, { readonly to: string; readonly ratio: number }>>;
  /** `parameters.fixed` as written. */
  readonly fixed: Readonly<Record<string, number>>;
  /** `parameters.sample.priors` as written, when sampling. */
  readonly priors?: Readonly<Record<string, unknown>>;
}

/** The spec's ties, keyed by lower-case name, and what makes any of them impossible: a tie to
 * itself or to a tied parameter (PEST allows no chains, so no loops either), and a tied
 * parameter that the project file also gives a value. */
export function tiesFromSpec(input: TieInput): { ties: Map<string, Tie>; problems: TieProblem[] } {
  const problems: TieProblem[] = [];
  const ties = new Map<string, Tie>();
  for (const [name, t] of Object.entries(input.tied)) {
    const key = name.toLowerCase();
    if (!ties.has(key)) ties.set(key, { to: t.to.toLowerCase(), ratio: t.ratio });
  }
  for (const [name, t] of Object.entries(input.tied)) {
    const parent = t.to.toLowerCase();
    const path: KeyPath = ["parameters", "tied", name, "to"];
    if (parent === name.toLowerCase()) {
      problems.push({
        path,
        message: `\`${name}\` is tied to itself`,
        fix: "tie it to another parameter, or remove it",
      });
      continue;
    }
    const grand = ties.get(parent);
    if (grand !== undefined) {
      problems.push({
        path,
        message: `\`${t.to}\` is tied itself (to \`${grand.to}\`)`,
        fix: `tie \`${name}\` to a parameter that is not tied (a tie may not lead to another)`,
      });
    }
  }
  const given = (key: "fixed" | "priors", record: Readonly<Record<string, unknown>> | undefined) => {
    for (const name of Object.keys(record ?? {})) {
      const tie = ties.get(name.toLowerCase());
      if (tie === undefined) continue;
      problems.push({
        path: key === "fixed" ? ["parameters", "fixed", name] : ["parameters", "sample", "priors", name],
        message: `\`${name}\` is tied to \`${tie.to}\` (\`parameters.tied\`), so it takes its value from there, not from ${key === "fixed" ? "`fixed`" : "a prior"}`,
        fix: "remove one of them",
      });
    }
  };
  given("priors", input.priors);
  given("fixed", input.fixed);
  return { ties, problems };
}

/** A tie whose parent some parameter set lacks cannot be computed there. */
export function missingParents(
  tied: TieInput["tied"],
  ties: Ties,
  realisations: readonly Realisation[],
): TieProblem[] {
  if (realisations.length === 0) return [];
  const problems: TieProblem[] = [];
  for (const [name, t] of Object.entries(tied)) {
    const parent = t.to.toLowerCase();
    if (ties.has(parent) || parent === name.toLowerCase()) continue;
    const lacking = realisations.filter((r) => !r.values.has(parent));
    if (lacking.length === 0) continue;
    const path: KeyPath = ["parameters", "tied", name, "to"];
    if (lacking.length === realisations.length) {
      const suggestion = closest(parent, realisations[0]!.values.keys());
      problems.push({
        path,
        message: `parameter \`${t.to}\` is in no parameter set`,
        fix: suggestion ? `did you mean \`${suggestion}\`?` : "tie it to a parameter of the parameter sets",
      });
    } else {
      const ids = lacking.slice(0, 5).map((r) => r.id);
      problems.push({
        path,
        message: `parameter \`${t.to}\` is missing from parameter set(s) ${ids.join(", ")}${lacking.length > 5 ? ` and ${lacking.length - 5} more` : ""}`,
        fix: "add it to every parameter set, or give it a value under `parameters.fixed`",
      });
    }
  }
  return problems;
}

/** Every realisation with its tied parameters set from their parents. */
export function applyTies(realisations: readonly Realisation[], ties: Ties): Realisation[] {
  if (ties.size === 0) return [...realisations];
  const matrix = rowsOf(realisations.map((r) => r.values));
  if (matrix !== undefined) {
    const added = withColumns(
      matrix.columns,
      matrix.rows,
      [...ties].map(([name, tie]) => {
        const parent = matrix.columns.columnOf(tie.to)!;
        return { name, value: (row: Float64Array) => row[parent]! * tie.ratio };
      }),
    );
    return realisations.map((r, i) => ({ id: r.id, values: new RowValues(added.columns, added.rows[i]!) }));
  }
  return realisations.map((r) => {
    const values = new Map(r.values);
    for (const [name, tie] of ties) values.set(name, r.values.get(tie.to)! * tie.ratio);
    return { id: r.id, values };
  });
}
