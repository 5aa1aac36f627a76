// The calibrate action as GitHub runs it (`node actions/calibrate/index.js`), against a fake
// GitHub API, with the real modelfleet CLI on the fake cloud (S3, SQS, ECS whose workers are real
// agent processes): the merge's job calibrates the demo's calibrate scenario, editing the comment
// of the pull request that brought it from "calibrating" to the calibration's report; a later
// dispatch (the resume after a killed job) finds every iteration published and edits the same
// comment.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_LINK_FILE, type RunLink } from "../../src/github/run-link.ts";
import { fakeCloudPerTest, storeOf } from "../../test/fake-cloud/session.ts";
import { FakeGitHubApi } from "../../test/fake-github/fake-github-api.ts";
import { demoCalibrationCopy } from "../../test/helpers/calibration.ts";
import { CLI } from "../../test/helpers/project.ts";
import { runAction } from "../../test/helpers/run-action.ts";

const session = fakeCloudPerTest();
let api: FakeGitHubApi;
let server: { url: string; close(): Promise<void> };
const SHA = "4f9c2a1e0b7d4f9c2a1e0b7d4f9c2a1e0b7d4f9c";

beforeAll(async () => {
  api = new FakeGitHubApi();
  server = await api.listen();
});
afterAll(() => server.close());

describe("actions/calibrate on the real CLI and the fake cloud", () => {
  it("calibrates, editing the pull request's comment from calibrating to the report; a dispatch after edits the same comment", async () => {
    // The workspace: a project folder (the session's) holding the demo's calibration, smaller.
    const project = await session.makeProject({ params: [{ x: 1 }] });
    const spec = await demoCalibrationCopy(project.dir, 6, "cloud: { max_workers: 2, idle_timeout: 2s }\n");
    await writeFile(spec, (await readFile(spec, "utf8")).replace("iterations: 4", "iterations: 1"));
    const cloud = await session.startCloud();
    api.github.pullsByCommit.set(SHA, [
      { number: 31, url: "u", state: "closed", merged: true, mergeCommitSha: SHA },
    ]);
    const calibrate = (env: Record<string, string>) =>
      runAction("calibrate", {
        workspace: project.dir,
        inputs: {
          spec: "calibrate.yaml",
          infra: cloud.infraFile,
          cli: CLI,
          "progress-minutes": "0",
          token: "t0ken",
        },
        env: { ...cloud.env, GITHUB_API_URL: server.url, GITHUB_SHA: SHA, GITHUB_EVENT_NAME: "push", ...env },
      });

    const first = await calibrate({});
    expect(first.stdout).not.toContain("::error");
    expect(first.stdout).toMatch(/demo\/calibrate: calibrated in 1 iteration\(s\), \d+ model runs/);
    expect(first.outputs).toMatchObject({
      state: "calibrated",
      "artifact-name": "modelfleet-calibration-demo-calibrate",
      "report-dir": `${project.dir}/.modelfleet/report/demo-calibrate`,
    });
    const [comment] = api.github.commentsOn(31);
    expect(api.github.writes[0]).toBe("create #31");
    expect(api.github.writes.slice(1).every((w) => w === `update ${comment!.id}`)).toBe(true);
    // Calibrating first, with the iterations as they go, then the report.
    const bodies = api.github.bodies;
    expect(bodies[0]).toContain("### ⏳ modelfleet calibration: demo / calibrate");
    expect(bodies[0]).toContain("If the job is stopped or runs out of time, run the `run` workflow again");
    expect(bodies.some((b) => b.includes("The prior ensemble is on the ECS workers: 6 model run(s)"))).toBe(
      true,
    );
    expect(bodies.some((b) => /\| 0 \(prior\) \| \S+ \| 6 \| 6 \|/.test(b))).toBe(true);
    const body = comment!.body;
    expect(body.split("\n")[0]).toBe("<!-- modelfleet:demo/calibrate -->");
    expect(body).not.toContain("<!-- modelfleet:demo/calibrate/calibration -->");
    expect(body).toContain("## modelfleet calibration: demo / calibrate");
    expect(body).toContain("### Phi per iteration");
    expect(body).toContain(
      "artifact `modelfleet-calibration-demo-calibrate` of [this workflow run](https://github.com/acme/models/actions/runs/123456789)",
    );
    expect(body).toContain(`s3://${cloud.infra.bucket}/results/demo/calibrate/calibration/`);
    expect((await readdir(first.outputs["report-dir"]!)).sort()).toEqual([
      "calibrate.0.obs.csv",
      "calibrate.0.par.csv",
      "calibrate.1.obs.csv",
      "calibrate.1.par.csv",
      "calibrate.obs+noise.csv",
      "calibrate.phi.actual.csv",
      "calibrate.phi.meas.csv",
      "calibration.json",
      "report.html",
      "report.md",
    ]);
    const folder = { project: "demo", scenario: "calibrate/calibration" };
    const link = JSON.parse(
      Buffer.from((await storeOf(cloud).getRunSetFile(folder, RUN_LINK_FILE))!).toString("utf8"),
    ) as RunLink;
    expect(link).toMatchObject({ pullRequest: 31, commentId: comment!.id, stage: "report" });

    // A dispatch on a later head of main: the command finds every iteration published, and the
    // comment it edits is the calibration's own.
    const writes = api.github.writes.length;
    const again = await calibrate({ GITHUB_EVENT_NAME: "workflow_dispatch", GITHUB_SHA: "9".repeat(40) });
    expect(again.stdout).not.toContain("::error");
    expect(again.outputs["state"]).toBe("calibrated");
    expect(api.github.commentsOn(31).map((c) => c.id)).toEqual([comment!.id]);
    expect(api.github.writes.slice(writes)).toEqual(
      Array(api.github.writes.length - writes).fill(`update ${comment!.id}`),
    );
    expect(api.github.writes.length).toBeGreaterThan(writes);
    expect(api.github.commentsOn(31)[0]!.body).toContain("### Phi per iteration");
  }, 300_000);
});
