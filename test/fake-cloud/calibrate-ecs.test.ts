// The built-in smoother with its runs on ECS (calibrate --executor ecs) on the fake cloud: every
// iteration a run set in the bucket, run by real `modelfleet agent` workers; the same command
// again finds every realisation published and runs nothing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ecsEvaluator } from "../../src/calibrate/ecs-evaluator.ts";
import { loadCalibration, runCalibration } from "../../src/calibrate/run-calibration.ts";
import { cloudPieces } from "../../src/cloud/aws-wiring.ts";
import { demoCalibrationCopy } from "../helpers/calibration.ts";
import { type FakeCloud, startFakeCloud } from "./harness.ts";

describe("calibrate --executor ecs (the built-in smoother, runs on Fargate workers)", () => {
  let cloud: FakeCloud;
  let dir: string;
  beforeAll(async () => {
    cloud = await startFakeCloud();
    dir = await mkdtemp(join(tmpdir(), "mf-calibrate-ecs-"));
  });
  afterAll(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
  });

  const calibrateOnce = async () => {
    const setup = await loadCalibration(await demoCalibrationCopy(dir, 10), { iterations: 2 });
    const pieces = cloudPieces(cloud.infra, { spot: true, idleSeconds: 2 });
    const batches: Array<{ iteration: number; members: number; done: number }> = [];
    const run = await runCalibration({
      setup,
      evaluator: ecsEvaluator({
        resolved: setup.resolved,
        pieces,
        maxWorkers: 3,
        command: "modelfleet calibrate --executor ecs",
        pollMs: 200,
        poolPollMs: 200,
        onBatch: (b) => batches.push(b),
      }),
      store: pieces.store,
      command: "modelfleet calibrate --executor ecs",
    });
    return { run, batches, store: pieces.store };
  };

  it("runs every iteration as a run set on the workers and writes PEST++'s files to the bucket", async () => {
    const { run, batches, store } = await calibrateOnce();
    expect(run.location).toMatch(/^s3:\/\/.*\/demo\/calibrate\/calibration$/);
    expect(run.posterior).toBe(`${run.location}/calibrate.2.par.csv`);
    expect(batches.every((b) => b.done === 0)).toBe(true);
    expect(cloud.runTaskCalls.length).toBeGreaterThan(0);
    const folder = { project: "demo", scenario: "calibrate/calibration" };
    const phi = Buffer.from((await store.getRunSetFile(folder, "calibrate.phi.actual.csv"))!).toString(
      "utf8",
    );
    const means = phi
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => Number(l.split(",")[2]));
    expect(means).toHaveLength(3);
    expect(means.at(-1)!).toBeLessThan(means[0]!);
    const iteration1 = await store.listResults({ project: "demo", scenario: "calibrate/calibration/iter-1" });
    expect(iteration1.length).toBeGreaterThanOrEqual(10);
    const report = Buffer.from((await store.getRunSetFile(folder, "report.md"))!).toString("utf8");
    expect(report).toMatch(/### Realisations dropped/);
  }, 300_000);

  it("run again, finds every realisation published and starts no worker", async () => {
    const calls = cloud.runTaskCalls.length;
    const { run, batches } = await calibrateOnce();
    expect(batches.every((b) => b.done === b.members)).toBe(true);
    expect(cloud.runTaskCalls.length).toBe(calls);
    expect(run.result.iterations).toHaveLength(3);
  }, 300_000);
});
