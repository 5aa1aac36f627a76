// Scale and offset reach cloud workers: the same model inputs, so the same observations, as a
// local run, and results that keep the values as given.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { memoryIO } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";
import { createS3ResultStore } from "../../src/store/s3-store.ts";
import { makeProject, type TestProject } from "../helpers/project.ts";
import { hashOfValues, specParameters } from "../helpers/realisation-results.ts";
import { type FakeCloud, startFakeCloud } from "./harness.ts";

let cloud: FakeCloud | undefined;
let project: TestProject | undefined;
afterEach(async () => {
  await cloud?.close();
  await project?.remove();
  cloud = undefined;
  project = undefined;
});

describe("scale and offset on the fake cloud", () => {
  it("workers write value × scale + offset into model inputs", async () => {
    project = await makeProject({
      params: [{ x: 1 }, { x: 2 }],
      specExtra: "cloud: { max_workers: 1, idle_timeout: 2s }\n",
    });
    for (const id of [1, 2]) {
      await writeFile(
        join(project.dir, "params", `param${id}.par`),
        `single point\nx ${id} -3 0.5\nmode 0 1 0\n`,
      );
    }
    cloud = await startFakeCloud();
    const io = memoryIO(project.dir);
    const code = await main(
      ["run", project.spec, "--executor", "ecs", "--infra", cloud.infraFile, "--json", "--poll", "0.3s"],
      io,
    );
    expect(io.stderr.join("\n")).not.toContain("internal error");
    expect(code).toBe(0);
    const store = createS3ResultStore({ bucket: cloud.infra.bucket, prefix: cloud.infra.prefix! });
    const results = new Map(
      (await store.listResults({ project: "test", scenario: "base" })).map((r) => [r.id, r]),
    );
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
