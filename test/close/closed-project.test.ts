// A closed project (projects/<project>/closed.json, written by `modelfleet close`) gets no stack,
// and the workflows plan and run it no more: a later push cannot recreate its bucket, queues or
// services. Its stack name is the one the close destroyed.
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findProjectFiles, loadProjectStacks } from "../../cdktf/src/load-projects.ts";
import { projectStackName } from "../../cdktf/src/names.ts";
import { projectStackName as closeStackName } from "../../src/close/project-files.ts";
import { listProjectFiles } from "../../src/github/project-files.ts";

const REPO = join(import.meta.dirname, "..", "..");

describe("a closed project", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-infra-closed-"));
    for (const project of ["acme", "done"]) {
      await mkdir(join(dir, "projects", project, "model"), { recursive: true });
      await cp(join(REPO, "projects", "demo", "params"), join(dir, "projects", project, "params"), {
        recursive: true,
      });
      await writeFile(
        join(dir, "projects", project, "base.yaml"),
        `project: ${project}\nscenario: base\nmodel: { dir: model, command: [run] }\nparameters: { par_files: "params/param{id}.par", ids: "1-3" }\n`,
      );
    }
    await writeFile(
      join(dir, "projects", "done", "closed.json"),
      JSON.stringify({ schema: 1, project: "done", closedAt: "2030-01-01T00:00:00.000Z" }),
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is left out of the synthesis, and its other projects are not", async () => {
    expect(await findProjectFiles(join(dir, "projects"))).toEqual([
      join(dir, "projects", "acme", "base.yaml"),
    ]);
    const stacks = await loadProjectStacks({ projectsDir: join(dir, "projects"), cwd: dir });
    expect(stacks.map((s) => s.project)).toEqual(["acme"]);
  });

  it("is not among the project files the workflows plan and run", async () => {
    expect(await listProjectFiles(dir)).toEqual(["projects/acme/base.yaml"]);
  });

  it("had the stack name the close destroys", () => {
    expect(closeStackName("acme", "eu-west-1")).toBe(projectStackName("acme", "eu-west-1"));
  });
});
