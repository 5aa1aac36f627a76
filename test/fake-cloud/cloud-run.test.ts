// The cloud execution path end to end on the fake cloud: the real CLI and the real agent
// processes, against s3rver (with conditional writes), a fake SQS and a mocked ECS.
import { PurgeQueueCommand, SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { describe, expect, it } from "vitest";
import { memoryIO } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";
import { cloudPieces } from "../../src/cloud/aws-wiring.ts";
import { runOnCloud } from "../../src/cloud/cloud-run.ts";
import { runLocal } from "../../src/engine/local-run.ts";
import { loadSpec } from "../../src/spec/load.ts";
import { createS3ResultStore } from "../../src/store/s3-store.ts";
import { specParameters } from "../helpers/realisation-results.ts";
import { waitFor } from "../helpers/wait.ts";
import { type FakeCloud, killTree } from "./harness.ts";
import { cloudResults, fakeCloudPerTest, runEcs } from "./session.ts";

const session = fakeCloudPerTest();

const CLOUD_SPEC = "cloud: { max_workers: 3, idle_timeout: 2s }\nresources: { spot: true }\n";

describe("the ECS path on the fake cloud", () => {
  it("1. runs a full ensemble with the same results as the local engine", async () => {
    const params = Array.from({ length: 8 }, (_, i) => ({ x: i * 1.5 - 2, mode: i === 5 ? 1 : 0 }));
    const project = await session.makeProject({ params, specExtra: CLOUD_SPEC });
    const cloud = await session.startCloud();
    const r = await runEcs(project, cloud);
    expect(r.err).not.toContain("internal error");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ realisations: 8, ranNow: 8, deadLettered: 0 });
    expect(summary.counts).toMatchObject({ ok: 7, failedModel: 1 });
    const remote = await cloudResults(cloud);
    const local = await runLocal({
      specFile: project.spec,
      resultsRoot: project.results,
      workRoot: project.work,
      workers: 2,
      report: false,
    });
    for (const l of local.results) {
      const c = remote.get(l.id)!;
      expect(c.status).toBe(l.status);
      expect(c.observations).toEqual(l.observations);
      expect(c.failure?.reason).toBe(l.failure?.reason);
    }
    // every worker was started once and exited by itself when the queue stayed empty
    await waitFor("workers to exit", async () =>
      cloud!.tasks.every((t) => t.exitCode !== null) ? true : undefined,
    );
    expect(cloud.tasks.every((t) => t.exitCode === 0)).toBe(true);
    // the summary files and reports went to the bucket too
    const store = createS3ResultStore({ bucket: cloud.infra.bucket, prefix: cloud.infra.prefix! });
    expect(
      new TextDecoder().decode(await store.getRunSetFile({ project: "test", scenario: "base" }, "report.md")),
    ).toContain("<!-- modelfleet:test/base -->");
    // a second run finds everything done and starts no worker
    const calls = cloud.runTaskCalls.length;
    const again = JSON.parse((await runEcs(project, cloud)).out);
    expect(again.ranNow).toBe(0);
    expect(cloud.runTaskCalls.length).toBe(calls);
  });

  it("2. a worker killed mid-run: its realisation runs again once and is published once", async () => {
    const params = [{ x: 1, mode: 8 }, { x: 2 }, { x: 3 }];
    const project = await session.makeProject({
      params,
      specExtra: "cloud: { max_workers: 2, idle_timeout: 2s }\n",
    });
    const cloud = await session.startCloud({ visibilitySeconds: 2 });
    const running = runEcs(project, cloud);
    const victim = await waitFor("realisation 1 to start", () => cloud!.taskRunning("1"));
    victim.stoppedByHarness = true;
    killTree(victim.process.pid!);
    const r = await running;
    expect(r.code).toBe(0);
    const results = await cloudResults(cloud);
    expect(results.get("1")).toMatchObject({ status: "ok", attempts: 2, observations: { y: 2 } });
    expect(JSON.parse(r.out).counts.ok).toBe(3);
    // exactly one result.json publish went through for it: the losing attempt, if any, was refused
    expect(cloud.tasks.filter((t) => t.output.includes(" 1 ok")).length).toBe(1);
  });

  it("3. the same message delivered to two workers gives exactly one result.json", async () => {
    const project = await session.makeProject({ params: [{ x: 4, mode: 8 }], specExtra: CLOUD_SPEC });
    const cloud = await session.startCloud();
    // Run once so the bundle, run configuration and keys exist; then deliver its message twice.
    await runEcs(project, cloud);
    await waitFor("the first run's workers to exit", async () =>
      cloud!.tasks.every((t) => t.exitCode !== null) ? true : undefined,
    );
    const first = (await cloudResults(cloud)).get("1")!;
    // Remove the result and send the same message twice.
    const body = JSON.stringify({
      id: "1",
      key: first.key,
      runConfigKey: (await findRunConfigKey(cloud))!,
      values: (await specParameters(project.spec)).get("1"),
    });
    await deleteResult(cloud, "1");
    const sqs = new SQSClient({});
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: cloud.infra.queueUrl,
        Entries: [
          { Id: "a", MessageBody: body },
          { Id: "b", MessageBody: body },
        ],
      }),
    );
    const tasksBefore = cloud.tasks.length;
    // two workers take one copy each
    const { RunTaskCommand, ECSClient } = await import("@aws-sdk/client-ecs");
    await new ECSClient({}).send(
      new RunTaskCommand({
        cluster: "fake-cluster",
        taskDefinition: "fake-agent:1",
        count: 2,
        overrides: { containerOverrides: [{ name: "agent", environment: envOf(cloud) }] },
      }),
    );
    await waitFor("both workers to exit", async () =>
      cloud!.tasks.slice(tasksBefore).every((t) => t.exitCode !== null) ? true : undefined,
    );
    const outputs = cloud.tasks
      .slice(tasksBefore)
      .map((t) => t.output)
      .join("\n");
    expect(outputs.match(/: 1 ok/g)?.length ?? 0).toBe(2);
    expect(outputs.match(/already published by another worker/g)?.length).toBe(1);
    // (concurrent publishers racing on the conditional write itself: src/store/s3-store.test.ts)
    expect((await cloudResults(cloud)).get("1")!.status).toBe("ok");
  });

  it("4. a realisation that crashes its worker every time goes to the DLQ and is reported failed", async () => {
    const project = await session.makeProject({
      params: [{ x: 1 }, { x: 2, mode: 8 }, { x: 3 }],
      specExtra: CLOUD_SPEC,
    });
    const cloud = await session.startCloud({ maxReceiveCount: 2, visibilitySeconds: 1 });
    cloud.crashWorkersRunning("2");
    const r = await runEcs(project, cloud);
    cloud.crashWorkersRunning(undefined);
    const summary = JSON.parse(r.out);
    expect(summary.deadLettered).toBe(1);
    expect(summary.counts).toMatchObject({ ok: 2, failedInfrastructure: 1, notRun: 0 });
    const failed = (await cloudResults(cloud)).get("2")!;
    expect(failed.failure).toMatchObject({ kind: "infrastructure", reason: "worker_lost" });
    expect(failed.failure!.message).toContain("dead-letter queue");
    // the workers had it twice (maxReceiveCount 2); the client's own read of the DLQ is not one
    expect(failed.failure!.message).toContain("it was delivered 2 times");
    expect(failed.attempts).toBe(2);
    expect(r.code).toBe(1); // infrastructure failures remain
  });

  it("5. throttled and partly failed RunTask calls still launch every worker exactly once", async () => {
    const project = await session.makeProject({
      params: Array.from({ length: 6 }, (_, i) => ({ x: i })),
      specExtra: CLOUD_SPEC,
    });
    const cloud = await session.startCloud();
    cloud.behaviour = {
      throttle: (call) => call === 0 || call === 2,
      partial: (call) => (call === 1 ? 1 : undefined),
    };
    const r = await runEcs(project, cloud);
    expect(r.code).toBe(0);
    const started = cloud.runTaskCalls.filter(
      (c) => c.outcome.startsWith("started") || c.outcome.startsWith("partial"),
    );
    const launchedTokens = started.map((c) => c.clientToken);
    expect(new Set(launchedTokens).size).toBe(launchedTokens.length);
    expect(cloud.runTaskCalls.some((c) => c.outcome === "throttled")).toBe(true);
    expect(cloud.tasks.length).toBeLessThanOrEqual(3);
    expect(JSON.parse(r.out).counts.ok).toBe(6);
  });

  it("6. a quota failure ends the run with a clear error in bounded time", async () => {
    const project = await session.makeProject({ params: [{ x: 1 }], specExtra: CLOUD_SPEC });
    const cloud = await session.startCloud();
    cloud.behaviour = { failAll: "You've reached the limit on the number of vCPUs you can run concurrently" };
    const t0 = Date.now();
    const r = await runEcs(project, cloud);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(r.code).toBe(1);
    expect(r.err).toContain("the account's Fargate Spot vCPU quota is exhausted");
    expect(cloud.tasks).toHaveLength(0);
  });

  it("8. workers that crash at start: the run ends after max(3, max_workers) of them, with the reasons", async () => {
    const project = await session.makeProject({
      params: [{ x: 1 }, { x: 2 }, { x: 3 }, { x: 4 }],
      specExtra: CLOUD_SPEC,
    });
    const cloud = await session.startCloud();
    cloud.behaviour = { brokenWorkers: true };
    const r = await runEcs(project, cloud);
    expect(r.code).toBe(1);
    // At most the bound plus the workers already launched when it was reached.
    expect(cloud.tasks.length).toBeGreaterThanOrEqual(3);
    expect(cloud.tasks.length).toBeLessThanOrEqual(3 + 3 - 1);
    await waitFor("the workers to exit", async () =>
      cloud!.tasks.every((t) => t.exitCode !== null) ? true : undefined,
    );
    expect(cloud.tasks.every((t) => t.exitCode === 1)).toBe(true);
    expect(r.err).toContain(
      "3 workers in a row stopped without a result (the limit is max(3, cloud.max_workers) = 3), so no more are started:",
    );
    expect(r.err).toMatch(
      / {2}3 × failed \(exit code 1\): Essential container in task exited; e\.g\. arn:aws:ecs:/,
    );
    expect(r.err).toMatch(
      /Look at a worker's log: aws logs tail \/ecs\/fake --log-stream-names agent\/agent\/\d+ --since 1d/,
    );
    expect(r.err).toMatch(
      /The realisations not done stay on the queue: `modelfleet stop .*` removes them; once the cause is fixed, `modelfleet run .*` queues them again\./,
    );
  });

  it("9. two runs of one scenario at once: the second refuses, naming the first, and starts nothing", async () => {
    const project = await session.makeProject({
      params: Array.from({ length: 4 }, (_, i) => ({ x: i, mode: 8 })),
      specExtra: CLOUD_SPEC,
    });
    const cloud = await session.startCloud();
    const first = runEcs(project, cloud);
    await waitFor("the first run's workers", async () => (cloud!.tasks.length > 0 ? true : undefined));
    const sentBefore = cloud.sqs.stats().SendMessageBatch ?? 0;
    const second = await runEcs(project, cloud);
    expect(second.code).toBe(3);
    expect(second.err).toMatch(
      /another run holds s3:\/\/[^ ]+\/results\/test\/base\/run\.lock: `modelfleet run .*base\.yaml --executor ecs`, pid \d+ on /,
    );
    expect(second.err).toContain("take the lock over now with --force");
    expect(cloud.sqs.stats().SendMessageBatch ?? 0).toBe(sentBefore);
    const r = await first;
    expect(r.code).toBe(0);
    expect(cloud.tasks.length).toBeLessThanOrEqual(3);
    // Every realisation ran once: one publish per id in the workers' logs.
    const published = cloud.tasks.flatMap((t) => t.output.match(/: \d+ ok/g) ?? []);
    expect(published).toHaveLength(4);
    // The lock was released at the end: a third run goes ahead (and has nothing to do).
    const third = await runEcs(project, cloud);
    expect(third.code).toBe(0);
  });

  it("10. Ctrl-C ends the client only: it says so truthfully, and the workers finish the run set", async () => {
    const params = Array.from({ length: 6 }, (_, i) => ({ x: i, mode: 8 }));
    const project = await session.makeProject({
      params,
      specExtra: "cloud: { max_workers: 2, idle_timeout: 2s }\n",
    });
    const cloud = await session.startCloud();
    const io = memoryIO(project.dir);
    const running = main(
      ["run", project.spec, "--executor", "ecs", "--infra", cloud.infraFile, "--poll", "0.3s"],
      io,
    );
    await waitFor(
      "a model to start",
      async () => (await cloud!.taskRunning("1")) ?? (await cloud!.taskRunning("2")),
    );
    process.emit("SIGINT");
    expect(await running).toBe(130);
    const err = io.stderr.join("\n");
    expect(err).toContain("test/base: this client has ended; the run set goes on without it.");
    expect(err).toContain(
      "2 worker(s) go on until the queue is empty (workers that are lost are not replaced while no client runs).",
    );
    expect(err).toContain(
      `follow it:        modelfleet status ${project.spec} --executor ecs --infra ${cloud.infraFile}`,
    );
    expect(err).toContain(
      `stop it:          modelfleet stop ${project.spec} --executor ecs --infra ${cloud.infraFile}`,
    );
    expect(err).not.toMatch(/finish their realisation and exit/);
    // `status` follows it.
    const statusIO = memoryIO(project.dir);
    expect(
      await main(["status", project.spec, "--executor", "ecs", "--infra", cloud.infraFile], statusIO),
    ).toBe(0);
    const status = statusIO.stdout.join("\n");
    expect(status).toMatch(/^test\/base: \d\/6 done \(\d+%\): \d ok, 0 model failures; \d left/);
    expect(status).toMatch(
      /run started .* by `modelfleet run .*base\.yaml --executor ecs`: no client follows it; its workers go on until the queue is empty/,
    );
    expect(status).toMatch(/queue: \d+ waiting, \d+ being run; 2 worker\(s\) running/);
    expect(status).toContain(
      `stop it: modelfleet stop ${project.spec} --executor ecs --infra ${cloud.infraFile}`,
    );
    // No client now: the workers run the whole run set and exit by themselves.
    const results = await waitFor("every result", async () => {
      const r = await cloudResults(cloud!);
      return r.size === 6 ? r : undefined;
    });
    expect([...results.values()].every((r) => r.status === "ok")).toBe(true);
    await waitFor("the workers to exit", async () =>
      cloud!.tasks.every((t) => t.exitCode !== null) ? true : undefined,
    );
    expect(cloud.tasks.map((t) => t.exitCode)).toEqual([0, 0]);
    const finalIO = memoryIO(project.dir);
    await main(["status", project.spec, "--executor", "ecs", "--infra", cloud.infraFile, "--json"], finalIO);
    expect(JSON.parse(finalIO.stdout.join(""))).toMatchObject({
      ok: 6,
      remaining: 0,
      workers: 0,
      client: null,
    });
    // The lock was released: the next run goes ahead, finds everything done.
    const again = await runEcs(project, cloud);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).ranNow).toBe(0);
  });

  it("11. stop mid-way: no new model starts, the queue is emptied, results stay whole, and a new run does the rest", async () => {
    const params = Array.from({ length: 8 }, (_, i) => ({ x: i, mode: 8 }));
    const project = await session.makeProject({
      params,
      specExtra: "cloud: { max_workers: 2, idle_timeout: 2s }\n",
    });
    const cloud = await session.startCloud({ stopTimeoutSeconds: 20 });
    const clientIO = memoryIO(project.dir);
    const client = main(
      ["run", project.spec, "--executor", "ecs", "--infra", cloud.infraFile, "--poll", "0.3s"],
      clientIO,
    );
    await waitFor("a first result", async () => ((await cloudResults(cloud!)).size > 0 ? true : undefined));
    const stopIO = memoryIO(project.dir);
    const code = await main(["stop", project.spec, "--executor", "ecs", "--infra", cloud.infraFile], stopIO);
    const said = stopIO.stderr.join("\n");
    expect(code).toBe(0);
    expect(said).toMatch(
      /test\/base: took the run lock over from `modelfleet run .*` \(pid \d+ on .*\); that client ends/,
    );
    expect(said).toContain("test/base: stopped the run started ");
    expect(said).toContain("no worker starts another of its realisations");
    expect(said).toMatch(/told 2 worker\(s\) to stop \(ECS sends SIGTERM; each kills its model/);
    expect(said).toMatch(/all 2 worker\(s\) stopped within \d/);
    expect(said).toMatch(/removed \d+ queued realisation\(s\) from the queue/);
    // The client that followed the run set ends, saying why.
    expect(await client).toBe(130);
    expect(clientIO.stderr.join("\n")).toMatch(/the run set was stopped at .* by `modelfleet stop .*`/);

    // Every worker is gone, and the queue holds none of the stopped work.
    expect(cloud.tasks.every((t) => t.exitCode !== null || t.signal !== null)).toBe(true);
    expect(cloud.sqs.messages(cloud.infra.queueUrl).filter((m) => m.state === "visible")).toEqual([]);
    const atStop = await cloudResults(cloud);
    expect(atStop.size).toBeGreaterThan(0);
    expect(atStop.size).toBeLessThan(8);
    const given = await specParameters(project.spec);
    for (const r of atStop.values()) {
      expect(r.status).toBe("ok");
      expect(r.observations.y).toBe(given.get(r.id)!.x! * 2);
    }
    const tasksAtStop = cloud.tasks.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await cloudResults(cloud)).size).toBe(atStop.size);
    expect(cloud.tasks.length).toBe(tasksAtStop);

    // A new run is not held back by the stop, and runs exactly what has no result.
    const next = await runEcs(project, cloud);
    expect(next.code).toBe(0);
    const summary = JSON.parse(next.out);
    expect(summary.ranNow).toBe(8 - atStop.size);
    expect(summary.counts.ok).toBe(8);
    for (const [id, r] of atStop) expect((await cloudResults(cloud)).get(id)!.endedAt).toBe(r.endedAt);
  });

  it("12. a realisation dead-lettered again over its earlier failure ends the run instead of being waited for", async () => {
    const project = await session.makeProject({
      params: [{ x: 1 }, { x: 2, mode: 8 }],
      specExtra: CLOUD_SPEC,
    });
    const cloud = await session.startCloud({ maxReceiveCount: 2, visibilitySeconds: 1 });
    cloud.crashWorkersRunning("2");
    expect((await runEcs(project, cloud)).code).toBe(1);
    const failed = (await cloudResults(cloud)).get("2")!;
    expect(failed.failure?.reason).toBe("worker_lost");
    // The next run tries it again; it crashes its workers again and lands in the DLQ again.
    const again = await runEcs(project, cloud);
    cloud.crashWorkersRunning(undefined);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out)).toMatchObject({
      state: "finished",
      deadLettered: 1,
      counts: { ok: 1, failedInfrastructure: 1 },
    });
  });

  it("13. realisations left with no message and no result: the run stops waiting for them and names them", async () => {
    const params = Array.from({ length: 4 }, (_, i) => ({ x: i, mode: 8 }));
    const project = await session.makeProject({
      params,
      specExtra: "cloud: { max_workers: 1, idle_timeout: 1s }\n",
    });
    const cloud = await session.startCloud({ idleSeconds: 1 });
    const resolved = await loadSpec(project.spec);
    const pieces = cloudPieces(cloud.infra, { spot: false, idleSeconds: 1 });
    const running = runOnCloud({
      resolved,
      ...pieces,
      runSetKey: pieces.store.runSetKey({ project: "test", scenario: "base" }),
      maxWorkers: 1,
      pollMs: 200,
      poolPollMs: 200,
      emptyQueueGraceMs: 1_000,
    });
    await waitFor("a model to start", () => cloud!.taskRunning("1"));
    // The queued messages are lost (purged by hand, say): nothing will ever run them.
    await new SQSClient({}).send(new PurgeQueueCommand({ QueueUrl: cloud.infra.queueUrl }));
    const report = await running;
    expect(report.stopped).toBe(false);
    // 1 may be among them: its in-flight message went too, and it ran on without one.
    expect(report.unfinished).toEqual(expect.arrayContaining(["2", "3", "4"]));
  });

  it("14. run --force takes a run set over from a live client: that client ends, the new run adopts its workers", async () => {
    const params = Array.from({ length: 6 }, (_, i) => ({ x: i, mode: 8 }));
    const project = await session.makeProject({
      params,
      specExtra: "cloud: { max_workers: 2, idle_timeout: 2s }\n",
    });
    const cloud = await session.startCloud();
    const first = runEcs(project, cloud);
    await waitFor(
      "a model to start",
      async () => (await cloud!.taskRunning("1")) ?? (await cloud!.taskRunning("2")),
    );
    const second = await runEcs(project, cloud, ["--force"]);
    expect(second.err).toMatch(/took the run lock over from `modelfleet run .*` \(pid \d+ on /);
    expect(second.err).toMatch(
      /its queued realisations are queued again by this run, and its 2 worker\(s\) still running work for this one/,
    );
    expect(second.code).toBe(0);
    expect(JSON.parse(second.out).counts.ok).toBe(6);
    const r = await first;
    expect(r.code).toBe(3);
    expect(r.err).toMatch(
      /another run \(started .* by `modelfleet run .*`, pid \d+ on .*\) has taken over this run set; this client ends\./,
    );
    // The workers the first run left were counted, not doubled.
    expect(cloud.tasks.length).toBeLessThanOrEqual(4);
  });

  it("refuses a spec whose region is not the infrastructure's", async () => {
    const project = await session.makeProject({
      params: [{ x: 1 }],
      specExtra: "cloud: { region: eu-west-1 }\n",
    });
    const cloud = await session.startCloud();
    const r = await runEcs(project, cloud);
    expect(r.code).toBe(1);
    expect(r.err).toContain("cloud.region is eu-west-1 but the infrastructure in");
    expect(cloud.runTaskCalls).toHaveLength(0);
  });

  it("7. SIGTERM to a worker: its message is back on the queue within 30 s, and no partial result", async () => {
    const project = await session.makeProject({
      params: [{ x: 1, mode: 2 }],
      specExtra: CLOUD_SPEC,
      timeout: "10m",
    });
    const cloud = await session.startCloud({ visibilitySeconds: 60 });
    const running = main(
      ["run", project.spec, "--executor", "ecs", "--infra", cloud.infraFile, "--json", "--poll", "0.3s"],
      memoryIO(project.dir),
    );
    const worker = await waitFor("the hanging model to start", () => cloud!.taskRunning("1"));
    const t0 = Date.now();
    worker.process.kill("SIGTERM");
    await waitFor("the worker to exit", async () =>
      worker.exitCode !== null || worker.signal !== null ? true : undefined,
    );
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(worker.exitCode).toBe(143);
    const messages = cloud.sqs.messages(cloud.infra.queueUrl);
    expect(messages.length).toBeGreaterThanOrEqual(1);
    expect(["visible", "in-flight"]).toContain(messages[0]!.state);
    expect((await cloudResults(cloud)).has("1")).toBe(false);
    expect(worker.output).toContain("back on the queue: the worker is stopping");
    process.emit("SIGINT");
    await running;
  });
});

function envOf(c: FakeCloud) {
  return [
    { name: "MODELFLEET_QUEUE_URL", value: c.infra.queueUrl },
    { name: "MODELFLEET_BUCKET", value: c.infra.bucket },
    { name: "MODELFLEET_PREFIX", value: c.infra.prefix! },
  ];
}

async function findRunConfigKey(c: FakeCloud): Promise<string | undefined> {
  const { ListObjectsV2Command, S3Client } = await import("@aws-sdk/client-s3");
  const out = await new S3Client({ forcePathStyle: true }).send(
    new ListObjectsV2Command({ Bucket: c.infra.bucket, Prefix: `${c.infra.prefix}test/base/runs/` }),
  );
  return out.Contents?.[0]?.Key;
}

async function deleteResult(c: FakeCloud, id: string) {
  const { DeleteObjectCommand, S3Client } = await import("@aws-sdk/client-s3");
  await new S3Client({ forcePathStyle: true }).send(
    new DeleteObjectCommand({
      Bucket: c.infra.bucket,
      Key: `${c.infra.prefix}test/base/realisations/${id}/result.json`,
    }),
  );
}
