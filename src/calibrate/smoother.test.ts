// The smoothers against a linear-Gaussian problem whose posterior is known in closed form: at
// 2,000 realisations the sampling error of a covariance is about √(2/N) ≈ 3 %, so a posterior
// mean within 0.1 posterior standard deviations and a covariance within 10 % is a pass.
import { describe, expect, it } from "vitest";
import { calibrationSchema } from "../spec/calibration-schema.ts";
import {
  analyticPosterior,
  exampleLinearProblem,
  type LinearProblem,
  posteriorError,
  priorDraws,
  simulate,
} from "./linear-gaussian.ts";
import { calibrate, type Evaluator, esmdaAlphas, type Outcome } from "./smoother.ts";

function linearEvaluator(problem: LinearProblem, fail: (id: string) => boolean = () => false): Evaluator {
  return {
    async evaluate(_iteration, members) {
      return new Map<string, Outcome>(
        members.map((m): [string, Outcome] => {
          if (fail(m.id)) return [m.id, { ok: false, reason: "exit code 2" }];
          const sim = simulate(
            problem,
            problem.parameters.map((p) => m.values.get(p)!),
          );
          return [
            m.id,
            {
              ok: true,
              observations: Object.fromEntries(problem.observations.map((o, i) => [o, sim[i]!])),
            },
          ];
        }),
      );
    },
  };
}

async function calibrateLinear(settings: Record<string, unknown>, n: number, fail?: (id: string) => boolean) {
  const problem = exampleLinearProblem();
  const draws = priorDraws(problem, n, 7);
  const result = await calibrate({
    settings: calibrationSchema.parse(settings),
    space: {
      names: problem.parameters,
      adjustable: problem.parameters.map((name) => ({
        name,
        log: false,
        lower: Number.NEGATIVE_INFINITY,
        upper: Number.POSITIVE_INFINITY,
        group: "p",
      })),
      ties: new Map(),
    },
    targets: problem.observations.map((name, i) => ({
      name,
      value: problem.observed[i]!,
      weight: 1 / problem.obsSd[i]!,
      sd: problem.obsSd[i]!,
      group: "d",
    })),
    prior: draws.map((m, i) => ({
      real: String(i + 1),
      values: new Map(problem.parameters.map((p, j) => [p, m[j]!])),
    })),
    evaluator: linearEvaluator(problem, fail),
  });
  const last = result.iterations.at(-1)!;
  const rows = last.reals.map((r) => problem.parameters.map((p) => last.parameters.get(r)!.get(p)!));
  return { result, error: posteriorError(rows, analyticPosterior(problem)) };
}

describe("linear-Gaussian posterior", () => {
  it("ES-MDA (the default) matches the closed-form posterior mean and covariance", async () => {
    const { result, error } = await calibrateLinear({}, 2000);
    expect(result.iterations).toHaveLength(5);
    expect(error.meanError).toBeLessThan(0.1);
    expect(error.covError).toBeLessThan(0.1);
    expect(result.totalRuns).toBe(5 * 2000);
  });

  it("the GLM form with Chen & Oliver's prior term (use_approx: false) matches it too", async () => {
    const { error } = await calibrateLinear({ method: "ies", use_approx: false }, 1000);
    expect(error.meanError).toBeLessThan(0.1);
    expect(error.covError).toBeLessThan(0.1);
  });

  it("phi falls with the GLM form, whose lambda tests run on a subset", async () => {
    const { result } = await calibrateLinear({ method: "ies", iterations: 3 }, 100);
    const means = result.iterations.map((it) => {
      const v = [...it.phiMeasured.values()];
      return v.reduce((a, b) => a + b, 0) / v.length;
    });
    expect(means[3]!).toBeLessThan(means[0]! / 10);
    // 9 candidates on 10 realisations, then the other 90 with the best.
    expect(result.iterations[1]!.lambdaTests).toHaveLength(9);
    expect(result.iterations[1]!.totalRuns - result.iterations[0]!.totalRuns).toBe(9 * 10 + 90);
  });

  it("drops failed runs and says why", async () => {
    const { result } = await calibrateLinear({ iterations: 2 }, 50, (id) => id === "7");
    expect(result.iterations[0]!.dropped).toEqual([
      { real: "7", iteration: 0, why: "the model run failed: exit code 2" },
    ]);
    expect(result.iterations.at(-1)!.reals).toHaveLength(49);
  });

  it("drops realisations whose phi is far above the rest (bad_phi_sigma)", async () => {
    const { result } = await calibrateLinear({ iterations: 1, bad_phi_sigma: 1.5 }, 200);
    const dropped = result.iterations[0]!.dropped;
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped[0]!.why).toMatch(/^phi [\d.e+]+ is above the mean plus 1.5 standard deviations/);
  });

  it("repeats exactly with the same seed", async () => {
    const a = await calibrateLinear({ method: "ies", iterations: 2 }, 40);
    const b = await calibrateLinear({ method: "ies", iterations: 2 }, 40);
    expect([...a.result.iterations[2]!.parameters]).toEqual([...b.result.iterations[2]!.parameters]);
  });
});

describe("esmdaAlphas", () => {
  it("scales the inflation factors so that their inverses sum to one", () => {
    for (const alphas of [
      esmdaAlphas({ iterations: 4 }),
      esmdaAlphas({ iterations: 1, alphas: [9.333, 7, 4, 2] }),
    ]) {
      expect(alphas.reduce((s, a) => s + 1 / a, 0)).toBeCloseTo(1, 12);
    }
    expect(esmdaAlphas({ iterations: 1 })).toEqual([1]);
  });
});
