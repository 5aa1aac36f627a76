// The watch action as GitHub runs it, against a fake GitHub API, S3 (s3rver) and a stand-in
// for the CLI's cloud commands: run → progress edits → the report; a job that hands over or is
// killed, carried on by the next one.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { RUN_LINK_FILE } from "../../src/github/run-link.ts";
import { renderMarkdownReport } from "../../src/report/markdown.ts";
import { createS3Client, createS3ResultStore } from "../../src/store/s3-store.ts";
import { type FakeS3, startFakeS3 } from "../../test/fake-cloud/s3-proxy.ts";
import { FakeGitHubApi } from "../../test/fake-github/fake-github-api.ts";
import { REPO } from "../../test/helpers/project.ts";
import { demoRepository, runAction } from "../../test/helpers/run-action.ts";
import { buildSummary } from "../../test/helpers/summary-builder.ts";

let api: FakeGitHubApi;
let server: { url: string; close(): Promise<void> };
let s3: FakeS3;
let repo: string;
const SHA = "4f9c2a1e0b7d4f9c2a1e0b7d4f9c2a1e0b7d4f9c";
const runSet = { project: "demo", scenario: "base" };

beforeAll(async () => {
  api = new FakeGitHubApi();
  server = await api.listen();
  s3 = await startFakeS3({ bucket: "modelfleet-demo-us-east-1-123456789012" });
  repo = await demoRepository();
  await writeFile(
    join(repo, "infra.json"),
    JSON.stringify({
      region: s3.region,
      bucket: s3.bucket,
      prefix: "results/",
      alertsTopicArn: "arn:aws:sns:us-east-1:123456789012:modelfleet-demo-alerts",
    }),
  );
});
afterAll(async () => {
  await server.close();
  await s3.close();
});

const store = () =>
  createS3ResultStore({
    client: createS3Client({ region: s3.region, endpoint: s3.endpoint, credentials: s3.credentials }),
    bucket: s3.bucket,
    prefix: "results/",
  });

const running = (done: number) => ({
  project: "demo",
  scenario: "base",
  state: "running",
  run: "run-1",
  queued: 48,
  pending: 48 - done,
  queue: { visible: Math.max(0, 28 - done), inFlight: 20 },
  regions: [{ region: "us-east-1", desired: 20, running: 20, pending: 0 }],
});

let script: string;
beforeEach(async (ctx) => {
  script = join(repo, `fake-${ctx.task.id}.json`);
});

async function watch(
  states: unknown[],
  inputs: Record<string, string>,
  options: { killWhen?: string; sha?: string } = {},
) {
  await writeFile(script, JSON.stringify({ watch: states }));
  await writeFile(`${script}.count`, "0");
  return runAction("watch", {
    workspace: repo,
    inputs: {
      spec: "projects/demo/base.yaml",
      infra: "infra.json",
      cli: join(REPO, "test/fake-github/fake-modelfleet.ts"),
      "poll-seconds": "0.05",
      "progress-minutes": "0",
      token: "t0ken",
      ...inputs,
    },
    event: {},
    env: {
      ...s3.env,
      GITHUB_API_URL: server.url,
      GITHUB_EVENT_NAME: "push",
      GITHUB_SHA: options.sha ?? SHA,
      FAKE_MODELFLEET: script,
    },
    ...(options.killWhen ? { killWhen: options.killWhen } : {}),
  });
}

