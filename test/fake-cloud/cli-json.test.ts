// The cloud commands' JSON as the GitHub actions read it: the real CLI, started as a child
// process by the actions' own code (src/github/cli-runner.ts), on the fake cloud with services.
import { describe, expect, it } from "vitest";
import { type CliTarget, startRun, watchOnce } from "../../src/github/cli-runner.ts";
import { readRunSetStatus } from "../../src/github/cli-state.ts";
import { CLI, type TestProject } from "../helpers/project.ts";
import { waitFor } from "../helpers/wait.ts";
import { gateProject } from "./gates.ts";
import type { FakeCloud } from "./harness.ts";
import { cli, ecsArgs, fakeCloudPerTest } from "./session.ts";

const session = fakeCloudPerTest();

const HOME = "us-east-1";
const WEST = "us-west-2";

const targetOf = (project: TestProject, cloud: FakeCloud): CliTarget => ({
  cli: [process.execPath, CLI],
  specFile: project.spec,
  infraFile: cloud.infraFile,
  cwd: project.dir,
});

describe("the cloud commands' JSON, read by the actions", () => {
  it("run --detach, then watch --once: each region's workers while it runs, the counts and alerts once finished", async () => {
    const project = await session.makeProject({
      params: [{ x: 1 }, { x: 2 }, { x: 3 }],
      specExtra: `cloud: { regions: [${HOME}, ${WEST}], max_workers: 2, idle_timeout: 2s }
alerts:
  - { name: y_high, observation: y, statistic: max, above: 5 }
`,
    });
    const gates = await gateProject(project);
    const cloud = await session.startCloud({
      services: { regions: [{ region: HOME }, { region: WEST, refuses: true }] },
    });
    const target = targetOf(project, cloud);

    const started = await startRun(target, {});
    expect(started).toMatchObject({
      state: "running",
      project: "test",
      scenario: "base",
      queued: 3,
      pending: 3,
      regions: [
        { region: HOME, service: "base-workers", desired: 2 },
        { region: WEST, service: "base-workers", desired: 1 },
      ],
    });
    expect(started.text).toContain("test/base: the run set is started: 3 realisation(s) queued");
    // What the plan expects it to cost, and what the tasks seen so far have.
    if (started.state !== "running") throw new Error("not running");
    expect(started.cost).toMatchObject({
      estimate: { realisations: 3, workers: 3, prices: { region: HOME } },
      spent: { tasks: started.tasks.length },
    });
    // The client has exited: the services run the run set.
    expect(cloud.service(HOME).desired).toBe(2);

    const stuck = await waitFor("the stuck region, as watch --once says it", async () => {
      const look = await watchOnce(target);
      return look.state === "running" && look.regions[1]?.health === "stuck" ? look : undefined;
    });
    expect(stuck).toMatchObject({ run: started.state === "running" ? started.run : "", queued: 3 });
    if (stuck.state !== "running") throw new Error("not running");
    expect(stuck.regions[1]!.why).toContain("(service base-workers) was unable to place a task");
    expect(stuck.text).toMatch(/^0\/3 realisation\(s\) of the run have a result; 3 to go/);

    await gates.openAll();
    const finished = await waitFor("the run set to finish", async () => {
      const look = await watchOnce(target);
      return look.state === "running" ? undefined : look;
    });
    expect(finished).toMatchObject({
      state: "finished",
      counts: { realisations: 3, ok: 3 },
      report: `s3://${cloud.infra.bucket}/results/test/base/report.html`,
    });
    if (finished.state !== "finished") throw new Error("not finished");
    expect(finished.alerts).toEqual([
      expect.objectContaining({ name: "y_high", fired: true, message: "y: max is 6, above 5" }),
    ]);

    // Its worker tasks, each with what Fargate bills, and their cost beside the plan's.
    expect(finished.tasks.length).toBeGreaterThan(0);
    for (const task of finished.tasks) {
      expect(task).toMatchObject({ region: HOME, cpu: 1, memoryGb: 2, diskGb: 21, capacity: "FARGATE_SPOT" });
    }
    expect(finished.cost.spent).toMatchObject({ tasks: finished.tasks.length, prices: { region: HOME } });
    expect(finished.cost.spent.cost).toBeGreaterThan(0);
    expect(finished.cost.estimate).toMatchObject({ realisations: 3 });

    // A later look says the same from what the run set's folder holds.
    const again = await watchOnce(target);
    expect(again).toMatchObject({ state: "finished", counts: finished.counts, alerts: finished.alerts });
    if (again.state !== "finished") throw new Error("not finished");
    expect(again.tasks.map((t) => t.id).sort()).toEqual(finished.tasks.map((t) => t.id).sort());
    expect(again.text).toMatch(/finished .*: its reports are written; nothing to follow$/);
  });

  it("a run given up for its workers' deaths: the reasons reach the action, then and on every later look", async () => {
    const project = await session.makeProject({
      params: [{ x: 1 }, { x: 2 }],
      specExtra: "cloud: { max_workers: 2, idle_timeout: 2s }\n",
    });
    const cloud = await session.startCloud({ services: {} });
    cloud.behaviour = { brokenWorkers: true };
    const target = targetOf(project, cloud);
    expect((await startRun(target, {})).state).toBe("running");
    const watch = await cli(project, ["watch", project.spec, ...ecsArgs(cloud), "--every", "0.3s", "--json"]);
    expect(watch.code).toBe(1);
    const given = readRunSetStatus("watch", { code: watch.code, stdout: watch.out, stderr: watch.err });
    expect(given.state).toBe("failed");
    expect(given.text).toMatch(/workers in a row stopped without a result/);
    expect(given.text).toContain("Essential container in task exited");
    const later = await watchOnce(target);
    expect(later.state).toBe("failed");
    expect(later.text).toMatch(
      /^the run started .* was given up .* by `modelfleet watch .*`:\n.*workers in a row/,
    );
  });

  it("run --detach refuses outputs without services, saying why", async () => {
    const project = await session.makeProject({ params: [{ x: 1 }] });
    const cloud = await session.startCloud();
    const run = await cli(project, ["run", project.spec, ...ecsArgs(cloud), "--detach"]);
    expect(run.code).toBe(1);
    expect(run.err).toBe(
      `test/base: --detach needs the workers' services, and ${cloud.infraFile} names none (infrastructure outputs written by hand): without services this client starts the workers and replaces lost ones, so it must stay; run without --detach, or apply the infrastructure stacks and write their outputs`,
    );
    expect(cloud.runTaskCalls).toEqual([]);
    const local = await cli(project, ["run", project.spec, "--detach"]);
    expect(local.code).toBe(2);
    expect(local.err).toBe("run: --detach is for --executor ecs (a local run is this process)");
  });
});
