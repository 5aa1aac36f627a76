// Workers as ECS services on the fake cloud: a run set that finishes with no client alive,
// services that replace lost workers, scale-in that never kills a running model, crash loops
// ended by `modelfleet watch`, and several regions, one of which can start no worker.
import { spawn } from "node:child_process";
import { ECSClient, UpdateServiceCommand } from "@aws-sdk/client-ecs";
import { describe, expect, it } from "vitest";
import { memoryIO } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";
import { parseRunRecord } from "../../src/cloud/run-record.ts";
import { runLocal } from "../../src/engine/local-run.ts";
import { CLI, type TestProject } from "../helpers/project.ts";
import { specParameters } from "../helpers/realisation-results.ts";
import { waitFor } from "../helpers/wait.ts";
import { type FakeCloud, SERVICE } from "./harness.ts";
import { cli, cloudResults, ecsArgs, fakeCloudPerTest, TEST_RUN_SET as runSet, storeOf } from "./session.ts";

const session = fakeCloudPerTest();

const HOME = "us-east-1";
const WEST = "us-west-2";

const runArgs = (p: TestProject, c: FakeCloud) => ["run", p.spec, ...ecsArgs(c), "--json", "--poll", "0.3s"];

async function runRecord(c: FakeCloud) {
  const bytes = await storeOf(c).getRunSetFile(runSet, "current-run.json");
  return bytes ? parseRunRecord(new TextDecoder().decode(bytes)) : undefined;
}

const exited = (t: FakeCloud["tasks"][number]) => t.exitCode !== null || t.signal !== null;

/** Every result there, and every worker gone with its service at zero. */
async function waitForTheEnd(c: FakeCloud, count: number) {
  await waitFor("every result", async () => ((await cloudResults(c)).size === count ? true : undefined));
  await waitFor("the services at zero and every worker gone", async () =>
    [...c.ecs.services.values()].every((s) => s.desired === 0) && c.tasks.every(exited) ? true : undefined,
  );
}

