import { describe, expect, it } from "vitest";
import { createFakeClock, type FakeClock } from "../engine/fake-clock.ts";
import { UserError } from "../errors.ts";
import type { Launcher, LaunchWorkersRequest, LaunchWorkersResult, WorkerState } from "./launcher.ts";
import { maintainWorkers, type WorkerPoolEvent, WorkersFailingError } from "./worker-pool.ts";

const POLL = 1_000;

/** A launcher whose workers run until the test stops them. */
function fakeLauncher(plan?: (request: LaunchWorkersRequest) => LaunchWorkersResult | undefined) {
  const workers = new Map<string, WorkerState>();
  const requests: LaunchWorkersRequest[] = [];
  let n = 0;
  const launcher: Launcher = {
    async launch(request) {
      requests.push(request);
      const planned = plan?.(request);
      if (planned) return planned;
      const started = Array.from({ length: request.count }, () => ({ id: `w${n++}` }));
      for (const w of started) workers.set(w.id, { id: w.id, status: "running" });
      return { started, failures: [] };
    },
    async describe(ids) {
      return ids.map((id) => workers.get(id) ?? { id, status: "stopped", end: "failed" });
    },
  };
  const stop = (id: string, end: WorkerState["end"], reason?: string) =>
    workers.set(id, { id, status: "stopped", end: end!, ...(reason ? { reason } : {}) });
  const live = () => [...workers.values()].filter((w) => w.status !== "stopped").map((w) => w.id);
  return { launcher, requests, stop, live };
}

function start(
  clock: FakeClock,
  options: Omit<Parameters<typeof maintainWorkers>[0], "clock" | "environment">,
) {
  const events: WorkerPoolEvent[] = [];
  let outcome:
    | { ok: true; value: Awaited<ReturnType<typeof maintainWorkers>> }
    | { ok: false; error: unknown }
    | undefined;
  maintainWorkers({
    environment: { Q: "url" },
    clock,
    pollMs: POLL,
    onEvent: (e) => events.push(e),
    ...options,
  }).then(
    (value) => {
      outcome = { ok: true, value };
    },
    (error: unknown) => {
      outcome = { ok: false, error };
    },
  );
  return { events, outcome: () => outcome };
}

