// The watch action as GitHub runs it (`node actions/watch/index.js`), against a fake GitHub API,
// with the real modelfleet CLI on the fake cloud (S3, SQS, ECS services whose workers are real
// agent processes): the run job starts the run set and hands over, a scheduled watch is killed
// mid-way, and the next one finishes the run set and posts its report on the same comment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RUN_LINK_FILE, type RunLink } from "../../src/github/run-link.ts";
import { gateProject } from "../../test/fake-cloud/gates.ts";
import type { FakeCloud } from "../../test/fake-cloud/harness.ts";
import { cloudResults, fakeCloudPerTest, storeOf, TEST_RUN_SET } from "../../test/fake-cloud/session.ts";
import { FakeGitHubApi } from "../../test/fake-github/fake-github-api.ts";
import { CLI, type TestProject } from "../../test/helpers/project.ts";
import { runAction } from "../../test/helpers/run-action.ts";
import { waitFor } from "../../test/helpers/wait.ts";

const session = fakeCloudPerTest();
let api: FakeGitHubApi;
let server: { url: string; close(): Promise<void> };
const SHA = "4f9c2a1e0b7d4f9c2a1e0b7d4f9c2a1e0b7d4f9c";

beforeAll(async () => {
  api = new FakeGitHubApi();
  server = await api.listen();
});
afterAll(() => server.close());

const SPEC = `cloud: { max_workers: 2, idle_timeout: 2s }
alerts:
  - { name: y_high, observation: y, statistic: max, above: 5 }
`;

function watch(
  project: TestProject,
  cloud: FakeCloud,
  inputs: Record<string, string>,
  options: { killWhen?: string; sha?: string } = {},
) {
  return runAction("watch", {
    workspace: project.dir,
    inputs: {
      spec: "base.yaml",
      infra: cloud.infraFile,
      // The workspace holds only the project: the CLI is this repository's.
      cli: CLI,
      "poll-seconds": "0.3",
      "progress-minutes": "0",
      token: "t0ken",
      ...inputs,
    },
    env: {
      ...cloud.env,
      GITHUB_API_URL: server.url,
      GITHUB_EVENT_NAME: "push",
      GITHUB_SHA: options.sha ?? SHA,
    },
    ...(options.killWhen ? { killWhen: options.killWhen } : {}),
  });
}

async function runLink(cloud: FakeCloud): Promise<RunLink> {
  const bytes = await storeOf(cloud).getRunSetFile(TEST_RUN_SET, RUN_LINK_FILE);
  return JSON.parse(Buffer.from(bytes!).toString("utf8")) as RunLink;
}

