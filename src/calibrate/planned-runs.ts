// How many model runs a calibration plans, before it has run any: what the plan's comment and
// cost count for a scenario that calibrates. An upper bound: dropped realisations, and an ies
// iteration whose subset does not improve enough (the rest then does not run), run fewer.
import type { CalibrationSpec } from "../spec/calibration-schema.ts";
import { esmdaAlphas, lambdaSubsetSize } from "./smoother.ts";

export interface PlannedCalibration {
  readonly method: CalibrationSpec["method"];
  readonly iterations: number;
  /** Realisations in the ensemble. */
  readonly ensemble: number;
  /** Model runs at most, the prior's included. */
  readonly runs: number;
}

export function plannedCalibration(settings: CalibrationSpec, ensemble: number): PlannedCalibration {
  if (settings.method === "esmda") {
    const iterations = esmdaAlphas(settings).length;
    return { method: "esmda", iterations, ensemble, runs: ensemble * (iterations + 1) };
  }
  const candidates = settings.lambda_mults.length * settings.scale_facs.length;
  const subset = lambdaSubsetSize(settings, ensemble, candidates);
  const perIteration = subset * candidates + (ensemble - subset);
  return {
    method: "ies",
    iterations: settings.iterations,
    ensemble,
    runs: ensemble + settings.iterations * perIteration,
  };
}
