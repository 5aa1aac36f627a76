// Late and duplicate deliveries on the fake cloud: work of an earlier run set never replaces a
// newer result, and what a losing attempt writes is never visible under the winner's result.
import { createHash } from "node:crypto";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { memoryIO } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";
import type { WorkMessage } from "../../src/cloud/cloud-config.ts";
import type { RealisationResult } from "../../src/results/realisation-result.ts";
import { specParameters } from "../helpers/realisation-results.ts";
import { waitFor } from "../helpers/wait.ts";
import type { FakeCloud } from "./harness.ts";
import { fakeCloudPerTest, runEcs, TEST_RUN_SET as runSet, storeOf } from "./session.ts";

const session = fakeCloudPerTest();

const SPEC = "cloud: { max_workers: 2, idle_timeout: 2s }\n";

const s3 = () => new S3Client({ forcePathStyle: true });

async function objectBytes(c: FakeCloud, key: string): Promise<Buffer> {
  const o = await s3().send(new GetObjectCommand({ Bucket: c.infra.bucket, Key: key }));
  return Buffer.from(await o.Body!.transformToByteArray());
}

async function keysUnder(c: FakeCloud, prefix: string): Promise<string[]> {
  const out = await s3().send(new ListObjectsV2Command({ Bucket: c.infra.bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

/** Puts messages on the queue and starts one worker to take them; waits for it to exit. */
async function deliver(c: FakeCloud, messages: WorkMessage[]) {
  // The run's own workers first go (they idle out), so the new one takes the messages.
  await waitFor("the run's workers to exit", async () =>
    c.tasks.every((t) => t.exitCode !== null || t.signal !== null) ? true : undefined,
  );
  await new SQSClient({}).send(
    new SendMessageBatchCommand({
      QueueUrl: c.infra.queueUrl,
      Entries: messages.map((m, i) => ({ Id: `m${i}`, MessageBody: JSON.stringify(m) })),
    }),
  );
  const before = c.tasks.length;
  const { RunTaskCommand, ECSClient } = await import("@aws-sdk/client-ecs");
  await new ECSClient({}).send(
    new RunTaskCommand({
      cluster: "fake-cluster",
      taskDefinition: "fake-agent:1",
      count: 1,
      overrides: {
        containerOverrides: [
          {
            name: "agent",
            environment: [
              { name: "MODELFLEET_QUEUE_URL", value: c.infra.queueUrl },
              { name: "MODELFLEET_BUCKET", value: c.infra.bucket },
              { name: "MODELFLEET_PREFIX", value: c.infra.prefix! },
            ],
          },
        ],
      },
    }),
  );
  await waitFor("the worker to exit", async () =>
    c.tasks.slice(before).every((t) => t.exitCode !== null || t.signal !== null) ? true : undefined,
  );
  return c.tasks
    .slice(before)
    .map((t) => t.output)
    .join("\n");
}

/** What a message of the run that published `r` (with these parameter values) looked like. */
function messageOf(
  r: RealisationResult,
  runConfigKey: string,
  values: Readonly<Record<string, number>>,
): WorkMessage {
  return {
    id: r.id,
    key: r.key,
    runConfigKey,
    values,
    ...(r.generation === undefined ? {} : { generation: r.generation }),
  };
}

async function runConfigKeys(c: FakeCloud): Promise<string[]> {
  return keysUnder(c, `${c.infra.prefix}test/base/runs/`);
}

describe("report and plan of a cloud run set", () => {
  it("read the results in S3: the CI verdict and what is left to run", async () => {
    const project = await session.makeProject({ params: [{ x: 1 }, { x: 2 }], specExtra: SPEC });
    const cloud = await session.startCloud();
    expect((await runEcs(project, cloud)).code).toBe(0);
    const io = memoryIO(project.dir);
    const code = await main(
      ["report", project.spec, "--executor", "ecs", "--infra", cloud.infraFile, "--fail-on-alert", "--json"],
      io,
    );
    expect(code).toBe(0);
    const verdict = JSON.parse(io.stdout.join("\n"));
    expect(verdict).toMatchObject({ complete: true, counts: { ok: 2, notRun: 0 } });
    expect(verdict.location).toMatch(/^s3:\/\//);
    const planIo = memoryIO(project.dir);
    expect(
      await main(["plan", project.spec, "--executor", "ecs", "--infra", cloud.infraFile, "--json"], planIo),
    ).toBe(0);
    expect(JSON.parse(planIo.stdout.join("\n"))).toMatchObject({ realisations: 2, toRun: 0 });
    // the local results folder is another run set: nothing there
    const local = memoryIO(project.dir);
    await main(["report", project.spec, "--results", project.results, "--json"], local);
    expect(JSON.parse(local.stdout.join("\n"))).toMatchObject({ complete: false, counts: { notRun: 2 } });
  });
});

describe("stale and duplicate work on the fake cloud", () => {
  it("a late message of an earlier run set never replaces the newer result; a stale result is not counted", async () => {
    const project = await session.makeProject({ params: [{ x: 1 }, { x: 2 }], specExtra: SPEC });
    const cloud = await session.startCloud();
    expect((await runEcs(project, cloud)).code).toBe(0);
    const old = (await storeOf(cloud).getResult(runSet, "1"))!;
    const oldValues = (await specParameters(project.spec)).get("1")!;
    const [oldConfig] = await runConfigKeys(cloud);
    // Inputs change; the next run set, of realisation 1 only, publishes a newer result for it.
    await project.setParams(1, { x: 10 });
    await project.setParams(2, { x: 20 });
    const second = await runEcs(project, cloud, ["--ids", "1"]);
    expect(second.code).toBe(0);
    const newer = (await storeOf(cloud).getResult(runSet, "1"))!;
    expect(newer).toMatchObject({ observations: { y: 20, z: 11 } });
    expect(newer.generation).toBeGreaterThan(old.generation!);
    expect(newer.key).not.toBe(old.key);
    // Realisation 2's result is stale now: the report does not count its values.
    expect(JSON.parse(second.out).counts).toMatchObject({ ok: 1, notRun: 1 });

    // A duplicate of the earlier run set's message arrives late and is run by a worker.
    const output = await deliver(cloud, [messageOf(old, oldConfig!, oldValues)]);
    expect(output).toContain("already published");
    const after = (await storeOf(cloud).getResult(runSet, "1"))!;
    expect(after).toMatchObject({
      key: newer.key,
      generation: newer.generation,
      observations: { y: 20, z: 11 },
    });
  });

  it("a duplicate delivery that fails never touches the published result's kept files", async () => {
    const project = await session.makeProject({ params: [{ x: 3 }], specExtra: SPEC });
    const cloud = await session.startCloud();
    expect((await runEcs(project, cloud)).code).toBe(0);
    const won = (await storeOf(cloud).getResult(runSet, "1"))!;
    expect(won.status).toBe("ok");
    const [config] = await runConfigKeys(cloud);
    // The same realisation (same key) delivered again; this time the model writes a failure
    // into the kept file (mode 5: out.txt says FAILED).
    const wonValues = (await specParameters(project.spec)).get("1")!;
    const duplicate = { ...messageOf(won, config!, wonValues), values: { ...wonValues, mode: 5 } };
    await deliver(cloud, [duplicate]);

    const published = (await storeOf(cloud).getResult(runSet, "1"))!;
    expect(published).toEqual(won);
    const realisation = `${cloud.infra.prefix}test/base/realisations/1/`;
    for (const f of published.files) {
      const bytes = await objectBytes(cloud, `${realisation}${f.stored}`);
      expect(createHash("sha256").update(bytes).digest("hex")).toBe(f.sha256);
      expect(bytes.toString()).toBe("RESULTS\ny 6\nz 4\n");
    }
    // nothing of the losing attempt is left beside it
    const attempts = new Set(
      (await keysUnder(cloud, `${realisation}attempts/`)).map(
        (k) => k.slice(realisation.length).split("/")[1],
      ),
    );
    expect([...attempts]).toEqual([published.attempt]);
  });
});
