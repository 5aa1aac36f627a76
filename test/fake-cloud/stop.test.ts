// `modelfleet stop`: what it refuses, and what it says when there is little or nothing to stop.
// (Stopping a run set mid-way: cloud-run.test.ts.)
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait.ts";
import { cli, fakeCloudPerTest } from "./session.ts";

const session = fakeCloudPerTest();

describe("modelfleet stop", () => {
  it("refuses without --executor ecs, and a --wait that is not a duration", async () => {
    const project = await session.makeProject({ params: [{ x: 1 }] });
    const local = await cli(project, ["stop", project.spec]);
    expect(local.code).toBe(2);
    expect(local.err).toContain(
      "stop: stops a run set on ECS; add --executor ecs (a local run stops with Ctrl-C in its terminal)",
    );
    const wait = await cli(project, ["stop", project.spec, "--executor", "ecs", "--wait", "soon"]);
    expect(wait.code).toBe(2);
    expect(wait.err).toBe('stop: --wait takes a duration such as 90s, got "soon"');
  });

  it("says so when there is no run to stop, and stops a finished run set twice without harm", async () => {
    const project = await session.makeProject({
      params: [{ x: 1 }, { x: 2 }],
      specExtra: "cloud: { max_workers: 2, idle_timeout: 1s }\n",
    });
    const cloud = await session.startCloud({ idleSeconds: 1 });
    const args = ["stop", project.spec, "--executor", "ecs", "--infra", cloud.infraFile];
    const none = await cli(project, args);
    expect(none.code).toBe(0);
    expect(none.err).toContain("test/base: the run set has no run record");
    expect(none.err).toContain("test/base: no worker of this run set is running");
    expect(none.err).toContain("test/base: removed 0 queued realisation(s) from the queue");

    const run = await cli(project, [
      "run",
      project.spec,
      "--executor",
      "ecs",
      "--infra",
      cloud.infraFile,
      "--json",
      "--poll",
      "0.3s",
    ]);
    expect(run.code).toBe(0);
    await waitFor("the workers to exit", async () =>
      cloud!.tasks.every((t) => t.exitCode !== null) ? true : undefined,
    );
    const first = await cli(project, args);
    expect(first.code).toBe(0);
    expect(first.err).toMatch(/test\/base: stopped the run started .* by `modelfleet run .*`/);
    const second = await cli(project, args);
    expect(second.err).toMatch(/test\/base: the run started .* was already stopped at /);
    // The stop does not hold the next run back.
    const again = await cli(project, [
      "run",
      project.spec,
      "--executor",
      "ecs",
      "--infra",
      cloud.infraFile,
      "--json",
      "--poll",
      "0.3s",
    ]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ ranNow: 0, counts: { ok: 2 } });
  });
});
