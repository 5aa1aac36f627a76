// `calibrate --engine pestpp-ies --executor ecs` on the fake cloud: the manager is a task, the
// agents are tasks that reach it at the fake task network address DescribeTasks gives it (a
// loopback address of its own), all of them real pestpp-ies processes started by the real
// `modelfleet agent` entry point. An agent killed mid-calibration is replaced; the manager's
// loss stops the calibration with what it left in the bucket.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManagerLost, runPestppOnEcs } from "../../src/calibrate/pestpp/pestpp-ecs.ts";
import { freePort } from "../../src/calibrate/pestpp/pestpp-local.ts";
import { MANAGER_INDEX } from "../../src/calibrate/pestpp/pestpp-task.ts";
import { loadCalibration } from "../../src/calibrate/run-calibration.ts";
import { cloudPieces } from "../../src/cloud/aws-wiring.ts";
import { demoCalibrationCopy } from "../helpers/calibration.ts";
import { findTool, needs } from "../helpers/tools.ts";
import { type FakeCloud, type FakeTask, killTree, startFakeCloud } from "./harness.ts";

const pestpp = findTool("pestpp-ies");
if (!pestpp) console.warn(needs("pestpp-ies", pestpp));

const roleOf = (t: FakeTask) => t.env.MODELFLEET_PESTPP_ROLE;
const alive = (t: FakeTask) => t.exitCode === null && t.signal === null;

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 240_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.skipIf(!pestpp)(`calibrate --engine pestpp-ies on ECS ${needs("pestpp-ies", pestpp)}`, () => {
  let cloud: FakeCloud;
  let dir: string;
  const saved = { ...process.env };
  beforeEach(async () => {
    // The tasks inherit this process's environment: the pestpp-ies the image would have.
    process.env.MODELFLEET_PESTPP_IES = pestpp!;
    process.env.MODELFLEET_PESTPP_SYNC_SECONDS = "0.5";
    cloud = await startFakeCloud();
    dir = await mkdtemp(join(tmpdir(), "mf-pestpp-ecs-"));
  });
  afterEach(async () => {
    await cloud.close();
    await rm(dir, { recursive: true, force: true });
    for (const k of ["MODELFLEET_PESTPP_IES", "MODELFLEET_PESTPP_SYNC_SECONDS"]) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it("runs the manager as a task, agents reaching it by its address, and replaces a lost agent", async () => {
    const setup = await loadCalibration(await demoCalibrationCopy(dir, 12), { iterations: 2 });
    const port = await freePort();
    const lines: string[] = [];
    const run = runPestppOnEcs({
      setup,
      infra: cloud.infra,
      agents: 2,
      spot: true,
      port,
      pollMs: 300,
      onLine: (l) => lines.push(l),
    });
    // Once the agents have run the prior ensemble for the manager, Spot takes one of them.
    await until("the manager past the prior ensemble", () =>
      cloud.tasks.some((t) => roleOf(t) === "manager" && /starting solve for iteration: 1/.test(t.output)),
    );
    const victim = cloud.tasks.find((t) => roleOf(t) === "agent" && alive(t))!;
    victim.stoppedByHarness = true;
    killTree(victim.process.pid!);
    const result = await run;

    const manager = cloud.tasks.find((t) => roleOf(t) === "manager")!;
    const agents = cloud.tasks.filter((t) => roleOf(t) === "agent");
    expect(agents.length).toBe(3);
    for (const a of agents) expect(a.env.MODELFLEET_PESTPP_MANAGER).toBe(`${manager.address}:${port}`);
    expect(manager.address).not.toBe("127.0.0.1");
    expect(manager.output).toMatch(new RegExp(`/h :${port} \\(manager\\)`));
    expect(lines.join("\n")).toMatch(new RegExp(`agent ${victim.arn} stopped .*; starting a replacement`));
    expect(result.iterations).toBe(2);
    expect(result.location).toMatch(/^s3:\/\/.*demo\/calibrate\/calibration$/);
    const store = cloudPieces(cloud.infra, { spot: false, idleSeconds: 60 }).store;
    const folder = { project: "demo", scenario: "calibrate/calibration" };
    const phi = Buffer.from((await store.getRunSetFile(folder, "calibrate.phi.actual.csv"))!).toString(
      "utf8",
    );
    const means = phi
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => Number(l.split(",")[2]));
    expect(means.at(-1)!).toBeLessThan(means[0]!);
    const report = Buffer.from((await store.getRunSetFile(folder, "report.md"))!).toString("utf8");
    expect(report).toMatch(/pestpp-ies on ECS: a manager task and 2 agent task\(s\) \(1 replaced\)/);
    for (const t of cloud.tasks) expect(alive(t)).toBe(false);
  }, 300_000);

  it("reports the manager's loss plainly, with the iterations it finished, and stops the agents", async () => {
    // More iterations than it gets to finish before it is lost, however slow this machine is.
    const setup = await loadCalibration(await demoCalibrationCopy(dir, 12), { iterations: 10 });
    const store = cloudPieces(cloud.infra, { spot: false, idleSeconds: 60 }).store;
    const folder = { project: "demo", scenario: "calibrate/calibration" };
    const run = runPestppOnEcs({
      setup,
      infra: cloud.infra,
      agents: 2,
      spot: true,
      port: await freePort(),
      pollMs: 300,
    });
    const failed = run.then(
      () => undefined,
      (e: unknown) => e,
    );
    await until("the manager's first iteration in the bucket", async () => {
      const index = await store.getRunSetFile(folder, MANAGER_INDEX);
      return index !== undefined && Buffer.from(index).toString("utf8").includes("calibrate.1.par.csv");
    });
    const manager = cloud.tasks.find((t) => roleOf(t) === "manager")!;
    manager.stoppedByHarness = true;
    manager.stopCode = "SpotInterruption";
    manager.stopReason = "Your Spot Task was interrupted.";
    killTree(manager.process.pid!);
    const error = await failed;
    expect(error).toBeInstanceOf(ManagerLost);
    const message = (error as Error).message;
    expect(message).toContain(`the PEST++ manager task ${manager.arn} was lost (spot_interruption`);
    expect(message).toMatch(/PEST\+\+ cannot resume part way through a calibration/);
    expect(message).toMatch(
      /It had finished iteration\(s\) 0, 1(, \d+)*: their files are in s3:\/\/.*pestpp\/manager\//,
    );
    expect(message).toMatch(/Run the same command again to start over/);
    await until("the agents stopped", () =>
      cloud.tasks.filter((t) => roleOf(t) === "agent").every((t) => !alive(t)),
    );
  }, 300_000);
});