describe("actions/watch on the real CLI and the fake cloud", () => {
  it("run job → progress → a killed watch → the next watch finishes the run set and posts its report", async () => {
    const project = await session.makeProject({
      params: [{ x: 1 }, { x: 2 }, { x: 3 }],
      specExtra: SPEC,
    });
    const gates = await gateProject(project);
    const cloud = await session.startCloud({ services: {} });
    api.github.pullsByCommit.set(SHA, [
      { number: 21, url: "u", state: "closed", merged: true, mergeCommitSha: SHA },
    ]);

    // The run job: starts the run set, and with no time left to follow it, hands over.
    const first = await watch(project, cloud, { start: "true", minutes: "0" });
    expect(first.stdout).not.toContain("::error");
    expect(first.outputs["state"]).toBe("handed-over");
    expect(first.stdout).toContain("test/base: the run set is started: 3 realisation(s) queued");
    const [comment] = api.github.commentsOn(21);
    expect(comment!.body).toContain("### ⏳ modelfleet run: test / base");
    expect(comment!.body).toContain("0 of 3 realisations have a result");
    expect(comment!.body).toContain("the scheduled watch workflow takes over");
    // What the plan the run started from expects it to cost.
    expect(comment!.body).toMatch(/\| planned \| (< )?\$\d+\.\d\d \(3 realisations on up to 2 workers, /);
    const started = await runLink(cloud);
    expect(started).toMatchObject({
      pullRequest: 21,
      commentId: comment!.id,
      stage: "progress",
      commit: SHA,
    });
    expect(started.runId).toMatch(/^[0-9a-f-]{36}$/);

    // A scheduled watch, killed once it has edited the comment.
    await gates.open(1);
    await waitFor("realisation 1's result", async () =>
      (await cloudResults(cloud)).size > 0 ? true : undefined,
    );
    const killed = await watch(project, cloud, { minutes: "60" }, { killWhen: "comment updated" });
    expect(killed.exitCode).not.toBe(0);
    expect(api.github.commentsOn(21)[0]!.body).toContain("1 of 3 realisations have a result");

    // The next one carries on from S3 and finishes the same comment, whatever main's head is now.
    await gates.openAll();
    const next = await watch(project, cloud, { minutes: "60" }, { sha: "9".repeat(40) });
    expect(next.stdout).not.toContain("::error");
    expect(next.outputs).toMatchObject({
      state: "finished",
      "alerts-fired": "1",
      "artifact-name": "modelfleet-report-test-base",
    });
    const after = api.github.commentsOn(21);
    expect(after.map((c) => c.id)).toEqual([comment!.id]);
    expect(api.github.writes.filter((w) => w.includes("#21") || w.startsWith("update"))[0]).toBe(
      "create #21",
    );
    const body = after[0]!.body;
    expect(body.split("\n")[0]).toBe("<!-- modelfleet:test/base -->");
    expect(body).toContain("## 🔴 modelfleet: test / base");
    expect(body).toContain("**3 realisations:** 3 ok");
    // What its worker tasks cost, beside what was planned.
    expect(body).toMatch(
      /\*\*Cost:\*\* \*\*(< )?\$\d+\.\d\d\*\* \(.* on [1-9]\d* worker task\(s\); prices dated \d{4}-\d\d-\d\d\); planned (< )?\$\d+\.\d\d \(3 realisations/,
    );
    expect(body).toContain("y_high");
    expect(body).toContain(`s3://${cloud.infra.bucket}/results/test/base/`);
    expect(body).toContain(
      "artifact `modelfleet-report-test-base` of [this workflow run](https://github.com/acme/models/actions/runs/123456789)",
    );
    expect(next.outputs["report-dir"]).toBe(`${project.dir}/.modelfleet/report/test-base`);
    // The alerts check goes on the commit the run was started from.
    expect(api.github.checkRun("modelfleet alerts: test/base")).toMatchObject({
      conclusion: "failure",
      headSha: SHA,
    });
    const link = await runLink(cloud);
    expect(link).toMatchObject({ stage: "report", runId: started.runId, commit: SHA });
    // The progress seen by the run job and by the killed watch, carried on.
    expect(link.history.map((h) => h.done).slice(0, 2)).toEqual([0, 1]);

    // The scheduled watch after that leaves the comment alone.
    const writes = api.github.writes.length;
    const again = await watch(project, cloud, { minutes: "60" });
    expect(again.outputs["state"]).toBe("nothing");
    expect(api.github.writes.length).toBe(writes);
  });

  it("a run job that sees its run set through posts the report itself", async () => {
    const project = await session.makeProject({ params: [{ x: 1 }, { x: 2 }], specExtra: SPEC });
    const cloud = await session.startCloud({ services: {} });
    api.github.pullsByCommit.set(SHA, [
      { number: 22, url: "u", state: "closed", merged: true, mergeCommitSha: SHA },
    ]);
    const run = await watch(project, cloud, { start: "true", minutes: "5", image: "sha256:abc" });
    expect(run.stdout).not.toContain("::error");
    expect(run.outputs["state"]).toBe("finished");
    const [comment] = api.github.commentsOn(22);
    expect(comment!.body).toContain("**2 realisations:** 2 ok");
    expect((await runLink(cloud)).stage).toBe("report");
  });
});
