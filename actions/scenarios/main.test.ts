import { beforeAll, describe, expect, it } from "vitest";
import { demoRepository, runAction } from "../../test/helpers/run-action.ts";

let repo: string;
beforeAll(async () => {
  repo = await demoRepository();
});

describe("actions/scenarios", () => {
  it("lists the scenarios a change touches, with their stacks", async () => {
    const run = await runAction("scenarios", {
      workspace: repo,
      inputs: { files: "projects/demo/params/param3.par\nREADME.md" },
    });
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.outputs["matrix"]!)).toEqual([
      {
        file: "projects/demo/base.yaml",
        project: "demo",
        scenario: "base",
        stacks: "modelfleet-demo-us-east-1",
      },
    ]);
    const none = await runAction("scenarios", { workspace: repo, inputs: { files: "src/x.ts" } });
    expect(none.outputs).toMatchObject({ matrix: "[]", count: "0" });
  });

  it("finds a named scenario, and says when there is none", async () => {
    const run = await runAction("scenarios", {
      workspace: repo,
      inputs: { project: "demo", scenario: "base" },
    });
    expect(run.outputs["count"]).toBe("1");
    const missing = await runAction("scenarios", {
      workspace: repo,
      inputs: { project: "demo", scenario: "wet" },
    });
    expect(missing.exitCode).toBe(1);
    expect(missing.stdout).toContain("::error::no valid project file for demo/wet under projects/");
  });
});