describe("workers as ECS services on the fake cloud", () => {
  it("the starting client killed right after start: the run set completes, and watch --once finishes it", async () => {
    const params = Array.from({ length: 6 }, (_, i) => ({ x: i, mode: 6 }));
    const project = await session.makeProject({
      params,
      specExtra: "cloud: { max_workers: 2, idle_timeout: 2s }\n",
    });
    const cloud = await session.startCloud({ services: { scaler: { max: 2 } } });
    // The client is a process of its own, killed (SIGKILL: no goodbye) once it has set the
    // service's desired count.
    const client = spawn(process.execPath, [CLI, ...runArgs(project, cloud)], {
      cwd: project.dir,
      env: { ...process.env, ...cloud.env, AWS_ENDPOINT_URL_ECS: cloud.ecs.endpoint },
      stdio: "ignore",
    });
    await waitFor("the client to set the service's count", async () =>
      cloud!.ecs.updateServiceCalls.some((c) => c.via === "http" && c.desiredCount > 0) ? true : undefined,
    );
    client.kill("SIGKILL");
    expect(cloud.ecs.updateServiceCalls[0]).toEqual({
      region: HOME,
      service: SERVICE,
      desiredCount: 2,
      via: "http",
    });

    await waitForTheEnd(cloud, 6);
    expect([...(await cloudResults(cloud)).values()].every((r) => r.status === "ok")).toBe(true);
    // A worker set its own service to zero once the queue stayed empty.
    expect(cloud.tasks.some((t) => t.output.includes(`set ${SERVICE} to 0 workers; exiting`))).toBe(true);
    expect(await storeOf(cloud).getRunSetFile(runSet, "report.md")).toBeUndefined();

    const watch = await cli(project, ["watch", project.spec, ...ecsArgs(cloud), "--once"]);
    expect(watch.err).toBe("");
    expect(watch.code).toBe(0);
    expect(watch.out).toContain(
      "test/base: every one of the 6 realisation(s) the run queued has a result: 6 ok, 0 model failures, 0 infrastructure failures; the workers are set to zero",
    );
    expect(new TextDecoder().decode(await storeOf(cloud).getRunSetFile(runSet, "report.md"))).toContain(
      "<!-- modelfleet:test/base -->",
    );
    expect((await runRecord(cloud))?.finished?.command).toBe(
      `modelfleet watch ${project.spec} --executor ecs`,
    );
    const again = await cli(project, ["watch", project.spec, ...ecsArgs(cloud), "--once"]);
    expect(again.code).toBe(0);
    expect(again.out).toMatch(
      /test\/base: the run started .* finished .*: its reports are written; nothing to follow/,
    );
  });

  it("every worker lost at once: the service replaces them and the run set completes", async () => {
    const params = Array.from({ length: 4 }, (_, i) => ({ x: i, mode: 8 }));
    const project = await session.makeProject({
      params,
      specExtra: "cloud: { max_workers: 2, idle_timeout: 2s }\n",
    });
    const cloud = await session.startCloud({ services: {}, visibilitySeconds: 2 });
    const running = cli(project, runArgs(project, cloud));
    await waitFor("both workers to run a model", async () =>
      cloud!.tasks.filter((t) => !exited(t) && cloud!.ecs.busy(t)).length === 2 ? true : undefined,
    );
    const lost = cloud.ecs.reclaimAll();
    expect(lost).toHaveLength(2);
    const r = await running;
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).counts).toMatchObject({ ok: 4, failedInfrastructure: 0 });
    const results = await cloudResults(cloud);
    // The realisations the lost workers held ran again, on the workers the service started.
    expect([...results.values()].filter((x) => x.attempts === 2)).toHaveLength(2);
    expect(cloud.tasks.filter((t) => t.service === SERVICE).length).toBeGreaterThan(2);
    const given = await specParameters(project.spec);
    for (const x of results.values()) expect(x.observations.y).toBe(given.get(x.id)!.x! * 2);
  });

  it("scale-in while models run stops only idle workers: protected models run to their end", async () => {
    // Models that run until their 6 s timeout: all three run at once when the count drops.
    const params = Array.from({ length: 3 }, (_, i) => ({ x: i, mode: 2 }));
    const project = await session.makeProject({
      params,
      specExtra: "cloud: { max_workers: 3, idle_timeout: 2s }\n",
      timeout: "6s",
    });
    const cloud = await session.startCloud({ services: {} });
    // No client: it would set the count back to the work left.
    const io = memoryIO(project.dir);
    const client = main(["run", project.spec, ...ecsArgs(cloud), "--poll", "0.3s"], io);
    await waitFor("the service's count", async () => (cloud!.service(HOME).desired === 3 ? true : undefined));
    process.emit("SIGINT");
    expect(await client).toBe(130);
    expect(io.stderr.join("\n")).toContain("The workers' services keep 3 worker(s) (us-east-1: 3)");
    await waitFor("the three models to run", async () =>
      cloud!.tasks.filter((t) => !exited(t) && cloud!.ecs.busy(t)).length === 3 ? true : undefined,
    );
    // Autoscaling's scale-in, while the models run.
    await new ECSClient({ region: HOME }).send(
      new UpdateServiceCommand({ cluster: "fake-cluster", service: SERVICE, desiredCount: 1 }),
    );
    await waitForTheEnd(cloud, 3);
    // Each model ran to its own timeout, once: none was killed by the scale-in.
    const results = await cloudResults(cloud);
    expect([...results.values()].map((x) => [x.failure?.reason, x.attempts])).toEqual([
      ["timeout", 1],
      ["timeout", 1],
      ["timeout", 1],
    ]);
    expect(cloud.ecs.scaleInStops.length).toBeGreaterThan(0);
    expect(cloud.ecs.scaleInStops.every((s) => !s.busy)).toBe(true);
    // Protected from receipt (15 minutes until the model's timeout is known), then for the
    // timeout and a 10-minute margin (11), released once the message was deleted.
    for (const task of cloud.tasks) {
      const calls = cloud.ecs.protectionCalls.filter((c) => c.task === task.arn);
      expect(calls.map((c) => (c.enabled ? c.minutes : "release"))).toEqual([15, 11, "release"]);
    }
  });

  it("workers that crash-loop: watch gives the run up in bounded time, with their reasons; status shows them", async () => {
    const params = Array.from({ length: 4 }, (_, i) => ({ x: i }));
    const project = await session.makeProject({
      params,
      specExtra: "cloud: { max_workers: 2, idle_timeout: 2s }\n",
    });
    const cloud = await session.startCloud({ services: {} });
    cloud.behaviour = { brokenWorkers: true };
    const client = cli(project, ["run", project.spec, ...ecsArgs(cloud), "--poll", "0.3s"]);
    await waitFor("the service's count", async () => (cloud!.service(HOME).desired > 0 ? true : undefined));
    process.emit("SIGINT");
    expect((await client).code).toBe(130);

    const watch = await cli(project, ["watch", project.spec, ...ecsArgs(cloud), "--every", "0.3s"]);
    expect(watch.code).toBe(1);
    // At least the limit: ECS may restart one more before watch sees the third stop.
    const gaveUp =
      /^test\/base: (\d+) workers in a row stopped without a result \(the limit is max\(3, cloud\.max_workers\) = 3\), so every region's workers were scaled to zero and the run was given up:$/m.exec(
        watch.out,
      );
    expect(gaveUp, watch.out).not.toBeNull();
    expect(Number(gaveUp![1])).toBeGreaterThanOrEqual(3);
    expect(watch.out).toMatch(
      /^ {2}\d+ × failed \(exit code 1\): Essential container in task exited; e\.g\. arn:aws:ecs:us-east-1:/m,
    );
    expect(watch.out).toMatch(
      /Look at a worker's log: aws logs tail \/ecs\/fake --log-stream-names agent\/agent\/\d+/,
    );
    expect(watch.out).toMatch(
      /Removed 4 queued realisation\(s\); once the cause is fixed, `modelfleet run .*` queues what has no result\./,
    );
    expect(cloud.service(HOME).desired).toBe(0);
    expect(cloud.sqs.messages(cloud.infra.queueUrl)).toEqual([]);
    expect((await runRecord(cloud))?.failed?.reason).toContain(
      `${gaveUp![1]} workers in a row stopped without a result`,
    );

    const status = await cli(project, ["status", project.spec, ...ecsArgs(cloud)]);
    expect(status.out).toMatch(/given up .* by `modelfleet watch .*`: its workers kept dying/);
    expect(status.out).toMatch(/^ {2}us-east-1 base-workers: 0 desired, \d+ running, 0 pending$/m);
    expect(status.out).toMatch(
      /^ {4}last stops:\n {4} {2}\d+ × failed \(exit code 1\): Essential container in task exited/m,
    );
    const again = await cli(project, ["watch", project.spec, ...ecsArgs(cloud), "--once"]);
    expect(again.code).toBe(1);
    expect(again.out).toMatch(/^test\/base: the run started .* was given up .* by `modelfleet watch .*`:$/m);
  });

  it("two regions share the work, and the results are those of one region", async () => {
    const params = Array.from({ length: 8 }, (_, i) => ({ x: i * 1.5 - 2, mode: i === 5 ? 1 : 6 }));
    const project = await session.makeProject({
      params,
      specExtra: `cloud: { regions: [${HOME}, ${WEST}], max_workers: 2, idle_timeout: 2s }\n`,
    });
    const cloud = await session.startCloud({ services: { regions: [{ region: HOME }, { region: WEST }] } });
    const r = await cli(project, runArgs(project, cloud));
    expect(r.err).not.toContain("internal error");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      realisations: 8,
      ranNow: 8,
      counts: { ok: 7, failedModel: 1 },
    });
    expect(cloud.ecs.updateServiceCalls.slice(0, 2)).toEqual(
      expect.arrayContaining([
        { region: HOME, service: SERVICE, desiredCount: 2, via: "sdk" },
        { region: WEST, service: SERVICE, desiredCount: 2, via: "sdk" },
      ]),
    );
    // Both regions' workers ran realisations, all from the home queue into the home bucket.
    for (const region of [HOME, WEST]) {
      const ran = cloud.tasks.filter((t) => t.region === region && / \d+ (ok|failed)/.test(t.output));
      expect(ran.length, region).toBeGreaterThan(0);
    }
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
      expect([c.key, c.status, c.observations, c.failure?.reason]).toEqual([
        l.key,
        l.status,
        l.observations,
        l.failure?.reason,
      ]);
    }
    // The client finished it: reports in the home bucket, both services at zero.
    expect((await runRecord(cloud))?.finished).toBeDefined();
    expect([cloud.service(HOME).desired, cloud.service(WEST).desired]).toEqual([0, 0]);
  });

  it("a region that refuses every launch: the other runs the run set, and status shows each region", async () => {
    const params = Array.from({ length: 6 }, (_, i) => ({ x: i, mode: 8 }));
    const project = await session.makeProject({
      params,
      specExtra: `cloud: { regions: [${HOME}, ${WEST}], max_workers: 4, idle_timeout: 2s }\n`,
    });
    const cloud = await session.startCloud({
      services: { regions: [{ region: HOME }, { region: WEST, refuses: true }] },
    });
    const running = cli(project, runArgs(project, cloud));
    // The stuck region's share goes home: 6 realisations over two regions of 4 → 3 and 3, then 4 at home.
    await waitFor("the home region to take the stuck region's share", async () =>
      cloud!.ecs.updateServiceCalls.some((c) => c.region === HOME && c.desiredCount === 4) ? true : undefined,
    );
    const status = await cli(project, ["status", project.spec, ...ecsArgs(cloud), "--json"]);
    const figures = JSON.parse(status.out);
    expect(figures.regions).toEqual([
      expect.objectContaining({
        region: HOME,
        service: SERVICE,
        desired: 4,
        health: expect.stringMatching(/working|starting/),
      }),
      expect.objectContaining({
        region: WEST,
        service: SERVICE,
        desired: 3,
        running: 0,
        pending: 0,
        health: "stuck",
        why: expect.stringContaining(
          `(service ${SERVICE}) was unable to place a task. Reason: Capacity is unavailable`,
        ),
      }),
    ]);
    expect(figures).toHaveProperty("deadLetters", 0);
    const text = await cli(project, ["status", project.spec, ...ecsArgs(cloud)]);
    expect(text.out).toMatch(
      /^ {2}us-west-2 base-workers: 3 desired, 0 running, 0 pending; cannot start workers: \(service base-workers\) was unable to place a task\./m,
    );
    expect(text.out).toMatch(/^ {2}us-east-1 base-workers: 4 desired, \d running, 0 pending/m);
    expect(text.out).toMatch(/^ {2}queue: \d+ waiting, \d+ being run; 0 dead letter\(s\)$/m);

    const r = await running;
    expect(r.code).toBe(0);
    expect(r.err).toContain(
      "test/base: us-west-2 cannot start workers ((service base-workers) was unable to place a task.",
    );
    expect(r.err).toContain("its share goes to the other regions");
    expect(JSON.parse(r.out).counts).toMatchObject({ ok: 6 });
    expect(cloud.tasks.every((t) => t.region === HOME)).toBe(true);
    expect([cloud.service(HOME).desired, cloud.service(WEST).desired]).toEqual([0, 0]);
  });

  it("stop: every region's service to zero, the workers stopped, the queue emptied", async () => {
    const params = Array.from({ length: 8 }, (_, i) => ({ x: i, mode: 8 }));
    const project = await session.makeProject({
      params,
      specExtra: "cloud: { max_workers: 2, idle_timeout: 2s }\n",
    });
    const cloud = await session.startCloud({ services: {}, stopTimeoutSeconds: 20 });
    const client = cli(project, ["run", project.spec, ...ecsArgs(cloud), "--poll", "0.3s"]);
    await waitFor("a first result", async () => ((await cloudResults(cloud!)).size > 0 ? true : undefined));
    const stop = await cli(project, ["stop", project.spec, ...ecsArgs(cloud)]);
    expect(stop.code).toBe(0);
    expect(stop.err).toContain(
      "test/base: set the workers' services to 0 in us-east-1, so ECS starts no others",
    );
    expect(stop.err).toMatch(/told \d worker\(s\) to stop/);
    expect((await client).code).toBe(130);
    expect(cloud.service(HOME).desired).toBe(0);
    expect(cloud.tasks.every(exited)).toBe(true);
    expect(cloud.sqs.messages(cloud.infra.queueUrl).filter((m) => m.state === "visible")).toEqual([]);
    const tasks = cloud.tasks.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(cloud.tasks.length).toBe(tasks);
  });

  it("refuses a spec whose regions are not those of the infrastructure outputs", async () => {
    const project = await session.makeProject({
      params: [{ x: 1 }],
      specExtra: `cloud: { regions: [${HOME}, ${WEST}] }\n`,
    });
    const cloud = await session.startCloud({ services: {} });
    const one = await cli(project, runArgs(project, cloud));
    expect(one.code).toBe(1);
    expect(one.err).toBe(
      `${project.spec}: the workers run in us-east-1, us-west-2 (cloud.regions), but ${cloud.infraFile} has services in us-east-1: apply every region's stack and write the outputs again, or make cloud.regions match`,
    );
    const noServices = await session.startCloud();
    const none = await cli(project, runArgs(project, noServices));
    expect(none.err).toBe(
      `${project.spec}: cloud.regions names 2 regions, but ${noServices.infraFile} has no workers' services (outputs of the infrastructure stacks): apply the stacks and write the outputs again`,
    );
    expect(noServices.ecs.updateServiceCalls).toEqual([]);
    expect(noServices.runTaskCalls).toEqual([]);
  });

  it("watch refuses a local run set and a bad --every, and says when there is nothing to follow", async () => {
    const project = await session.makeProject({ params: [{ x: 1 }] });
    const local = await cli(project, ["watch", project.spec]);
    expect(local.code).toBe(2);
    expect(local.err).toMatch(
      /^watch: follows a run set on ECS; add --executor ecs\n\nusage: modelfleet watch /,
    );
    const every = await cli(project, ["watch", project.spec, "--executor", "ecs", "--every", "soon"]);
    expect(every.code).toBe(2);
    expect(every.err).toBe('watch: --every takes a duration such as 30s, got "soon"');
    const cloud = await session.startCloud({ services: {} });
    const none = await cli(project, ["watch", project.spec, ...ecsArgs(cloud), "--once"]);
    expect(none.code).toBe(0);
    expect(none.out).toBe(
      `test/base: no run recorded; nothing to follow (\`modelfleet run ${project.spec} --executor ecs --infra ${cloud.infraFile}\` starts one)`,
    );
  });
});
