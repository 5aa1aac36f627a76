// A PEST control file for pestpp-ies from a calibration's setup: the parameters (log or none,
// bounds, groups, scale and offset; fixed and tied ones as PEST has them), every observation the
// instruction files read (those not matched with weight 0), the model command, the
// template/instruction pairs and PEST++ options. The prior ensemble and the observations plus
// noise are given as CSV files (ies_parameter_ensemble, ies_observation_ensemble), so pestpp-ies
// starts from exactly the ensemble the built-in smoother would.
import { numberText } from "../../pest/par-file.ts";
import type { CalibrationSetup } from "../run-calibration.ts";

export interface PstFiles {
  /** Paths relative to the manager's and the agents' folders. */
  readonly templates: ReadonlyArray<{ readonly template: string; readonly writes: string }>;
  readonly instructions: ReadonlyArray<{ readonly file: string; readonly reads: string }>;
  /** The command line PEST++ runs (no shell). */
  readonly command: string;
  readonly parameterEnsemble: string;
  readonly observationEnsemble: string;
}

const BIG = 1e30;

export function writeControlFile(setup: CalibrationSetup, files: PstFiles): string {
  const { resolved, settings, space, targets } = setup;
  const prior = resolved.realisations.realisations;
  const first = prior[0]!.values;
  const adjustable = new Map(space.adjustable.map((p) => [p.name, p]));
  const transforms = resolved.realisations.transforms;
  const groups = [...new Set([...space.adjustable.map((p) => p.group), "fixed"])];
  const mean = (name: string, log: boolean) => {
    const v = prior.map((r) => r.values.get(name)!);
    if (!log) return v.reduce((a, b) => a + b, 0) / v.length;
    return 10 ** (v.reduce((a, b) => a + Math.log10(b), 0) / v.length);
  };
  const parLines: string[] = [];
  const tiedLines: string[] = [];
  const parval = new Map<string, number>();
  for (const name of space.names) {
    const p = adjustable.get(name);
    const t = transforms.get(name) ?? { scale: 1, offset: 0 };
    const tie = space.ties.get(name);
    if (tie) continue;
    const value = p ? clamp(mean(name, p.log), p.lower, p.upper) : first.get(name)!;
    parval.set(name, value);
    const lower = p ? (p.log ? Math.max(p.lower, 1e-30) : finite(p.lower, -BIG)) : Math.min(value, -BIG);
    const upper = p ? finite(p.upper, BIG) : Math.max(value, BIG);
    parLines.push(
      [
        name,
        p ? (p.log ? "log" : "none") : "fixed",
        "factor",
        value,
        lower,
        upper,
        p ? p.group : "fixed",
        t.scale,
        t.offset,
        1,
      ]
        .map((c) => (typeof c === "number" ? numberText(c) : c))
        .join(" "),
    );
  }
  for (const [name, tie] of space.ties) {
    const t = transforms.get(name) ?? { scale: 1, offset: 0 };
    const value = parval.get(tie.to)! * tie.ratio;
    parLines.push(
      [
        name,
        "tied",
        "factor",
        numberText(value),
        numberText(-BIG),
        numberText(BIG),
        "fixed",
        numberText(t.scale),
        numberText(t.offset),
        "1",
      ].join(" "),
    );
    tiedLines.push(`${name} ${tie.to}`);
  }
  const byName = new Map(targets.map((t) => [t.name, t]));
  const observations = resolved.observations.map((o) => o.toLowerCase());
  const obsGroups = [
    ...new Set([
      ...targets.map((t) => t.group),
      ...(observations.some((o) => !byName.has(o)) ? ["other"] : []),
    ]),
  ];
  const obsLines = observations.map((o) => {
    const t = byName.get(o);
    return t ? `${o} ${numberText(t.value)} ${numberText(t.weight)} ${t.group}` : `${o} 0 0 other`;
  });
  const counted = targets.filter((t) => t.weight > 0).length;
  const maxSingular = settings.max_singular ?? Math.min(space.adjustable.length, counted);
  const options: Record<string, string> = {
    ies_parameter_ensemble: files.parameterEnsemble,
    ies_observation_ensemble: files.observationEnsemble,
    ies_add_base: "false",
    ies_num_reals: String(prior.length),
    ies_use_mda: settings.method === "esmda" ? "true" : "false",
    ies_lambda_mults: settings.lambda_mults.join(","),
    lambda_scale_fac: settings.scale_facs.join(","),
    ies_subset_size: String(settings.subset),
    ies_subset_how: settings.subset_how,
    ies_accept_phi_fac: String(settings.accept_phi_fac),
    ies_lambda_inc_fac: String(settings.lambda_inc_fac),
    ies_lambda_dec_fac: String(settings.lambda_dec_fac),
    ies_use_approx: String(settings.use_approx),
    rand_seed: String(settings.seed),
    panther_poll_interval: "0.1",
    max_run_fail: "1",
    ...(settings.initial_lambda === undefined ? {} : { ies_initial_lambda: String(settings.initial_lambda) }),
    ...(settings.bad_phi === undefined ? {} : { ies_bad_phi: String(settings.bad_phi) }),
    ...(settings.bad_phi_sigma === undefined ? {} : { ies_bad_phi_sigma: String(settings.bad_phi_sigma) }),
  };
  const noptmax =
    settings.method === "esmda" && settings.alphas ? settings.alphas.length : settings.iterations;
  const lines = [
    "pcf",
    "* control data",
    "restart estimation",
    `${space.names.length} ${observations.length} ${groups.length} 0 ${obsGroups.length}`,
    `${files.templates.length} ${files.instructions.length} single point 1 0 0`,
    "10.0 -3.0 0.3 0.03 10",
    "10.0 10.0 0.001",
    "0.1",
    `${noptmax} 0.005 4 4 0.005 4`,
    "0 0 0",
    "* singular value decomposition",
    "1",
    `${maxSingular} ${numberText(settings.eigthresh)}`,
    "1",
    "* parameter groups",
    ...groups.map((g) => `${g} relative 0.01 0.0 switch 2.0 parabolic`),
    "* parameter data",
    ...parLines,
    ...tiedLines,
    "* observation groups",
    ...obsGroups,
    "* observation data",
    ...obsLines,
    "* model command line",
    files.command,
    "* model input/output",
    ...files.templates.map((t) => `${t.template} ${t.writes}`),
    ...files.instructions.map((i) => `${i.file} ${i.reads}`),
    ...Object.entries(options).map(([k, v]) => `++${k}(${v})`),
  ];
  return `${lines.join("\n")}\n`;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function finite(v: number, fallback: number): number {
  return Number.isFinite(v) ? v : fallback;
}