describe("maintainWorkers", () => {
  it("launches the desired number, then replaces a worker lost to a Spot interruption while work remains", async () => {
    const clock = createFakeClock();
    const fake = fakeLauncher();
    let remaining = 10;
    const pool = start(clock, { launcher: fake.launcher, desired: async () => Math.min(3, remaining) });
    await clock.advance(0);
    expect(fake.requests.map((r) => r.count)).toEqual([3]);
    expect(fake.requests[0]?.environment).toEqual({ Q: "url" });
    expect(fake.live()).toHaveLength(3);

    fake.stop("w1", "spot_interruption", "Your Spot Task was interrupted.");
    await clock.advance(POLL);
    expect(fake.requests.map((r) => r.count)).toEqual([3, 1]);
    expect(fake.live()).toEqual(["w0", "w2", "w3"]);
    expect(pool.events).toContainEqual({
      type: "worker_lost",
      id: "w1",
      end: "spot_interruption",
      reason: "Your Spot Task was interrupted.",
    });
    expect(pool.events).toContainEqual({ type: "replaced", count: 1 });
    expect(new Set(fake.requests.map((r) => r.token)).size).toBe(2);

    // The work runs out: the workers exit and the pool ends.
    remaining = 0;
    for (const id of fake.live()) fake.stop(id, "completed");
    await clock.advance(POLL);
    const outcome = pool.outcome();
    expect(outcome).toEqual({
      ok: true,
      value: {
        launched: 4,
        finished: 3,
        lost: 1,
        lostBy: { spot_interruption: 1 },
        replaced: 1,
        launchRounds: 2,
        aborted: false,
        live: 0,
      },
    });
  });

  it("does not replace a lost worker when the queue is empty", async () => {
    const clock = createFakeClock();
    const fake = fakeLauncher();
    let want = 2;
    const pool = start(clock, { launcher: fake.launcher, desired: async () => want });
    await clock.advance(0);
    expect(fake.live()).toEqual(["w0", "w1"]);

    want = 0;
    fake.stop("w0", "spot_interruption");
    await clock.advance(POLL);
    expect(fake.requests).toHaveLength(1);
    expect(pool.outcome()).toBeUndefined(); // w1 still running

    fake.stop("w1", "completed");
    await clock.advance(POLL);
    expect(fake.requests).toHaveLength(1);
    expect(pool.outcome()).toMatchObject({
      ok: true,
      value: { launched: 2, lost: 1, replaced: 0, finished: 1 },
    });
    expect(pool.events.filter((e) => e.type === "replaced")).toEqual([]);
  });

  it("replaces only as many lost workers as there is work for", async () => {
    const clock = createFakeClock();
    const fake = fakeLauncher();
    let want = 4;
    const pool = start(clock, {
      launcher: fake.launcher,
      desired: async () => want,
      maxDeathsWithoutProgress: 4,
    });
    await clock.advance(0);
    for (const id of ["w0", "w1", "w2"]) fake.stop(id, "out_of_memory");
    want = 2; // two realisations left, one worker still alive
    await clock.advance(POLL);
    expect(fake.requests.map((r) => r.count)).toEqual([4, 1]);
    expect(pool.events).toContainEqual({ type: "replaced", count: 1 });
  });

  it("gives up with the launcher's sentence when a quota failure keeps every worker from starting", async () => {
    const clock = createFakeClock();
    const reason =
      "the account's Fargate Spot vCPU quota is exhausted in us-east-1: request a quota increase";
    const fake = fakeLauncher(() => ({
      started: [],
      failures: [{ reason, detail: "raw", retryable: false }],
    }));
    const pool = start(clock, { launcher: fake.launcher, desired: async () => 50 });
    for (let i = 0; i < 20 && !pool.outcome(); i++) await clock.advance(POLL);
    const outcome = pool.outcome();
    expect(outcome?.ok).toBe(false);
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(reason);
    expect(fake.requests).toHaveLength(2);
    expect(clock.now()).toBeLessThanOrEqual(10_000);
  });

  it("runs on with the workers it has when the quota stops it short", async () => {
    const clock = createFakeClock();
    let calls = 0;
    const fake = fakeLauncher((request) => {
      if (calls++ === 0) return undefined; // the first round starts its workers
      return {
        started: [],
        failures: [{ reason: `quota (${request.count})`, detail: "", retryable: false }],
      };
    });
    let want = 5;
    const pool = start(clock, { launcher: fake.launcher, desired: async () => want, launchBackoffMs: 1_000 });
    await clock.advance(0);
    fake.stop("w0", "spot_interruption");
    for (let i = 0; i < 30; i++) await clock.advance(POLL);
    expect(pool.outcome()).toBeUndefined();
    const failed = pool.events.filter((e) => e.type === "launch_failed");
    expect(failed.length).toBeGreaterThan(1);
    expect(failed[0]).toMatchObject({ retryable: false, missing: 1 });
    want = 0;
    for (const id of fake.live()) fake.stop(id, "completed");
    await clock.advance(POLL);
    expect(pool.outcome()).toMatchObject({ ok: true });
  });

  it("retries retryable failures with growing waits and counts the workers that did start", async () => {
    const clock = createFakeClock();
    let calls = 0;
    const fake = fakeLauncher(() => {
      calls++;
      if (calls > 3) return undefined;
      return {
        started: [],
        failures: [
          { reason: "Fargate Spot has no capacity right now", detail: "RESOURCE:FARGATE", retryable: true },
        ],
      };
    });
    const pool = start(clock, {
      launcher: fake.launcher,
      desired: async () => 2,
      launchBackoffMs: 2_000,
      pollMs: 60_000,
    });
    await clock.advance(0);
    for (let i = 0; i < 40; i++) await clock.advance(500); // launches at 0, 2, 6 and 14 s
    const waits = pool.events.flatMap((e) => (e.type === "launch_failed" ? [e.retryInMs] : []));
    expect(waits).toEqual([2_000, 4_000, 8_000]);
    expect(fake.live()).toHaveLength(2);
    expect(pool.events).toContainEqual({ type: "launched", count: 2, requested: 2, live: 2 });
    expect(pool.outcome()).toBeUndefined();
  });

  it("returns when the signal aborts", async () => {
    const clock = createFakeClock();
    const fake = fakeLauncher();
    const controller = new AbortController();
    const pool = start(clock, { launcher: fake.launcher, desired: async () => 1, signal: controller.signal });
    await clock.advance(0);
    controller.abort();
    await clock.advance(0);
    expect(pool.outcome()).toMatchObject({ ok: true, value: { aborted: true, launched: 1, live: 1 } });
  });

  it("counts the workers an earlier run left running, and launches only the rest", async () => {
    const clock = createFakeClock();
    const fake = fakeLauncher();
    await fake.launcher.launch({ count: 2, environment: {}, token: "earlier" });
    const pool = start(clock, {
      launcher: fake.launcher,
      desired: async () => 3,
      initialWorkers: ["w0", "w1"],
    });
    await clock.advance(0);
    expect(fake.requests.map((r) => r.count)).toEqual([2, 1]);
    fake.stop("w0", "completed");
    await clock.advance(POLL);
    expect(fake.requests.map((r) => r.count)).toEqual([2, 1, 1]);
    expect(pool.events).toContainEqual({ type: "worker_finished", id: "w0" });
  });

  it("survives a few describe failures and reports them", async () => {
    const clock = createFakeClock();
    const fake = fakeLauncher();
    let failing = 2;
    const describeOnce = fake.launcher.describe;
    fake.launcher.describe = async (ids) => {
      if (failing-- > 0) throw new Error("ECS failed to answer DescribeTasks");
      return describeOnce(ids);
    };
    const pool = start(clock, { launcher: fake.launcher, desired: async () => 1 });
    await clock.advance(0);
    for (let i = 0; i < 3; i++) await clock.advance(POLL);
    expect(pool.events.filter((e) => e.type === "describe_failed")).toHaveLength(2);
    expect(pool.outcome()).toBeUndefined();
  });
});

