// Scale and offset reach cloud workers: the same model inputs, so the same observations, as a
// local run, and results that keep the values as given.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashOfValues, specParameters } from "../helpers/realisation-results.ts";
import { cloudResults, fakeCloudPerTest, runEcs } from "./session.ts";

const session = fakeCloudPerTest();

describe("scale and offset on the fake cloud", () => {
  it("workers write value × scale + offset into model inputs", async () => {
    const project = await session.makeProject({
      params: [{ x: 1 }, { x: 2 }],
      specExtra: "cloud: { max_workers: 1, idle_timeout: 2s }\n",
    });
    for (const id of [1, 2]) {
      await writeFile(
        join(project.dir, "params", `param${id}.par`),
        `single point\nx ${id} -3 0.5\nmode 0 1 0\n`,
      );
    }
    const cloud = await session.startCloud();
    const run = await runEcs(project, cloud);
    expect(run.err).not.toContain("internal error");
    expect(run.code).toBe(0);
    const results = await cloudResults(cloud);
    // x = 1 → model sees -2.5: y = 2x, z = x + 1
    const given = await specParameters(project.spec);
    expect(given.get("1")).toMatchObject({ x: 1 });
    expect(given.get("2")).toMatchObject({ x: 2 });
    expect(results.get("1")).toMatchObject({
      parametersHash: hashOfValues(given.get("1")!),
      observations: { y: -5, z: -1.5 },
    });
    expect(results.get("2")).toMatchObject({
      parametersHash: hashOfValues(given.get("2")!),
      observations: { y: -11, z: -4.5 },
    });
  });
});
