// PEST's SCALE and OFFSET: the model sees value × scale + offset for every parameter source,
// results and parameters.csv keep the values as given, and a change of scale or offset runs the
// realisations again.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runLocal } from "../src/engine/local-run.ts";
import { formatDiagnostic } from "../src/spec/diagnostics.ts";
import { loadSpec, validateSpecFile } from "../src/spec/load.ts";
import { makeProject, type TestProject } from "./helpers/project.ts";
import { hashOfValues, specParameters } from "./helpers/realisation-results.ts";

let project: TestProject;
let dir: string;
beforeEach(async () => {
  project = await makeProject({ params: [] });
  dir = project.dir;
});
afterEach(() => project.remove());

/** The project (behave.mjs: y = 2x, z = x + 1 for the x it is given) with these `parameters`. */
async function spec(parameters: string): Promise<string> {
  const text = await readFile(project.spec, "utf8");
  await writeFile(
    project.spec,
    text.replace(/^parameters:\n[\s\S]*?^retries:/m, `parameters:\n${parameters}retries:`),
  );
  return project.spec;
}

const run = (file: string) =>
  runLocal({ specFile: file, resultsRoot: project.results, workRoot: project.work, workers: 2 });

const messages = async (file: string) => (await validateSpecFile(file)).diagnostics.map(formatDiagnostic);

