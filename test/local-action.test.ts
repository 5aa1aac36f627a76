// The plan action end to end through @github/local-action, as a contributor runs it (README,
// "GitHub"): its own stand-ins for @actions/core and @actions/github, our action's TypeScript
// as it is, a temp repository and the fake GitHub API on loopback.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHubApi } from "./fake-github/fake-github-api.ts";
import { REPO } from "./helpers/project.ts";
import { demoRepository } from "./helpers/run-action.ts";

let api: FakeGitHubApi;
let server: { url: string; close(): Promise<void> };
beforeAll(async () => {
  api = new FakeGitHubApi();
  server = await api.listen();
});
afterAll(() => server.close());

describe("@github/local-action", () => {
  it("runs the plan action: one comment on the pull request, the job summary and the outputs", async () => {
    const repo = await demoRepository();
    const files = await mkdtemp(join(tmpdir(), "mf-local-action-"));
    const event = join(files, "event.json");
    const summary = join(files, "summary.md");
    await writeFile(
      event,
      JSON.stringify({
        pull_request: { number: 4, head: { sha: "5555555", repo: { full_name: "acme/models" } } },
      }),
    );
    await writeFile(summary, "");
    const envFile = join(files, ".env");
    await writeFile(
      envFile,
      [
        "INPUT_FILES=projects/demo/base.yaml",
        "INPUT_TOKEN=t0ken",
        "GITHUB_REPOSITORY=acme/models",
        "GITHUB_SHA=5555555",
        "GITHUB_RUN_ID=42",
        "GITHUB_EVENT_NAME=pull_request",
        `GITHUB_EVENT_PATH=${event}`,
        `GITHUB_WORKSPACE=${repo}`,
        `GITHUB_STEP_SUMMARY=${summary}`,
        `GITHUB_API_URL=${server.url}`,
        "MODELFLEET_GITHUB_WRITE_INTERVAL_MS=0",
      ].join("\n"),
    );
    const child = spawn(
      process.execPath,
      [
        join(REPO, "node_modules/@github/local-action/bin/local-action.js"),
        "run",
        join(REPO, "actions/plan"),
        "main.ts",
        envFile,
      ],
      {
        cwd: REPO,
        env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? files, NO_COLOR: "1" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? -1)));
    expect(code, out).toBe(0);
    expect(out).toMatch(/'problems'\s*│\s*'0'/);
    const comments = api.github.commentsOn(4);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(
      "`projects/demo/base.yaml` at 5555555: on merge, **200** of 200 realisations run on AWS.",
    );
    expect(comments[0]!.body).toContain("on the runner: ok**");
    expect(await readFile(summary, "utf8")).toContain("modelfleet plan: demo / base");
  });
});
