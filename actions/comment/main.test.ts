// The comment action as GitHub runs it, against a fake GitHub API.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHubApi } from "../../test/fake-github/fake-github-api.ts";
import { sampleProgressStage, sampleReportStage } from "../../test/helpers/comment-stages.ts";
import { runAction } from "../../test/helpers/run-action.ts";

let api: FakeGitHubApi;
let server: { url: string; close(): Promise<void> };
let dir: string;
beforeAll(async () => {
  api = new FakeGitHubApi();
  server = await api.listen();
  dir = await mkdtemp(join(tmpdir(), "mf-comment-"));
});
afterAll(() => server.close());

const SHA = "4f9c2a1e0b7d4f9c2a1e0b7d4f9c2a1e0b7d4f9c";
const post = async (stage: unknown) => {
  const file = join(dir, "stage.json");
  await writeFile(file, JSON.stringify(stage));
  return runAction("comment", {
    workspace: dir,
    inputs: { "stage-file": file, token: "t0ken" },
    env: { GITHUB_API_URL: server.url, GITHUB_EVENT_NAME: "push", GITHUB_SHA: SHA },
  });
};

describe("actions/comment", () => {
  it("edits the one comment of the commit's pull request from stage to stage", async () => {
    api.github.pullsByCommit.set(SHA, [
      { number: 31, url: "u", state: "closed", merged: true, mergeCommitSha: SHA },
    ]);
    const progress = await post(sampleProgressStage());
    expect(progress.exitCode).toBe(0);
    const report = await post(sampleReportStage());
    expect(report.exitCode).toBe(0);
    const comments = api.github.commentsOn(31);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain("## 🔴 modelfleet: demo / base");
    expect(report.outputs["comment-url"]).toBe(comments[0]!.url);
  });

  it("names the file and the field of a stage it cannot read", async () => {
    const run = await post({ stage: "draft", project: "demo", scenario: "base" });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(
      /::error::.*stage\.json: `stage` is "draft"; expected one of plan, progress, report/,
    );
  });
});
