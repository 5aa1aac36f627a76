// The calibration loop: evaluate the prior ensemble, then per iteration compute upgrades, run
// them, and keep what improves the fit. Two methods:
// - ies: PEST++'s pestpp-ies by default (EnsembleMethod::solve): upgrades for each Marquardt
//   lambda (the last best × ies_lambda_mults) and scale factor, tested on a subset of the
//   realisations; the best one is run for the rest; it is accepted when the mean phi falls
//   below the last one × accept_phi_fac (lambda × lambda_dec_fac next), otherwise only the
//   realisations whose phi fell are updated (lambda × lambda_inc_fac next).
// - esmda: Emerick & Reynolds (2013): one Kalman update per inflation factor α (their inverses
//   sum to one), each against observations perturbed afresh with noise of variance α σ².
// Failed runs and realisations whose phi is far above the rest are dropped, with why.
//
// It is pure but for the Evaluator, which runs a batch of parameter sets (a run set) and
// returns their outcomes: every decision is a function of the seed and of earlier outcomes, so
// running the loop again over the same published results repeats it exactly, and a killed
// calibration continues from its last published realisation.
import { Matrix } from "ml-matrix";
import type { CalibrationSpec } from "../spec/calibration-schema.ts";
import { randomSubset, standardNormals } from "./draws.ts";
import { ensembleUpgrade, priorTermMatrix, type Truncation } from "./ensemble-update.ts";
import type { ObservationTarget } from "./observation-targets.ts";
import { fromNumeric, type ParameterSpace, toNumeric, withAdjusted } from "./parameter-space.ts";
import { badPhiThreshold, initialLambda, phiOf, phiStats } from "./phi.ts";

export interface Member {
  /** Unique within the iteration: a result's id in the iteration's run set. */
  readonly id: string;
  /** The realisation it belongs to. */
  readonly real: string;
  /** Every parameter's value (adjusted, fixed and tied). */
  readonly values: ReadonlyMap<string, number>;
}

export type Outcome =
  | { readonly ok: true; readonly observations: Readonly<Record<string, number>> }
  | { readonly ok: false; readonly reason: string };

export interface Evaluator {
  /** Runs the members (one batch of iteration `iteration`) and returns every outcome. */
  evaluate(iteration: number, members: readonly Member[]): Promise<ReadonlyMap<string, Outcome>>;
}

export interface Dropped {
  readonly real: string;
  readonly iteration: number;
  readonly why: string;
}

export interface LambdaTest {
  readonly lambda: number;
  readonly scale: number;
  readonly meanPhi: number;
  readonly stdPhi: number;
  /** Realisations of the subset it ran, and how many of them counted. */
  readonly runs: number;
  readonly counted: number;
}

export interface IterationRecord {
  readonly iteration: number;
  /** Model runs so far, this iteration's included. */
  readonly totalRuns: number;
  /** The ensemble after the iteration, realisation names in order. */
  readonly reals: readonly string[];
  readonly parameters: ReadonlyMap<string, ReadonlyMap<string, number>>;
  readonly simulated: ReadonlyMap<string, Readonly<Record<string, number>>>;
  readonly phiMeasured: ReadonlyMap<string, number>;
  readonly phiActual: ReadonlyMap<string, number>;
  readonly dropped: readonly Dropped[];
  /** ies: the lambda and scale factor used, what was tested, and whether it was accepted. */
  readonly lambda?: number;
  readonly scale?: number;
  readonly lambdaTests?: readonly LambdaTest[];
  readonly accepted: boolean;
  /** esmda: the inflation factor. */
  readonly alpha?: number;
}

export interface CalibrationInput {
  readonly settings: CalibrationSpec;
  readonly space: ParameterSpace;
  readonly targets: readonly ObservationTarget[];
  /** The prior ensemble: realisation name → every parameter's value. */
  readonly prior: ReadonlyArray<{ readonly real: string; readonly values: ReadonlyMap<string, number> }>;
  readonly evaluator: Evaluator;
  /** Called after each iteration (0 = the prior), e.g. to write its files. */
  readonly onIteration?: (record: IterationRecord) => Promise<void> | void;
}

