import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Clock } from "../engine/clock.ts";
import type { ProjectSpec } from "../spec/schema.ts";
import { createFsResultStore } from "../store/fs-store.ts";
import { type CalibrateSettings, calibrateScenario } from "./calibrate-flow.ts";
import type { CalibrationExit } from "./cli-runner.ts";
import type { WorkflowEnvironment } from "./environment.ts";
import { FakeGitHub } from "./fake-github.ts";

const env: WorkflowEnvironment = {
  repository: { owner: "acme", repo: "models" },
  sha: "a".repeat(40),
  serverUrl: "https://github.com",
  apiUrl: "https://api.github.com",
  runId: "7",
  eventName: "push",
  runUrl: "https://github.com/acme/models/actions/runs/7",
};
const clock: Clock = { now: () => Date.parse("2026-11-30T12:00:00Z"), sleep: async () => {} };

async function setup() {
  const github = new FakeGitHub();
  github.pullsByCommit.set(env.sha, [
    { number: 5, url: "u", state: "closed", merged: true, mergeCommitSha: env.sha },
  ]);
  const dir = await mkdtemp(join(tmpdir(), "mf-calibrate-flow-"));
  const settings: CalibrateSettings = {
    spec: {
      project: "demo",
      scenario: "calibrate",
      calibration: { iterations: 3 },
    } as unknown as ProjectSpec,
    infra: { region: "us-east-1", bucket: "b" },
    env,
    progressEveryMs: 0,
    reportDir: join(dir, "report"),
    artifactName: "a",
  };
  return { github, store: createFsResultStore(join(dir, "results")), settings };
}

const lines = [
  "demo/calibrate: iteration 0: 4 run(s) on ECS",
  "demo/calibrate: iteration 0: mean phi 812.5, 4 realisations, 4 model runs so far",
  "demo/calibrate: iteration 1: 4 run(s) on ECS, 1 done already",
];

describe("calibrateScenario", () => {
  it("a calibration stopped at the job's time says so and how to resume; the next dispatch edits that comment", async () => {
    const { github, store, settings } = await setup();
    const stopped = async (onLine: (l: string) => void): Promise<CalibrationExit> => {
      for (const l of lines) onLine(l);
      return { code: 130, tail: lines };
    };
    const outcome = await calibrateScenario(settings, {
      client: github,
      store,
      clock,
      calibrate: stopped,
      log: () => {},
    });
    expect(outcome.state).toBe("stopped");
    const [comment] = github.commentsOn(5);
    expect(comment!.body).toContain("### ⏸️ modelfleet calibration: demo / calibrate");
    expect(comment!.body).toContain(
      "Iteration 1 of 3 is on the ECS workers: 4 model run(s), 1 of them done already.",
    );
    expect(comment!.body).toContain("| 0 (prior) | 812.5 | 4 | 4 |");
    expect(comment!.body).toContain("The calibration stopped: this job's time ran out");
    expect(comment!.body).toContain(
      "To resume, run the `run` workflow again for demo / calibrate (Actions → run → Run workflow, project `demo`, scenario `calibrate`): the calibration resumes",
    );

    // Dispatched on another commit (no pull request of its own): the same comment.
    const failed = async (onLine: (l: string) => void): Promise<CalibrationExit> => {
      onLine(lines[2]!);
      return {
        code: 1,
        tail: ["demo/calibrate: 2 run(s) in s3://b/demo/calibrate/calibration/iter-1 have no final result"],
      };
    };
    const again = await calibrateScenario(
      { ...settings, env: { ...env, eventName: "workflow_dispatch", sha: "b".repeat(40) } },
      { client: github, store, clock, calibrate: failed, log: () => {} },
    );
    expect(again).toMatchObject({ state: "failed" });
    expect(github.commentsOn(5).map((c) => c.id)).toEqual([comment!.id]);
    expect(github.commentsOn(5)[0]!.body).toContain(
      "The calibration stopped: `modelfleet calibrate` exited with 1:\n> \n> demo/calibrate: 2 run(s) in s3://b/demo/calibrate/calibration/iter-1 have no final result",
    );
  });
});
