// The plan action as GitHub runs it, against a fake GitHub API: one comment per scenario,
// created on the first push and edited on the next.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHubApi } from "../../test/fake-github/fake-github-api.ts";
import { demoRepository, runAction } from "../../test/helpers/run-action.ts";

let api: FakeGitHubApi;
let server: { url: string; close(): Promise<void> };
let repo: string;

beforeAll(async () => {
  api = new FakeGitHubApi();
  server = await api.listen();
  repo = await demoRepository();
});
afterAll(() => server.close());

const event = (sha: string) => ({
  pull_request: { number: 12, head: { sha, repo: { full_name: "acme/models" } } },
});
const plan = (sha: string, inputs: Record<string, string> = {}) =>
  runAction("plan", {
    workspace: repo,
    inputs: { files: "projects/demo/params/param7.par", token: "t0ken", ...inputs },
    event: event(sha),
    env: { GITHUB_API_URL: server.url, AWS_SECRET_ACCESS_KEY: "must-not-reach-the-model" },
  });

describe("actions/plan", () => {
  it("comments the plan once per scenario and edits that comment on the next push", async () => {
    const first = await plan("1111111");
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    const comments = api.github.commentsOn(12);
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body.split("\n")[0]).toBe("<!-- modelfleet:demo/base -->");
    expect(body).toContain(
      "`projects/demo/base.yaml` at 1111111: on merge, **200** of 200 realisations run on AWS.",
    );
    expect(body).toContain(
      "> Planned against no earlier results: this workflow run has no AWS credentials (a pull request from a fork, or no plan role set up).",
    );
    expect(body).toContain("- 200 new (no result yet)");
    expect(body).toMatch(/\| \*\*estimated cost\*\* \| \*\*\$\d+\.\d\d\*\* on Fargate Spot/);
    expect(body).toContain("its full timeout (60 s): an upper bound");
    expect(body).toMatch(/\*\*Smoke run of realisation `1` on the runner: ok\*\* in [\d.]+ m?s: `h_w1` = /);
    expect(body).toMatch(/worker image \| `agent-[0-9a-f]{32}` \(not checked\)/);
    expect(first.summary).toBe(`${body}`);
    expect(JSON.parse(first.outputs["plans"]!)).toEqual([
      expect.objectContaining({ project: "demo", scenario: "base", problems: 0, toRun: 200 }),
    ]);

    const second = await plan("2222222", { smoke: "false" });
    expect(second.exitCode).toBe(0);
    const after = api.github.commentsOn(12);
    expect(after.map((c) => c.id)).toEqual([comments[0]!.id]);
    expect(after[0]!.body).toContain("at 2222222");
    expect(after[0]!.body).not.toContain("Smoke run");
    expect(api.github.writes.filter((w) => w.startsWith("create"))).toHaveLength(1);
  });

  it("lists the problems in the comment and fails when the project file is invalid", async () => {
    const spec = join(repo, "projects", "demo", "base.yaml");
    const text = await readFile(spec, "utf8");
    await writeFile(spec, text.replace("  timeout: 60s", "  timeout: 60s\n  comand: [node]"));
    try {
      const run = await plan("3333333");
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain("::error::1 problem(s) in the project files; the comments list them");
      const body = api.github.commentsOn(12)[0]!.body;
      expect(body).toContain("### 🔴 modelfleet plan: demo / base");
      expect(body).toMatch(/- `projects\/demo\/base\.yaml:10:3` `model\.comand`: unknown key/);
    } finally {
      await writeFile(spec, text);
    }
  });

  it("keeps the workflow's secrets from the model of the smoke run", async () => {
    const model = join(repo, "projects", "demo", "model", "gwflow.mjs");
    const original = await readFile(model, "utf8");
    // A model that fails when it sees a secret, saying which.
    await writeFile(
      model,
      `const leaked = ["INPUT_TOKEN", "AWS_SECRET_ACCESS_KEY", "ACTIONS_RUNTIME_TOKEN"].filter((n) => process.env[n]);\nif (leaked.length) { console.error("LEAKED " + leaked.join(",")); process.exit(3); }\n${original}`,
    );
    try {
      const run = await runAction("plan", {
        workspace: repo,
        inputs: { token: "t0ken" },
        event: event("4444444"),
        env: { GITHUB_API_URL: server.url, AWS_SECRET_ACCESS_KEY: "s3cret", ACTIONS_RUNTIME_TOKEN: "rt" },
      });
      expect(run.exitCode).toBe(0);
      const body = api.github.commentsOn(12)[0]!.body;
      expect(body).not.toContain("LEAKED");
      expect(body).toContain("on the runner: ok**");
    } finally {
      await writeFile(model, original);
    }
  });
});