export interface CalibrationResult {
  readonly iterations: readonly IterationRecord[];
  /** Observations plus noise: realisation → target name → value (the targets with noise off). */
  readonly observationsPlusNoise: ReadonlyMap<string, Readonly<Record<string, number>>>;
  readonly totalRuns: number;
}

interface Ensemble {
  reals: string[];
  parameters: Map<string, ReadonlyMap<string, number>>;
  simulated: Map<string, Readonly<Record<string, number>>>;
}

/** The inflation factors of ES-MDA, scaled so that their inverses sum to one. */
/** The realisations an ies iteration tests its lambdas on (PEST++'s ies_subset_size). */
export function lambdaSubsetSize(
  settings: Pick<CalibrationSpec, "subset">,
  ensemble: number,
  candidates: number,
): number {
  if (candidates === 1) return ensemble;
  const size =
    settings.subset < 0 ? Math.max(4, Math.floor((ensemble * -settings.subset) / 100)) : settings.subset;
  return Math.min(size, ensemble);
}

export function esmdaAlphas(settings: Pick<CalibrationSpec, "alphas" | "iterations">): number[] {
  // PEST++'s default schedule when none is given: 10, halving, then scaled (solve_mda).
  const raw = settings.alphas ?? Array.from({ length: settings.iterations }, (_, i) => 10 * 0.5 ** i);
  const sum = raw.reduce((a, b) => a + 1 / b, 0);
  return raw.map((a) => a * sum);
}

