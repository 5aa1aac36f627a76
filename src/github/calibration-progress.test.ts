import { describe, expect, it } from "vitest";
import { type CalibrationProgress, nextProgress } from "./calibration-progress.ts";

describe("nextProgress", () => {
  it("follows the iterations from the lines calibrate --executor ecs writes", () => {
    const lines = [
      "demo/calibrate: the calibration's runs go to s3://bucket/demo/calibrate/calibration",
      "demo/calibrate: iteration 0: 10 run(s) on ECS",
      "demo/calibrate: iteration 0: mean phi 84,685, 10 realisations, 10 model runs so far",
      "demo/calibrate: iteration 1: 10 run(s) on ECS, 4 done already",
    ];
    const start: CalibrationProgress = { done: [] };
    const seen = lines.reduce(nextProgress, start);
    expect(seen).toEqual({
      running: { iteration: 1, runs: 10, doneAlready: 4 },
      done: [{ iteration: 0, meanPhi: "84,685", realisations: 10, modelRuns: 10 }],
    });
    expect(nextProgress(seen, "something else")).toBe(seen);
    const finished = nextProgress(
      seen,
      "demo/calibrate: iteration 1: mean phi 37.2, 9 realisations, 20 model runs so far",
    );
    expect(finished.running).toBeUndefined();
    expect(finished.done.map((d) => d.iteration)).toEqual([0, 1]);
  });
});
