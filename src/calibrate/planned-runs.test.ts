import { describe, expect, it } from "vitest";
import { defaultCalibration } from "../spec/calibration-schema.ts";
import { plannedCalibration } from "./planned-runs.ts";

describe("the model runs a calibration plans", () => {
  it("ES-MDA: the prior and one ensemble per inflation factor", () => {
    // The demo's calibration: 50 realisations, 4 iterations, 250 runs.
    expect(plannedCalibration({ ...defaultCalibration(), method: "esmda" }, 50)).toEqual({
      method: "esmda",
      iterations: 4,
      ensemble: 50,
      runs: 250,
    });
    expect(
      plannedCalibration({ ...defaultCalibration(), method: "esmda", alphas: [4, 4, 4, 4, 4, 4] }, 10).runs,
    ).toBe(70);
  });

  it("ies: the prior, then each iteration's lambda tests on a subset and the best for the rest (at most)", () => {
    // PEST++'s defaults at 200 realisations: a subset of 20 tries 3 lambdas x 3 scale factors,
    // the other 180 run the best: 200 + 4 x 360 = 1,640, as a measured calibration ran.
    expect(plannedCalibration({ ...defaultCalibration(), method: "ies" }, 200)).toEqual({
      method: "ies",
      iterations: 4,
      ensemble: 200,
      runs: 1640,
    });
    // One candidate: no subset, every realisation once per iteration.
    const single = { ...defaultCalibration(), method: "ies" as const, lambda_mults: [1], scale_facs: [1] };
    expect(plannedCalibration(single, 30).runs).toBe(150);
    // A subset given as a count, larger than the ensemble: the whole ensemble.
    expect(
      plannedCalibration({ ...defaultCalibration(), method: "ies", subset: 50, iterations: 1 }, 10).runs,
    ).toBe(10 + 10 * 9);
  });
});
