// The worker image action as GitHub runs it (without AWS: the tag only).
import { beforeAll, describe, expect, it } from "vitest";
import { demoRepository, runAction } from "../../test/helpers/run-action.ts";

let repo: string;
beforeAll(async () => {
  repo = await demoRepository();
});

describe("actions/image", () => {
  it("gives the content-hash tag and asks for a build when ECR was not asked", async () => {
    const run = await runAction("image", { workspace: repo, inputs: { aws: "false" } });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ build: "true", digest: "", image: "" });
    expect(run.outputs["tag"]).toMatch(/^agent-[0-9a-f]{32}$/);
    const other = await runAction("image", {
      workspace: repo,
      inputs: { aws: "false", "build-args": "MF6_VERSION=6.6.0" },
    });
    expect(other.outputs["tag"]).not.toBe(run.outputs["tag"]);
  });

  it("names a build argument that is not NAME=VALUE", async () => {
    const run = await runAction("image", {
      workspace: repo,
      inputs: { aws: "false", "build-args": "MF6_VERSION" },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('::error::build argument "MF6_VERSION": expected NAME=VALUE');
  });
});
