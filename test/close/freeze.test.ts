// Freezing a project for its close, on the fake cloud with real workers: a run in flight is
// stopped as `modelfleet stop` stops it (nothing half-published), no run starts afterwards, and
// a closed project's files do not run again.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterEach, describe, expect, it } from "vitest";
import { stopCommand } from "../../src/cli/commands/stop.ts";
import { memoryIO } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";
import { createRunSetFreezer, freezeProject } from "../../src/close/freeze.ts";
import type { CloseProjectFiles } from "../../src/close/project-files.ts";
import { createS3SourceBuckets } from "../../src/close/s3-source.ts";
import { createS3Client } from "../../src/store/s3-store.ts";
import { type FakeCloud, startFakeCloud } from "../fake-cloud/harness.ts";
import { makeProject, type TestProject } from "../helpers/project.ts";
import { waitFor } from "../helpers/wait.ts";

let cloud: FakeCloud | undefined;
let project: TestProject | undefined;
afterEach(async () => {
  await cloud?.close();
  await project?.remove();
  cloud = undefined;
  project = undefined;
});

function filesOf(p: TestProject, c: FakeCloud): CloseProjectFiles {
  return {
    project: "test",
    dir: p.dir,
    scenarios: [
      { scenario: "base", file: p.spec, regions: [c.infra.region], infraFile: c.infraFile, infra: c.infra },
    ],
    regions: [c.infra.region],
    buckets: [{ region: c.infra.region, bucket: c.infra.bucket, prefix: "results/" }],
    stacks: [],
    archive: { kind: "folder", folder: join(p.dir, "archive") },
  };
}

async function resultCount(c: FakeCloud): Promise<number> {
  const client = createS3Client({ region: c.infra.region });
  const out = await client.send(
    new ListObjectsV2Command({ Bucket: c.infra.bucket, Prefix: "results/test/base/realisations/" }),
  );
  return (out.Contents ?? []).filter((o) => o.Key!.endsWith("/result.json")).length;
}

describe("freezing a project for its close", () => {
  it("stops a run in flight as modelfleet stop does; then no run starts", async () => {
    const params = Array.from({ length: 8 }, (_, i) => ({ x: i, mode: 8 }));
    project = await makeProject({ params, specExtra: "cloud: { max_workers: 2, idle_timeout: 2s }\n" });
    cloud = await startFakeCloud({ stopTimeoutSeconds: 20 });
    const runArgs = ["run", project.spec, "--executor", "ecs", "--infra", cloud.infraFile, "--poll", "0.3s"];
    const clientIO = memoryIO(project.dir);
    const client = main(runArgs, clientIO);
    await waitFor("a first result", async () => ((await resultCount(cloud!)) > 0 ? true : undefined));

    const files = filesOf(project, cloud);
    const source = createS3SourceBuckets((region) => createS3Client({ region }));
    const stopIO = memoryIO(project.dir);
    const frozen: string[] = [];
    await freezeProject({
      files,
      source,
      freezer: createRunSetFreezer({
        files,
        source,
        stop: async (s) => {
          expect(await stopCommand([s.file, "--executor", "ecs", "--infra", s.infraFile], stopIO)).toBe(0);
        },
      }),
      at: "2030-01-01T00:00:00.000Z",
      by: "modelfleet close test --yes",
      archive: "/srv/archive/test/",
      onFrozen: (scenario, note) => frozen.push(`${scenario}: ${note}`),
    });
    expect(frozen).toEqual(["base: its run stopped, as `modelfleet stop` does"]);
    expect(stopIO.stderr.join("\n")).toMatch(/all 2 worker\(s\) stopped within/);
    // The client following the run ends; every worker is gone; what was published is whole.
    expect(await client).toBe(130);
    expect(cloud.tasks.every((t) => t.exitCode !== null || t.signal !== null)).toBe(true);
    const atFreeze = await resultCount(cloud);
    expect(atFreeze).toBeGreaterThan(0);
    expect(atFreeze).toBeLessThan(8);
    const marker = await createS3Client({ region: cloud.infra.region }).send(
      new GetObjectCommand({ Bucket: cloud.infra.bucket, Key: "results/test/closing.json" }),
    );
    expect(JSON.parse(await marker.Body!.transformToString())).toMatchObject({
      project: "test",
      by: "modelfleet close test --yes",
    });

    // No new run starts: it holds the lock, reads the marker, lets the lock go, and says why.
    const refusedIO = memoryIO(project.dir);
    expect(await main(runArgs, refusedIO)).toBe(1);
    expect(refusedIO.stderr.join("\n")).toBe(
      `project test is being closed (since 2030-01-01T00:00:00.000Z, by \`modelfleet close test --yes\`): no new run starts. If that close was abandoned and the project should run again, delete s3://${cloud.infra.bucket}/results/test/closing.json.`,
    );
    expect(cloud.tasks.every((t) => t.exitCode !== null || t.signal !== null)).toBe(true);
    expect(await resultCount(cloud)).toBe(atFreeze);

    // A second freeze (a close run again) stops nothing more.
    const again: string[] = [];
    await freezeProject({
      files,
      source,
      freezer: createRunSetFreezer({
        files,
        source,
        stop: async () => {
          throw new Error("nothing to stop");
        },
      }),
      at: "2030-01-01T00:00:01.000Z",
      by: "modelfleet close test --yes",
      archive: "/srv/archive/test/",
      onFrozen: (scenario, note) => again.push(`${scenario}: ${note}`),
    });
    expect(again).toEqual([expect.stringMatching(/^base: its last run was stopped \d{4}-/)]);
  });

  it("a closed project's files do not run again, locally or in the cloud", async () => {
    project = await makeProject({ params: [{ x: 1 }] });
    await writeFile(
      join(project.dir, "closed.json"),
      JSON.stringify({
        schema: 1,
        project: "test",
        closedAt: "2030-01-02T00:00:00.000Z",
        archive: "s3://acme-archive/modelfleet/test/",
      }),
    );
    for (const args of [
      ["run", project.spec],
      ["run", project.spec, "--executor", "ecs"],
    ]) {
      const io = memoryIO(project.dir);
      expect(await main(args, io)).toBe(1);
      expect(io.stderr.join("\n")).toBe(
        `${project.spec}: project test was closed on 2030-01-02T00:00:00.000Z (${join(project.dir, "closed.json")}): its cloud resources are destroyed and its results are kept in s3://acme-archive/modelfleet/test/; nothing of it runs again. To work on it again, start a new project from these files under another name.`,
      );
    }
  });
});
