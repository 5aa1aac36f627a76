import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
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

  it("gives a scenario that runs in several regions every region's stack, home first", async () => {
    const base = await readFile(join(repo, "projects/demo/base.yaml"), "utf8");
    await writeFile(
      join(repo, "projects/demo/wide.yaml"),
      base
        .replace("scenario: base", "scenario: wide")
        .replace("cloud: { region: us-east-1,", "cloud: { regions: [eu-west-1, us-east-1],"),
    );
    const run = await runAction("scenarios", {
      workspace: repo,
      inputs: { project: "demo", scenario: "wide" },
    });
    expect(run.stdout).not.toContain("::error");
    expect(JSON.parse(run.outputs["matrix"]!)).toEqual([
      {
        file: "projects/demo/wide.yaml",
        project: "demo",
        scenario: "wide",
        stacks: "modelfleet-demo-eu-west-1 modelfleet-demo-us-east-1",
      },
    ]);
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