describe("scale and offset", () => {
  it("an ensemble CSV: the model sees value × scale + offset, results keep the values as given", async () => {
    await writeFile(join(dir, "ens.csv"), "real_name,x,mode\nr1,2,0\nr2,-3.5,0\n");
    const file = await spec("  csv: ens.csv\n  scale: { X: -1 }\n  offset: { x: 10 }\n");
    const report = await run(file);
    const byId = new Map(report.results.map((r) => [r.id, r]));
    expect(byId.get("r1")).toMatchObject({
      status: "ok",
      parametersHash: hashOfValues({ x: 2, mode: 0 }),
      observations: { y: 16, z: 9 },
    });
    expect(byId.get("r2")).toMatchObject({
      parametersHash: hashOfValues({ x: -3.5, mode: 0 }),
      observations: { y: 27, z: 14.5 },
    });
    const csv = await readFile(join(report.location, "parameters.csv"), "utf8");
    expect(csv).toBe("real_name,x,mode\nr1,2,0\nr2,-3.5,0\n");

    // Another offset is another model input: every realisation runs again.
    await writeFile(file, (await readFile(file, "utf8")).replace("offset: { x: 10 }", "offset: { x: 20 }"));
    const again = await run(file);
    expect(again.plan.stale).toBe(2);
    expect(new Map(again.results.map((r) => [r.id, r.observations])).get("r1")).toEqual({ y: 36, z: 19 });
    // The same spec again: nothing to run.
    expect((await run(file)).plan.toRun).toHaveLength(0);
  });

  it("fixed values and samples are scaled too", async () => {
    const file = await spec(
      "  sample: { n: 3, seed: 1, priors: { x: { uniform: [1, 2] } } }\n  fixed: { mode: 0.5 }\n  scale: { x: 100, mode: 0 }\n  offset: { mode: 5 }\n",
    );
    expect(await messages(file)).toEqual([
      `${file}:14:26: \`parameters.scale.mode\`: expected a scale other than 0 (PEST's SCALE)`,
    ]);
    await writeFile(
      file,
      (await readFile(file, "utf8")).replace("mode: 0 }\n  offset", "mode: 2 }\n  offset"),
    );
    const report = await run(file);
    const given = await specParameters(file);
    for (const r of report.results) {
      const values = given.get(r.id)!;
      expect(r.status).toBe("ok");
      expect(values.mode).toBe(0.5);
      expect(r.parametersHash).toBe(hashOfValues(values));
      expect(r.logTail).toContain("mode=6");
      expect(r.observations.y).toBeCloseTo(2 * 100 * values.x!, 9);
    }
  });

  it("par files carry their own scale and offset; results keep the value column", async () => {
    await writeFile(join(dir, "params", "p1.par"), "single point\nx 3 2 1\nmode 0 1 0\n");
    await writeFile(join(dir, "params", "p2.par"), "single point\nx 4 2 1\nmode 0 1 0\n");
    const file = await spec("  par_files: params/p{id}.par\n  ids: 1-2\n");
    const resolved = await loadSpec(file);
    expect([...resolved.realisations.transforms]).toEqual([["x", { scale: 2, offset: 1 }]]);
    const report = await run(file);
    const byId = new Map(report.results.map((r) => [r.id, r]));
    expect(byId.get("1")).toMatchObject({
      parametersHash: hashOfValues({ x: 3, mode: 0 }),
      observations: { y: 14, z: 8 },
    });
    expect(byId.get("2")).toMatchObject({
      parametersHash: hashOfValues({ x: 4, mode: 0 }),
      observations: { y: 18, z: 10 },
    });
  });

  it("par files that disagree with each other or with the project file are errors", async () => {
    await writeFile(join(dir, "params", "p1.par"), "single point\nx 3 2 1\nmode 0 1 0\n");
    await writeFile(join(dir, "params", "p2.par"), "single point\nx 4 1 0\nmode 0 1 0\n");
    let file = await spec("  par_files: params/p{id}.par\n  ids: 1-2\n");
    expect(await messages(file)).toEqual([
      `${join(dir, "params", "p2.par")}: \`parameters.par_files\` (${file}:12:14): parameter \`x\` has scale 1 and offset 0 here, but scale 2 and offset 1 in params/p1.par; a parameter has one scale and offset in every par file of a run set`,
    ]);
    await writeFile(join(dir, "params", "p2.par"), "single point\nx 4 2 1\nmode 0 1 0\n");
    file = await spec("  par_files: params/p{id}.par\n  ids: 1-2\n  scale: { x: -2 }\n  offset: { x: 1 }\n");
    expect(await messages(file)).toEqual([
      `${join(dir, "params", "p1.par")}: \`parameters.par_files\` (${file}:12:14): parameter \`x\` has scale 2 and offset 1 here, but the project file gives scale -2 and offset 1; make them agree, or leave scale and offset of par-file parameters to the par files`,
    ]);
    file = await spec("  par_files: params/p{id}.par\n  ids: 1-2\n  scale: { x: 2 }\n  offset: { x: 1 }\n");
    expect(await messages(file)).toEqual([]);
  });

  it("a name that is in no parameter set is an error, with a suggestion", async () => {
    await writeFile(join(dir, "ens.csv"), "real_name,x,mode\nr1,2,0\n");
    const file = await spec("  csv: ens.csv\n  scale: { xx: -1 }\n");
    expect(await messages(file)).toEqual([
      `${file}:13:16: \`parameters.scale.xx\`: parameter \`xx\` is in no parameter set; did you mean \`x\`?`,
    ]);
  });

  it("a fixed value for a parameter no template uses is an error, with a suggestion", async () => {
    await writeFile(join(dir, "ens.csv"), "real_name,x,mode\nr1,2,0\n");
    const file = await spec("  csv: ens.csv\n  fixed: { mdoe: 1 }\n");
    expect(await messages(file)).toEqual([
      `${file}:13:18: \`parameters.fixed.mdoe\`: parameter \`mdoe\` is used by no template, so its fixed value would be ignored; did you mean \`mode\`?`,
    ]);
  });

  it("a value that fits as given but not scaled is reported with its scale", async () => {
    await writeFile(join(dir, "model", "model.in.tpl"), "ptf ~\nx ~x ~\nmode ~mode    ~\n");
    await writeFile(join(dir, "ens.csv"), "real_name,x,mode\nr1,2,0\n");
    const file = await spec("  csv: ens.csv\n  scale: { x: -1e-300 }\n");
    expect((await messages(file)).join("\n")).toContain(
      "value -2e-300 of `x` (value × -1e-300 + 0) (parameter set r1) does not fit the 4-character field at model/model.in.tpl:2",
    );
  });
});
