// What the fake-cloud tests share: the fake cloud and the project of the test running now,
// closed and removed after it, and the CLI run in this process against them.
import { afterEach } from "vitest";
import { memoryIO } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";
import type { RealisationResult } from "../../src/results/realisation-result.ts";
import { createS3ResultStore, type S3ResultStore } from "../../src/store/s3-store.ts";
import { makeProject, type TestProject } from "../helpers/project.ts";
import { type FakeCloud, startFakeCloud } from "./harness.ts";

type CloudOptions = Parameters<typeof startFakeCloud>[0];
type ProjectOptions = Parameters<typeof makeProject>[0];

/** Call once at the top of a test file: each test starts its cloud and project through it,
 * and both are gone after the test, however it ended. */
export function fakeCloudPerTest(): {
  /** Closes the test's earlier cloud, if any, and starts another. */
  startCloud(options?: CloudOptions): Promise<FakeCloud>;
  makeProject(options: ProjectOptions): Promise<TestProject>;
} {
  let cloud: FakeCloud | undefined;
  let project: TestProject | undefined;
  afterEach(async () => {
    await cloud?.close();
    await project?.remove();
    cloud = undefined;
    project = undefined;
  });
  return {
    async startCloud(options) {
      await cloud?.close();
      cloud = await startFakeCloud(options);
      return cloud;
    },
    async makeProject(options) {
      project = await makeProject(options);
      return project;
    },
  };
}

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** The CLI in this process (its ECS calls reach the fake through the SDK's mock). */
export async function cli(p: TestProject, args: string[]): Promise<CliRun> {
  const io = memoryIO(p.dir);
  const code = await main(args, io);
  return { code, out: io.stdout.join("\n"), err: io.stderr.join("\n") };
}

export const ecsArgs = (c: FakeCloud): string[] => ["--executor", "ecs", "--infra", c.infraFile];

/** `modelfleet run <spec> --executor ecs --json`, polling fast. */
export function runEcs(p: TestProject, c: FakeCloud, extra: string[] = []): Promise<CliRun> {
  return cli(p, ["run", p.spec, ...ecsArgs(c), "--json", "--poll", "0.3s", ...extra]);
}

export const TEST_RUN_SET = { project: "test", scenario: "base" } as const;

export function storeOf(c: FakeCloud): S3ResultStore {
  return createS3ResultStore({ bucket: c.infra.bucket, prefix: c.infra.prefix! });
}

/** The run set's results in the fake S3, by id. */
export async function cloudResults(c: FakeCloud): Promise<Map<string, RealisationResult>> {
  return new Map((await storeOf(c).listResults(TEST_RUN_SET)).map((r) => [r.id, r]));
}
