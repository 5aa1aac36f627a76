import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO } from "../../test/helpers/calibration.ts";
import { selectScenarios } from "./scenarios.ts";

/** A repository whose projects/demo holds the demo's base and calibrate scenarios, their
 * paths pointing at the demo's own files. */
async function repository(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "mf-scenarios-"));
  await mkdir(join(root, "projects", "demo"), { recursive: true });
  for (const name of ["base.yaml", "calibrate.yaml"]) {
    const text = (await readFile(join(DEMO, name), "utf8"))
      .replace(/dir: model/, `dir: ${join(DEMO, "model")}`)
      .replace(/dir: params/, `dir: ${join(DEMO, "params")}`)
      .replace("csv: observations.csv", `csv: ${join(DEMO, "observations.csv")}`);
    await writeFile(join(root, "projects", "demo", name), `${text}\nallow_external_paths: true\n`);
  }
  return root;
}

describe("selectScenarios", () => {
  it("marks a scenario whose project file has observations as calibrate, any other as run", async () => {
    const root = await repository();
    const matrix = await selectScenarios(
      { root, changed: undefined, project: "", scenario: "", all: true },
      { stackName: (project, region) => `${project}-${region}` },
    );
    expect(matrix.map((m) => [m.scenario, m.mode])).toEqual([
      ["base", "run"],
      ["calibrate", "calibrate"],
    ]);
  });

  it("keeps only the scenarios of one mode when asked (the scheduled watch follows run sets alone)", async () => {
    const root = await repository();
    const matrix = await selectScenarios(
      { root, changed: undefined, project: "", scenario: "", all: true, mode: "run" },
      { stackName: (project, region) => `${project}-${region}` },
    );
    expect(matrix.map((m) => m.scenario)).toEqual(["base"]);
  });
});