describe("maintainWorkers with workers that die without a result", () => {
  /** A launcher whose every worker stops at once, the way a worker that crashes at start does. */
  function crashingLauncher(crash: (id: string) => WorkerState) {
    let n = 0;
    const requests: LaunchWorkersRequest[] = [];
    const launcher: Launcher = {
      async launch(request) {
        requests.push(request);
        return {
          started: Array.from({ length: request.count }, () => ({ id: `task/c/t${n++}` })),
          failures: [],
        };
      },
      async describe(ids) {
        return ids.map(crash);
      },
    };
    return { launcher, requests, launched: () => n };
  }

  it("stops launching after max(3, max_workers) deaths in a row and names the reasons", async () => {
    const clock = createFakeClock();
    const fake = crashingLauncher((id) =>
      Number(id.slice(8)) % 4 === 3
        ? { id, status: "stopped", end: "image_pull_failed", reason: "CannotPullContainerError: not found" }
        : {
            id,
            status: "stopped",
            end: "failed",
            reason: "Essential container in task exited",
            exitCode: 1,
          },
    );
    const pool = start(clock, {
      launcher: fake.launcher,
      desired: async () => 200,
      maxDeathsWithoutProgress: 200,
      progress: () => 0,
      logHint: (id) => `aws logs tail /ecs/modelfleet --log-stream-names agent/agent/${id.split("/").pop()}`,
    });
    // A simulated hour.
    for (let i = 0; i < 3_600 && !pool.outcome(); i++) await clock.advance(POLL);
    const outcome = pool.outcome();
    expect(outcome?.ok).toBe(false);
    expect(fake.launched()).toBe(200);
    const error = (outcome as { error: unknown }).error;
    expect(error).toBeInstanceOf(WorkersFailingError);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      [
        "200 workers in a row stopped without a result (the limit is max(3, cloud.max_workers) = 200), so no more are started:",
        "  150 × failed (exit code 1): Essential container in task exited; e.g. task/c/t0",
        "   50 × image_pull_failed: CannotPullContainerError: not found; e.g. task/c/t3",
        "Look at a worker's log: aws logs tail /ecs/modelfleet --log-stream-names agent/agent/t0",
      ].join("\n"),
    );
  });

  it("counts only deaths since the last result, and not Spot interruptions or idle exits", async () => {
    const clock = createFakeClock();
    const fake = fakeLauncher();
    let results = 0;
    const pool = start(clock, {
      launcher: fake.launcher,
      desired: async () => 3,
      maxDeathsWithoutProgress: 3,
      progress: () => results,
    });
    await clock.advance(0);
    fake.stop("w0", "failed");
    fake.stop("w1", "out_of_memory");
    await clock.advance(POLL);
    results = 1; // a result arrives: the count starts again
    fake.stop("w2", "failed");
    fake.stop("w3", "spot_interruption");
    fake.stop("w4", "completed");
    await clock.advance(POLL);
    fake.stop("w5", "failed");
    await clock.advance(POLL);
    expect(pool.outcome()).toBeUndefined();
    for (const id of fake.live()) fake.stop(id, "failed");
    await clock.advance(POLL);
    expect(pool.outcome()).toMatchObject({ ok: false });
  });
});
