// What a calibration's report says, as one plain object (written as calibration.json): phi per
// iteration, each parameter's prior and posterior, each observation's fit before and after, and
// the realisations dropped and why. The markdown and HTML reports are drawn from it alone.

import { type PhiStats, phiStats } from "../phi.ts";
import type { CalibrationSetup } from "../run-calibration.ts";
import type { CalibrationResult, Dropped, IterationRecord } from "../smoother.ts";

export interface Spread {
  readonly mean: number;
  readonly p10: number;
  readonly p50: number;
  readonly p90: number;
}

export interface CalibrationSummary {
  readonly schema: 1;
  readonly project: string;
  readonly scenario: string;
  readonly method: "ies" | "esmda";
  readonly engine: string;
  readonly realisations: number;
  readonly totalRuns: number;
  readonly wallSeconds: number;
  readonly iterations: ReadonlyArray<{
    readonly iteration: number;
    readonly totalRuns: number;
    readonly realisations: number;
    readonly measured: PhiStats;
    readonly actual: PhiStats;
    readonly lambda?: number;
    readonly scale?: number;
    readonly alpha?: number;
    readonly accepted: boolean;
  }>;
  readonly parameters: ReadonlyArray<{
    readonly name: string;
    readonly group: string;
    readonly log: boolean;
    readonly prior: Spread;
    readonly posterior: Spread;
  }>;
  readonly observations: ReadonlyArray<{
    readonly name: string;
    readonly group: string;
    readonly observed: number;
    readonly weight: number;
    readonly prior: Spread;
    readonly posterior: Spread;
  }>;
  readonly dropped: readonly Dropped[];
  /** The files, relative to the calibration's folder. */
  readonly files: { readonly posterior: string; readonly phi: string };
}

export function calibrationSummary(options: {
  readonly setup: CalibrationSetup;
  readonly result: CalibrationResult;
  readonly wallSeconds: number;
  readonly engine: string;
}): CalibrationSummary {
  const { setup, result } = options;
  const { resolved, settings, space, targets } = setup;
  const first = result.iterations[0]!;
  const last = result.iterations.at(-1)!;
  const parameterSpread = (rec: IterationRecord, name: string) =>
    spread(rec.reals.map((r) => rec.parameters.get(r)!.get(name)!));
  const observationSpread = (rec: IterationRecord, name: string) =>
    spread(rec.reals.map((r) => rec.simulated.get(r)![name]!));
  const scenario = resolved.spec.scenario;
  return {
    schema: 1,
    project: resolved.spec.project,
    scenario,
    method: settings.method,
    engine: options.engine,
    realisations: resolved.realisations.realisations.length,
    totalRuns: result.totalRuns,
    wallSeconds: options.wallSeconds,
    iterations: result.iterations.map((it) => ({
      iteration: it.iteration,
      totalRuns: it.totalRuns,
      realisations: it.reals.length,
      measured: phiStats([...it.phiMeasured.values()]),
      actual: phiStats([...it.phiActual.values()]),
      ...(it.lambda === undefined ? {} : { lambda: it.lambda }),
      ...(it.scale === undefined ? {} : { scale: it.scale }),
      ...(it.alpha === undefined ? {} : { alpha: it.alpha }),
      accepted: it.accepted,
    })),
    parameters: space.adjustable.map((p) => ({
      name: p.name,
      group: p.group,
      log: p.log,
      prior: parameterSpread(first, p.name),
      posterior: parameterSpread(last, p.name),
    })),
    observations: targets.map((t) => ({
      name: t.name,
      group: t.group,
      observed: t.value,
      weight: t.weight,
      prior: observationSpread(first, t.name),
      posterior: observationSpread(last, t.name),
    })),
    dropped: result.iterations.flatMap((it) => it.dropped),
    files: { posterior: `${scenario}.${last.iteration}.par.csv`, phi: `${scenario}.phi.actual.csv` },
  };
}

/** Mean and the 10th, 50th and 90th percentiles (linear between order statistics). */
export function spread(values: readonly number[]): Spread {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  const q = (p: number) => {
    if (v.length === 0) return Number.NaN;
    const h = (v.length - 1) * p;
    const lo = Math.floor(h);
    return v[lo]! + (h - lo) * ((v[Math.min(lo + 1, v.length - 1)] ?? v[lo]!) - v[lo]!);
  };
  return { mean: v.reduce((a, b) => a + b, 0) / v.length, p10: q(0.1), p50: q(0.5), p90: q(0.9) };
}
