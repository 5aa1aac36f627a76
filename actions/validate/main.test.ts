// The validate action as GitHub runs it, against a fake GitHub API.
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

const event = { pull_request: { number: 7, head: { sha: "abc1234", repo: { full_name: "acme/models" } } } };

describe("actions/validate", () => {
  it("passes a valid project and says so", async () => {
    const run = await runAction("validate", {
      workspace: repo,
      inputs: { files: "projects/demo/base.yaml" },
      event,
    });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toEqual({ problems: "0", files: '["projects/demo/base.yaml"]' });
    expect(run.summary).toContain("✅ `projects/demo/base.yaml`: demo/base, 200 realisations");
  });

  it("puts every problem on the diff as a check run's annotations, and fails", async () => {
    const spec = join(repo, "projects", "demo", "base.yaml");
    const text = await readFile(spec, "utf8");
    await writeFile(
      spec,
      text.replace("  timeout: 60s", "  timeout: 60s\n  comand: [node]").replace("cpu: 1,", "cpu: 3,"),
    );
    try {
      const run = await runAction("validate", {
        workspace: repo,
        inputs: { files: "projects/demo/model/gwflow.mjs", annotate: "check-run", token: "t0ken" },
        event,
        env: { GITHUB_API_URL: server.url },
      });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toMatch(
        /::error::2 problem\(s\) in the project files \(see https:\/\/github.com\/acme\/models\/runs\/\d+\)/,
      );
      const check = api.github.checkRun("modelfleet validate")!;
      expect(check).toMatchObject({
        headSha: "abc1234",
        conclusion: "failure",
        title: "2 problems in the project files",
      });
      expect(check.annotations.map((a) => `${a.path}:${a.startLine} ${a.title}`)).toEqual([
        "projects/demo/base.yaml:10 model.comand",
        expect.stringMatching(/^projects\/demo\/base\.yaml:\d+ resources\.cpu$/),
      ]);
      expect(check.annotations[0]!.message).toMatch(/unknown key.*`command`/);
    } finally {
      await writeFile(spec, text);
    }
  });

  it("uses workflow commands where the token cannot write checks (a fork's pull request)", async () => {
    const spec = join(repo, "projects", "demo", "base.yaml");
    const text = await readFile(spec, "utf8");
    await writeFile(spec, text.replace("  timeout: 60s", "  timeout: 60s\n  comand: [node]"));
    try {
      const requests = api.requests.length;
      const run = await runAction("validate", {
        workspace: repo,
        event,
        env: { GITHUB_API_URL: server.url },
      });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain(
        "::error title=model.comand,file=projects/demo/base.yaml,line=10,endLine=10,col=3::unknown key",
      );
      expect(api.requests.length).toBe(requests);
    } finally {
      await writeFile(spec, text);
    }
  });

  it("checks nothing when no project folder changed", async () => {
    const run = await runAction("validate", {
      workspace: repo,
      inputs: { files: "README.md\nsrc/x.ts" },
      event,
    });
    expect(run.exitCode).toBe(0);
    expect(run.outputs["files"]).toBe("[]");
  });

  it("refuses an unknown annotate mode with a message naming the input", async () => {
    const run = await runAction("validate", { workspace: repo, inputs: { annotate: "email" }, event });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('::error::input `annotate` is "email"; expected one of check-run, commands');
  });
});