export async function calibrate(input: CalibrationInput): Promise<CalibrationResult> {
  const { settings, space, targets } = input;
  const counted = targets.filter((t) => t.weight > 0);
  const weights = counted.map((t) => t.weight);
  const observed = counted.map((t) => t.value);
  const truncation: Truncation = {
    eigthresh: settings.eigthresh,
    maxSingular: settings.max_singular ?? Math.min(space.adjustable.length, counted.length),
  };
  const names = input.prior.map((p) => p.real);
  const noise = observationsPlusNoise(targets, names, settings);
  const records: IterationRecord[] = [];
  let totalRuns = 0;
  const allDropped: Dropped[] = [];

  const run = async (iteration: number, members: Member[]) => {
    totalRuns += members.length;
    return members.length === 0 ? new Map<string, Outcome>() : input.evaluator.evaluate(iteration, members);
  };
  const measured = (real: string, sim: Readonly<Record<string, number>>) =>
    phiOf(
      counted.map((t) => sim[t.name]!),
      counted.map((t) => noise.get(real)![t.name]!),
      weights,
    );
  const actual = (sim: Readonly<Record<string, number>>) =>
    phiOf(
      counted.map((t) => sim[t.name]!),
      observed,
      weights,
    );
  const badRule = {
    ...(settings.bad_phi === undefined ? {} : { badPhi: settings.bad_phi }),
    ...(settings.bad_phi_sigma === undefined ? {} : { badPhiSigma: settings.bad_phi_sigma }),
  };
  /** Splits outcomes into what counts and what is dropped (failed, or phi far above the rest). */
  const judge = (
    iteration: number,
    outcomes: ReadonlyArray<{ real: string; outcome: Outcome | undefined }>,
  ) => {
    const dropped: Dropped[] = [];
    const ok: Array<{ real: string; sim: Readonly<Record<string, number>>; phi: number }> = [];
    for (const { real, outcome } of outcomes) {
      if (!outcome) dropped.push({ real, iteration, why: "no result" });
      else if (!outcome.ok) dropped.push({ real, iteration, why: `the model run failed: ${outcome.reason}` });
      else {
        const missing = counted.find((t) => !Number.isFinite(outcome.observations[t.name]));
        if (missing) dropped.push({ real, iteration, why: `observation ${missing.name} has no value` });
        else ok.push({ real, sim: outcome.observations, phi: measured(real, outcome.observations) });
      }
    }
    const bad = badPhiThreshold(
      ok.map((o) => o.phi),
      badRule,
    );
    const kept = bad ? ok.filter((o) => o.phi <= bad.threshold) : ok;
    if (bad) {
      for (const o of ok)
        if (o.phi > bad.threshold)
          dropped.push({ real: o.real, iteration, why: `phi ${Number(o.phi.toPrecision(4))} is ${bad.why}` });
    }
    return { kept, dropped };
  };
  const record = async (
    iteration: number,
    ensemble: Ensemble,
    extra: Omit<
      IterationRecord,
      "iteration" | "totalRuns" | "reals" | "parameters" | "simulated" | "phiMeasured" | "phiActual"
    >,
  ) => {
    const phiMeasured = new Map(ensemble.reals.map((r) => [r, measured(r, ensemble.simulated.get(r)!)]));
    const phiActual = new Map(ensemble.reals.map((r) => [r, actual(ensemble.simulated.get(r)!)]));
    const rec: IterationRecord = {
      iteration,
      totalRuns,
      reals: [...ensemble.reals],
      parameters: new Map(ensemble.parameters),
      simulated: new Map(ensemble.simulated),
      phiMeasured,
      phiActual,
      ...extra,
    };
    records.push(rec);
    allDropped.push(...extra.dropped);
    await input.onIteration?.(rec);
    return rec;
  };

  // Iteration 0: the prior.
  const priorOutcomes = await run(
    0,
    input.prior.map((p) => ({ id: p.real, real: p.real, values: p.values })),
  );
  const first = judge(
    0,
    names.map((real) => ({ real, outcome: priorOutcomes.get(real) })),
  );
  let current: Ensemble = {
    reals: first.kept.map((k) => k.real),
    parameters: new Map(
      input.prior.filter((p) => first.kept.some((k) => k.real === p.real)).map((p) => [p.real, p.values]),
    ),
    simulated: new Map(first.kept.map((k) => [k.real, k.sim])),
  };
  let last = await record(0, current, { dropped: first.dropped, accepted: true });
  const priorValues = new Map(input.prior.map((p) => [p.real, p.values]));
  let lambda =
    settings.initial_lambda ?? initialLambda(phiStats([...last.phiMeasured.values()]).mean, counted.length);
  const alphas = esmdaAlphas(settings);
  const iterations = settings.method === "esmda" ? alphas.length : settings.iterations;

  for (let iteration = 1; iteration <= iterations; iteration++) {
    if (current.reals.length < 2) break;
    const x = numericMatrix(space, current);
    const sim = new Matrix(current.reals.map((r) => counted.map((t) => current.simulated.get(r)![t.name]!)));
    const before = phiStats([...last.phiMeasured.values()]);
    const upgradeFor = (damping: number, targetRows: Matrix, withPrior: boolean) =>
      ensembleUpgrade({
        parameters: x,
        simulated: sim,
        targets: targetRows,
        weights,
        damping,
        truncation,
        ...(withPrior
          ? {
              prior: (() => {
                const p = numericMatrix(space, {
                  reals: current.reals,
                  parameters: priorValues,
                });
                return { parameters: p, a: priorTermMatrix(p, truncation) };
              })(),
            }
          : {}),
      });
    const candidate = (upgrade: Matrix, scale: number) =>
      new Map(
        current.reals.map((r, i) => [
          r,
          withAdjusted(
            space,
            current.parameters.get(r)!,
            space.adjustable.map((p, j) => fromNumeric(p, x.get(i, j) + scale * upgrade.get(i, j))),
          ) as ReadonlyMap<string, number>,
        ]),
      );

    if (settings.method === "esmda") {
      const alpha = alphas[iteration - 1]!;
      const perturbed = targetsWithNoise(targets, current.reals, settings, alpha, `noise:${iteration}`);
      const rows = new Matrix(current.reals.map((r) => counted.map((t) => perturbed.get(r)![t.name]!)));
      const values = candidate(upgradeFor(alpha, rows, false), 1);
      const outcomes = await run(
        iteration,
        current.reals.map((r) => ({ id: r, real: r, values: values.get(r)! })),
      );
      const judged = judge(
        iteration,
        current.reals.map((real) => ({ real, outcome: outcomes.get(real) })),
      );
      current = {
        reals: judged.kept.map((k) => k.real),
        parameters: new Map(judged.kept.map((k) => [k.real, values.get(k.real)!])),
        simulated: new Map(judged.kept.map((k) => [k.real, k.sim])),
      };
      last = await record(iteration, current, { dropped: judged.dropped, accepted: true, alpha });
      continue;
    }

    // ies: every lambda and scale factor, on a subset first.
    const rows = new Matrix(current.reals.map((r) => counted.map((t) => noise.get(r)![t.name]!)));
    const tried = settings.lambda_mults.map((m) => m * lambda);
    const candidates: Array<{
      lambda: number;
      scale: number;
      values: Map<string, ReadonlyMap<string, number>>;
    }> = [];
    for (const lam of tried) {
      const upgrade = upgradeFor(lam + 1, rows, !settings.use_approx);
      for (const scale of settings.scale_facs)
        candidates.push({ lambda: lam, scale, values: candidate(upgrade, scale) });
    }
    const size = current.reals.length;
    const subsetSize = lambdaSubsetSize(settings, size, candidates.length);
    const subset =
      settings.subset_how === "first"
        ? current.reals.slice(0, subsetSize)
        : settings.subset_how === "last"
          ? current.reals.slice(size - subsetSize)
          : randomSubset(settings.seed, `subset:${iteration}`, size, subsetSize).map(
              (i) => current.reals[i]!,
            );
    const id = (c: number, real: string) => `c${c}-${real}`;
    const tests = await run(
      iteration,
      candidates.flatMap((c, k) =>
        subset.map((real) => ({ id: id(k, real), real, values: c.values.get(real)! })),
      ),
    );
    const judgedTests = candidates.map((_, k) =>
      judge(
        iteration,
        subset.map((real) => ({ real, outcome: tests.get(id(k, real)) })),
      ),
    );
    const lambdaTests: LambdaTest[] = candidates.map((c, k) => {
      const s = phiStats(judgedTests[k]!.kept.map((o) => o.phi));
      return {
        lambda: c.lambda,
        scale: c.scale,
        meanPhi: s.mean,
        stdPhi: s.std,
        runs: subset.length,
        counted: judgedTests[k]!.kept.length,
      };
    });
    let best = -1;
    lambdaTests.forEach((t, k) => {
      if (t.counted > 0 && (best < 0 || t.meanPhi < lambdaTests[best]!.meanPhi)) best = k;
    });
    const unchanged = { dropped: [] as Dropped[], lambdaTests };
    if (best < 0) {
      lambda *= 10_000;
      last = await record(iteration, current, { ...unchanged, accepted: false });
      continue;
    }
    const chosen = candidates[best]!;
    const acceptable = before.mean * settings.accept_phi_fac;
    /** Realisations whose phi fell (below their last × accept_phi_fac) take the candidate. */
    const updateByPhi = (
      kept: ReadonlyArray<{ real: string; sim: Readonly<Record<string, number>>; phi: number }>,
    ) => {
      const next: Ensemble = {
        reals: [...current.reals],
        parameters: new Map(current.parameters),
        simulated: new Map(current.simulated),
      };
      for (const k of kept) {
        if (k.phi < last.phiMeasured.get(k.real)! * settings.accept_phi_fac) {
          next.parameters.set(k.real, chosen.values.get(k.real)!);
          next.simulated.set(k.real, k.sim);
        }
      }
      return next;
    };
    const adjustLambda = (next: Ensemble) => {
      const s = phiStats(next.reals.map((r) => measured(r, next.simulated.get(r)!)));
      lambda =
        s.mean < acceptable && s.std < before.std * settings.accept_phi_fac
          ? chosen.lambda * settings.lambda_dec_fac
          : lambda * settings.lambda_inc_fac;
    };
    if (subset.length < size && lambdaTests[best]!.meanPhi > acceptable) {
      // The subset did not improve enough: only its improved realisations change.
      current = updateByPhi(judgedTests[best]!.kept);
      adjustLambda(current);
      last = await record(iteration, current, {
        ...unchanged,
        lambda: chosen.lambda,
        scale: chosen.scale,
        accepted: false,
      });
      continue;
    }
    const rest = current.reals.filter((r) => !subset.includes(r));
    const remaining = await run(
      iteration,
      rest.map((real) => ({ id: id(best, real), real, values: chosen.values.get(real)! })),
    );
    const judged = judge(
      iteration,
      current.reals.map((real) => ({
        real,
        outcome: subset.includes(real) ? tests.get(id(best, real)) : remaining.get(id(best, real)),
      })),
    );
    const after = phiStats(judged.kept.map((k) => k.phi));
    if (after.mean < acceptable) {
      current = {
        reals: judged.kept.map((k) => k.real),
        parameters: new Map(judged.kept.map((k) => [k.real, chosen.values.get(k.real)!])),
        simulated: new Map(judged.kept.map((k) => [k.real, k.sim])),
      };
      if (after.std < before.std * settings.accept_phi_fac) lambda = chosen.lambda * settings.lambda_dec_fac;
      last = await record(iteration, current, {
        dropped: judged.dropped,
        lambdaTests,
        lambda: chosen.lambda,
        scale: chosen.scale,
        accepted: true,
      });
    } else {
      current = updateByPhi(judged.kept);
      adjustLambda(current);
      last = await record(iteration, current, {
        ...unchanged,
        lambda: chosen.lambda,
        scale: chosen.scale,
        accepted: false,
      });
    }
  }
  return { iterations: records, observationsPlusNoise: noise, totalRuns };
}

