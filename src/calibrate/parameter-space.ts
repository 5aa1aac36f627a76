// Which parameters a calibration adjusts, and in which space: PEST's log transform (the
// smoother works on log10 of a log-transformed parameter), bounds (enforced on every
// upgrade, as ies_enforce_bounds does: a value past a bound is set to the bound) and groups.
// Defaults come from the priors (loguniform and lognormal are log-transformed; a prior's bounds
// or range bound it); `calibration.parameters` overrides them. Fixed and tied parameters are
// never adjusted: fixed ones keep each realisation's value, tied ones follow their parent.
import { UserError } from "../errors.ts";
import type { Realisation } from "../params/types.ts";
import { defaultGroupName } from "../results/groups.ts";
import type { CalibrationSpec } from "../spec/calibration-schema.ts";
import type { PriorSpec, ProjectSpec } from "../spec/schema.ts";

export interface AdjustableParameter {
  /** Lower-case. */
  readonly name: string;
  readonly log: boolean;
  readonly lower: number;
  readonly upper: number;
  readonly group: string;
}

export interface ParameterSpace {
  /** Every parameter of the realisations, lower-case, in their order. */
  readonly names: readonly string[];
  readonly adjustable: readonly AdjustableParameter[];
  /** Tied parameter → parent and ratio. */
  readonly ties: ReadonlyMap<string, { readonly to: string; readonly ratio: number }>;
}

export function parameterSpace(
  spec: Pick<ProjectSpec, "parameters">,
  calibration: CalibrationSpec,
  prior: readonly Realisation[],
  file: string,
): ParameterSpace {
  const names = prior[0] ? [...prior[0].values.keys()] : [];
  const lower = (r: Readonly<Record<string, unknown>>) =>
    new Map(Object.entries(r).map(([k, v]) => [k.toLowerCase(), v]));
  const priors = lower(spec.parameters.sample?.priors ?? {}) as Map<string, PriorSpec>;
  const fixed = lower(spec.parameters.fixed);
  const tied = lower(spec.parameters.tied) as Map<string, { to: string; ratio: number }>;
  const settings = lower(calibration.parameters) as Map<string, CalibrationSpec["parameters"][string]>;
  for (const [name] of settings) {
    if (!names.includes(name)) {
      throw new UserError(
        `${file}: \`calibration.parameters.${name}\`: no parameter set has a parameter ${name}; name one of ${names.join(", ")}`,
      );
    }
  }
  const adjustable: AdjustableParameter[] = [];
  for (const name of names) {
    const own = settings.get(name);
    const p = priors.get(name);
    if (tied.has(name) || fixed.has(name) || own?.transform === "fixed" || p?.fixed !== undefined) continue;
    const log =
      own?.transform !== undefined ? own.transform === "log" : Boolean(p?.loguniform ?? p?.lognormal);
    const [lo, hi] = own?.bounds ?? boundsOf(p);
    if (log) {
      const bad = prior.find((r) => !((r.values.get(name) ?? Number.NaN) > 0));
      if (bad) {
        throw new UserError(
          `${file}: parameter ${name} is log-transformed, but realisation ${bad.id} gives it ${bad.values.get(name)}; ` +
            `a log-transformed parameter must be positive: set \`calibration.parameters.${name}.transform: none\``,
        );
      }
    }
    adjustable.push({
      name,
      log,
      lower: log ? Math.max(lo, Number.MIN_VALUE) : lo,
      upper: hi,
      group: own?.group ?? defaultGroupName(name),
    });
  }
  if (adjustable.length === 0) {
    throw new UserError(
      `${file}: no parameter to adjust: every parameter is fixed or tied; a calibration adjusts the others`,
    );
  }
  return { names, adjustable, ties: tied };
}

function boundsOf(p: PriorSpec | undefined): [number, number] {
  if (p?.bounds) return [p.bounds[0], p.bounds[1]];
  if (p?.uniform) return [p.uniform[0], p.uniform[1]];
  if (p?.loguniform) return [p.loguniform[0], p.loguniform[1]];
  if (p?.triangular) return [p.triangular[0], p.triangular[2]];
  if (p?.lognormal) return [0, Number.POSITIVE_INFINITY];
  return [Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY];
}

/** The value in the smoother's space. */
export function toNumeric(p: AdjustableParameter, value: number): number {
  return p.log ? Math.log10(value) : value;
}

/** Back to the value, within the parameter's bounds. */
export function fromNumeric(p: AdjustableParameter, x: number): number {
  const v = p.log ? 10 ** x : x;
  return Math.min(p.upper, Math.max(p.lower, v));
}

/** A realisation's values with its adjustable parameters replaced and its ties applied. */
export function withAdjusted(
  space: ParameterSpace,
  base: ReadonlyMap<string, number>,
  adjusted: readonly number[],
): Map<string, number> {
  const values = new Map(base);
  space.adjustable.forEach((p, j) => {
    values.set(p.name, adjusted[j]!);
  });
  for (const [name, tie] of space.ties) values.set(name, values.get(tie.to)! * tie.ratio);
  return values;
}
