// The alerts action as GitHub runs it (no AWS here: the check only).
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHubApi } from "../../test/fake-github/fake-github-api.ts";
import { demoRepository, runAction } from "../../test/helpers/run-action.ts";
import { buildSummary } from "../../test/helpers/summary-builder.ts";

let api: FakeGitHubApi;
let server: { url: string; close(): Promise<void> };
let repo: string;
beforeAll(async () => {
  api = new FakeGitHubApi();
  server = await api.listen();
  repo = await demoRepository();
});
afterAll(() => server.close());

describe("actions/alerts", () => {
  it("fails a check and the step when an alert fired", async () => {
    await writeFile(join(repo, "summary.json"), JSON.stringify(buildSummary().summary));
    const run = await runAction("alerts", {
      workspace: repo,
      inputs: { spec: "projects/demo/base.yaml", summary: "summary.json", token: "t0ken" },
      env: { GITHUB_API_URL: server.url },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs["fired"]).toBe("1");
    expect(run.stdout).toContain(
      "::warning title=alert fired::w3_high_water: h_well3_t012: p90 is 101.39, above 101",
    );
    expect(run.stdout).toContain("not sent to SNS: the project file names no one in cloud.alerts_to");
    expect(api.github.checkRun("modelfleet alerts: demo/base")?.conclusion).toBe("failure");
  });
});