/** The adjustable parameters of an ensemble in the smoother's space: reals × parameters. */
function numericMatrix(space: ParameterSpace, e: Pick<Ensemble, "reals" | "parameters">): Matrix {
  return new Matrix(
    e.reals.map((r) => {
      const values = e.parameters.get(r)!;
      return space.adjustable.map((p) => toNumeric(p, values.get(p.name)!));
    }),
  );
}

/** The observations plus noise each realisation matches (`<case>.obs+noise.csv`). */
export function observationsPlusNoise(
  targets: readonly ObservationTarget[],
  reals: readonly string[],
  settings: Pick<CalibrationSpec, "noise" | "seed">,
): Map<string, Record<string, number>> {
  return targetsWithNoise(targets, reals, settings, 1, "noise");
}

/** Each realisation's targets: the observations plus noise of variance α σ² (no noise when
 * `settings.noise` is off, or for weight-0 observations). */
function targetsWithNoise(
  targets: readonly ObservationTarget[],
  reals: readonly string[],
  settings: Pick<CalibrationSpec, "noise" | "seed">,
  alpha: number,
  stream: string,
): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>(reals.map((r) => [r, {}]));
  for (const t of targets) {
    const z =
      settings.noise && t.weight > 0 && Number.isFinite(t.sd)
        ? standardNormals(settings.seed, `${stream}:${t.name}`, reals.length)
        : undefined;
    reals.forEach((r, i) => {
      out.get(r)![t.name] = z ? t.value + Math.sqrt(alpha) * t.sd * z[i]! : t.value;
    });
  }
  return out;
}
