// Progress figures against a real run: the engine's events, from real model processes, never
// show more models running than there are workers.
import { afterEach, describe, expect, it } from "vitest";
import { ProgressTracker } from "../src/cli/progress.ts";
import { runLocal } from "../src/engine/local-run.ts";
import { makeProject, type TestProject } from "./helpers/project.ts";

let project: TestProject | undefined;
afterEach(async () => {
  await project?.remove();
  project = undefined;
});

describe("progress of a real run on 2 workers", () => {
  it("never counts more than 2 running, and ends with 0 running and every result counted", async () => {
    // Quick models (each worker starts the next while the last is published), one failing.
    project = await makeProject({
      params: [...Array.from({ length: 14 }, (_, i) => ({ x: i })), { x: 1, mode: 1 }],
    });
    let tracker: ProgressTracker | undefined;
    const running: number[] = [];
    const report = await runLocal({
      specFile: project.spec,
      resultsRoot: project.results,
      workRoot: project.work,
      workers: 2,
      onPlan: (plan) => {
        tracker = new ProgressTracker(plan.toRun.length);
      },
      onEvent: (e) => {
        tracker!.on(e);
        running.push(tracker!.counts().running);
      },
    });
    expect(report.engine.published).toBe(15);
    expect(Math.max(...running)).toBeLessThanOrEqual(2);
    expect(tracker!.counts()).toMatchObject({ done: 15, ok: 14, failed: 1, running: 0 });
    const cpu = report.results.reduce((t, r) => t + (r.cpuSeconds ?? 0), 0);
    expect(tracker!.counts().cpuSeconds).toBeCloseTo(cpu, 6);
  });
});