describe("actions/watch", () => {
  it("starts the run, edits the merged pull request's comment with progress, then posts the report", async () => {
    api.github.pullsByCommit.set(SHA, [
      { number: 21, url: "u", state: "closed", merged: true, mergeCommitSha: SHA },
    ]);
    const { summary } = buildSummary();
    await store().putRunSetFile(runSet, "report.md", renderMarkdownReport(summary));
    await store().putRunSetFile(runSet, "summary.json", JSON.stringify(summary));
    await store().putRunSetFile(runSet, "report.html", "<html></html>");

    const run = await watch(
      [running(0), running(20), running(40), { project: "demo", scenario: "base", state: "finished" }],
      {
        start: "true",
        image: "sha256:abc",
      },
    );
    expect(run.stdout).not.toContain("::error");
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      state: "finished",
      "alerts-fired": "1",
      "artifact-name": "modelfleet-report-demo-base",
    });
    const calls = await readFile(`${script}.calls`, "utf8");
    expect(calls.split("\n")).toContain(
      "run projects/demo/base.yaml --executor ecs --infra infra.json --json --image sha256:abc",
    );
    expect(calls).toContain("watch projects/demo/base.yaml --executor ecs --infra infra.json --once --json");

    const comments = api.github.commentsOn(21);
    expect(comments).toHaveLength(1);
    const writes = api.github.writes.filter((w) => w === "create #21" || w === `update ${comments[0]!.id}`);
    expect(writes).toEqual([
      "create #21",
      `update ${comments[0]!.id}`,
      `update ${comments[0]!.id}`,
      `update ${comments[0]!.id}`,
    ]);
    const body = comments[0]!.body;
    expect(body).toContain("## 🔴 modelfleet: demo / base");
    expect(body).toContain(
      "artifact `modelfleet-report-demo-base` of [this workflow run](https://github.com/acme/models/actions/runs/123456789)",
    );
    expect(body).toContain("s3://modelfleet-demo-us-east-1-123456789012/results/demo/base/");
    expect(body).toContain("**Cost:** not known (the run's output lists no worker tasks");
    expect(await readFile(join(repo, ".modelfleet/report/demo-base/report.html"), "utf8")).toBe(
      "<html></html>",
    );
    expect(api.github.checkRun("modelfleet alerts: demo/base")).toMatchObject({
      conclusion: "failure",
      headSha: SHA,
    });
    const link = JSON.parse(Buffer.from((await store().getRunSetFile(runSet, RUN_LINK_FILE))!).toString());
    expect(link).toMatchObject({
      pullRequest: 21,
      commentId: comments[0]!.id,
      stage: "report",
      runId: "run-1",
    });

    // The next scheduled watch finds the report posted and leaves the comment alone.
    const writesBefore = api.github.writes.length;
    const again = await watch([{ project: "demo", scenario: "base", state: "finished" }], {});
    expect(again.outputs["state"]).toBe("nothing");
    expect(api.github.writes.length).toBe(writesBefore);
  });

  it("hands over at its time limit, and a killed watch is carried on by the next one on the same comment", async () => {
    api.github.pullsByCommit.set(SHA, [
      { number: 22, url: "u", state: "closed", merged: true, mergeCommitSha: SHA },
    ]);
    const first = await watch([running(10)], { start: "true", minutes: "0" });
    expect(first.outputs["state"]).toBe("handed-over");
    const [comment] = api.github.commentsOn(22);
    expect(comment!.body).toContain("10 of 48 realisations have a result");
    expect(comment!.body).toContain("the scheduled watch workflow takes over");
    const calls = await readFile(`${script}.calls`, "utf8");
    expect(calls).toMatch(/^run /m);

    // A scheduled watch, killed while it follows (after its first edit).
    const killed = await watch([running(20)], { minutes: "60" }, { killWhen: "comment updated" });
    expect(killed.exitCode).not.toBe(0);
    expect(api.github.commentsOn(22)[0]!.body).toContain("20 of 48 realisations have a result");

    // The next one picks the run set up from S3 and finishes the same comment.
    const next = await watch(
      [
        running(30),
        { project: "demo", scenario: "base", state: "stopped", text: "stopped by modelfleet stop" },
      ],
      {},
      { sha: "9999999999999999999999999999999999999999" },
    );
    expect(next.outputs["state"]).toBe("stopped");
    const after = api.github.commentsOn(22);
    expect(after.map((c) => c.id)).toEqual([comment!.id]);
    expect(after[0]!.body).toContain("> The run ended (stopped): stopped by modelfleet stop");
    const link = JSON.parse(Buffer.from((await store().getRunSetFile(runSet, RUN_LINK_FILE))!).toString());
    expect(link.history.map((h: { done: number }) => h.done)).toEqual([10, 20, 30]);
    // The run's commit stays the one it was started from, whatever the branch's head is now.
    expect(link.commit).toBe(SHA);
  });
});
