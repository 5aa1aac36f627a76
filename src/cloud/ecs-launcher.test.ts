import {
  ClusterNotFoundException,
  DescribeTasksCommand,
  ECSClient,
  ECSServiceException,
  type Failure,
  RunTaskCommand,
  type RunTaskCommandInput,
  type Task,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { createFakeClock, type FakeClock } from "../engine/fake-clock.ts";
import { UserError } from "../errors.ts";
import type { InfrastructureOutputs } from "./cloud-config.ts";
import {
  classifyStoppedTask,
  clientTokenFor,
  createEcsLauncher,
  type EcsLauncherOptions,
} from "./ecs-launcher.ts";
import { maintainWorkers } from "./worker-pool.ts";

const ecs = mockClient(ECSClient);

const infra: InfrastructureOutputs = {
  region: "us-east-1",
  bucket: "bucket",
  queueUrl: "https://sqs.us-east-1.amazonaws.com/123/q",
  deadLetterQueueUrl: "https://sqs.us-east-1.amazonaws.com/123/dlq",
  cluster: "modelfleet",
  taskDefinition: "modelfleet-agent:3",
  subnets: ["subnet-a", "subnet-b"],
  securityGroups: ["sg-1"],
  assignPublicIp: false,
  containerName: "agent",
};
const environment = { MODELFLEET_QUEUE_URL: infra.queueUrl, MODELFLEET_BUCKET: "bucket" };

function throttle(): Error {
  return new ECSServiceException({
    name: "ThrottlingException",
    $fault: "client",
    $metadata: { httpStatusCode: 400 },
    message: "Rate exceeded",
  });
}

function launcher(clock: FakeClock, options: Partial<EcsLauncherOptions> = {}) {
  return createEcsLauncher({
    client: new ECSClient({ region: infra.region }),
    infra,
    spot: true,
    clock,
    random: () => 0.5,
    ...options,
  });
}

/** Advances the fake clock in steps until `promise` settles; returns its value and the time taken. */
async function settle<T>(clock: FakeClock, promise: Promise<T>, stepMs = 10, limitMs = 3_600_000) {
  const start = clock.now();
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  promise.then(
    (value) => {
      outcome = { ok: true, value };
    },
    (error: unknown) => {
      outcome = { ok: false, error };
    },
  );
  await clock.advance(0);
  while (!outcome) {
    if (clock.now() - start > limitMs) throw new Error(`still pending after ${limitMs} ms of fake time`);
    await clock.advance(stepMs);
  }
  if (!outcome.ok) throw outcome.error;
  return { value: outcome.value, elapsedMs: clock.now() - start };
}

/** A fake ECS: starts `count` tasks per call, and answers a client token it has seen before with
 * the tasks it started then (as ECS does). Returns every task it ever started. */
function idempotentEcs() {
  const byToken = new Map<string, Task[]>();
  const all: string[] = [];
  let n = 0;
  const run = (input: RunTaskCommandInput) => {
    const seen = byToken.get(input.clientToken!);
    if (seen) return { tasks: seen, failures: [] };
    const tasks = Array.from({ length: input.count ?? 1 }, () => ({
      taskArn: `arn:aws:ecs:us-east-1:123456789012:task/modelfleet/t${n++}`,
      lastStatus: "PROVISIONING",
    }));
    byToken.set(input.clientToken!, tasks);
    for (const t of tasks) all.push(t.taskArn);
    return { tasks, failures: [] };
  };
  return { run, all, byToken };
}

function runTaskInputs(): RunTaskCommandInput[] {
  return ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
}

beforeEach(() => {
  ecs.reset();
});

describe("ECS launcher: launch", () => {
  it("starts 25 workers in RunTask calls of 10, 10 and 5 with the right request", async () => {
    const clock = createFakeClock();
    const fake = idempotentEcs();
    ecs.on(RunTaskCommand).callsFake(fake.run);
    const l = launcher(clock);

    const { value } = await settle(clock, l.launch({ count: 25, environment, token: "run-1" }));

    expect(value.started).toHaveLength(25);
    expect(new Set(value.started.map((w) => w.id)).size).toBe(25);
    expect(value.failures).toEqual([]);
    const inputs = runTaskInputs();
    expect(inputs.map((i) => i.count)).toEqual([10, 10, 5]);
    expect(inputs.map((i) => i.clientToken)).toEqual(["run-1.0", "run-1.1", "run-1.2"]);
    for (const input of inputs) {
      expect(input).toMatchObject({
        cluster: "modelfleet",
        taskDefinition: "modelfleet-agent:3",
        startedBy: "modelfleet",
        propagateTags: "TASK_DEFINITION",
        capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1 }],
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: ["subnet-a", "subnet-b"],
            securityGroups: ["sg-1"],
            assignPublicIp: "DISABLED",
          },
        },
        overrides: {
          containerOverrides: [
            {
              name: "agent",
              environment: [
                { name: "MODELFLEET_QUEUE_URL", value: infra.queueUrl },
                { name: "MODELFLEET_BUCKET", value: "bucket" },
              ],
            },
          ],
        },
      });
      expect(input.launchType).toBeUndefined();
    }
    expect(l.stats()).toMatchObject({ runTaskCalls: 3, runTaskRetries: 0, tasksStarted: 25, throttled: 0 });
  });

  it("uses on-demand Fargate when spot is off, and a public IP when asked", async () => {
    const clock = createFakeClock();
    ecs.on(RunTaskCommand).callsFake(idempotentEcs().run);
    const l = launcher(clock, { spot: false, infra: { ...infra, assignPublicIp: true } });
    await settle(clock, l.launch({ count: 3, environment, token: "t" }));
    const [input] = runTaskInputs();
    expect(input?.capacityProviderStrategy).toEqual([{ capacityProvider: "FARGATE", weight: 1 }]);
    expect(input?.networkConfiguration?.awsvpcConfiguration?.assignPublicIp).toBe("ENABLED");
  });

  it("paces calls to callsPerSecond on the clock", async () => {
    const clock = createFakeClock();
    const times: number[] = [];
    const fake = idempotentEcs();
    ecs.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => {
      times.push(clock.now());
      return fake.run(input);
    });
    const l = launcher(clock, { callsPerSecond: 5 });
    const { value } = await settle(clock, l.launch({ count: 60, environment, token: "p" }));
    expect(value.started).toHaveLength(60);
    expect(times).toEqual([0, 200, 400, 600, 800, 1000]);
  });

  it("retries throttled calls with backoff and the same client token, launching every worker once", async () => {
    const clock = createFakeClock();
    const fake = idempotentEcs();
    const sends = new Map<string, number>();
    ecs.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => {
      const token = input.clientToken!;
      const n = (sends.get(token) ?? 0) + 1;
      sends.set(token, n);
      // Call r.1 is throttled twice; call r.3 starts its tasks but its answer is lost.
      if (token === "r.1" && n <= 2) throw throttle();
      if (token === "r.3" && n === 1) {
        fake.run(input);
        throw Object.assign(new Error("socket hang up"), { name: "TimeoutError", code: "ECONNRESET" });
      }
      return fake.run(input);
    });
    const l = launcher(clock);

    const { value } = await settle(clock, l.launch({ count: 45, environment, token: "r" }));

    expect(value.started).toHaveLength(45);
    expect(new Set(value.started.map((w) => w.id)).size).toBe(45);
    expect(fake.all).toHaveLength(45);
    const tokens = runTaskInputs().map((i) => i.clientToken);
    // r.1 was sent three times (two throttles), r.3 twice (lost answer); each reused its token.
    expect(tokens.filter((t) => t === "r.1")).toHaveLength(3);
    expect(tokens.filter((t) => t === "r.3")).toHaveLength(2);
    expect(new Set(tokens)).toEqual(new Set(["r.0", "r.1", "r.2", "r.3", "r.4"]));
    const stats = l.stats();
    expect(stats).toMatchObject({
      runTaskCalls: 8,
      runTaskRetries: 3,
      throttled: 2,
      serverErrors: 1,
      tasksStarted: 45,
    });
    expect(stats.callsPerSecond).toBeLessThanOrEqual(10);
  });

  it("slows down after throttling: two throttles halve the pace twice", async () => {
    const clock = createFakeClock();
    const fake = idempotentEcs();
    const times: number[] = [];
    let calls = 0;
    ecs.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => {
      calls++;
      times.push(clock.now());
      if (calls <= 2) throw throttle();
      return fake.run(input);
    });
    const l = launcher(clock, { random: () => 0 });
    await settle(clock, l.launch({ count: 10, environment, token: "s" }));
    // After the first throttle the pace is 5/s (200 ms), after the second 2.5/s (400 ms).
    expect(times).toEqual([0, 200, 600]);
  });

  it("gives up on a call after maxAttempts throttles, with a retryable failure", async () => {
    const clock = createFakeClock();
    ecs.on(RunTaskCommand).rejects(throttle());
    const l = launcher(clock, { maxAttempts: 4 });
    const { value, elapsedMs } = await settle(clock, l.launch({ count: 5, environment, token: "x" }));
    expect(value.started).toEqual([]);
    expect(value.failures).toHaveLength(1);
    expect(value.failures[0]).toMatchObject({ retryable: true });
    expect(value.failures[0]?.reason).toMatch(/^ECS kept throttling RunTask in us-east-1/);
    expect(l.stats().runTaskCalls).toBe(4);
    expect(elapsedMs).toBeLessThan(30_000);
  });

  it("asks again, in a later call, for the workers ECS had no capacity for", async () => {
    const clock = createFakeClock();
    const fake = idempotentEcs();
    let calls = 0;
    ecs.on(RunTaskCommand).callsFake((input: RunTaskCommandInput) => {
      calls++;
      if (calls === 1) {
        const out = fake.run({ ...input, count: 7 });
        const failures: Failure[] = [1, 2, 3].map(() => ({ reason: "RESOURCE:FARGATE" }));
        return { tasks: out.tasks, failures };
      }
      return fake.run(input);
    });
    const l = launcher(clock);

    const { value } = await settle(clock, l.launch({ count: 25, environment, token: "c" }));

    expect(value.started).toHaveLength(25);
    expect(new Set(value.started.map((w) => w.id)).size).toBe(25);
    expect(value.failures).toEqual([]);
    const inputs = runTaskInputs();
    expect(inputs.map((i) => i.count)).toEqual([10, 10, 8]);
    expect(new Set(inputs.map((i) => i.clientToken)).size).toBe(3);
    expect(l.stats()).toMatchObject({
      tasksRequested: 28,
      tasksStarted: 25,
      tasksFailed: 3,
      capacityRetries: 3,
    });
  });

  it("reports a lasting Spot capacity shortage as retryable, in words", async () => {
    const clock = createFakeClock();
    ecs.on(RunTaskCommand).resolves({
      tasks: [],
      failures: [
        {
          reason:
            "Capacity is unavailable at this time. Please try again later or in a different availability zone",
        },
      ],
    });
    const l = launcher(clock, { maxAttempts: 3 });
    const { value } = await settle(clock, l.launch({ count: 4, environment, token: "k" }));
    expect(value.started).toEqual([]);
    expect(value.failures).toEqual([
      expect.objectContaining({
        retryable: true,
        reason: expect.stringMatching(
          /^Fargate Spot has no capacity in us-east-1 right now \(Capacity is unavailable/,
        ),
      }),
    ]);
    expect(value.failures[0]?.reason).toMatch(/retrying with backoff$/);
    expect(l.stats().runTaskCalls).toBe(3);
  });

  it("stops at a quota failure: not retryable, one plain sentence with the next step", async () => {
    const clock = createFakeClock();
    ecs.on(RunTaskCommand).resolves({
      tasks: [],
      failures: [{ reason: "You've reached the limit on the number of vCPUs you can run concurrently" }],
    });
    const l = launcher(clock);
    const { value } = await settle(clock, l.launch({ count: 50, environment, token: "q" }));
    expect(value.started).toEqual([]);
    expect(value.failures).toEqual([
      expect.objectContaining({
        retryable: false,
        reason:
          "the account's Fargate Spot vCPU quota is exhausted in us-east-1: request a quota increase in " +
          "Service Quotas or lower cloud.max_workers",
      }),
    ]);
    expect(l.stats().runTaskCalls).toBe(1);
  });

  it("turns a missing cluster into a sentence and does not retry it", async () => {
    const clock = createFakeClock();
    ecs
      .on(RunTaskCommand)
      .rejects(
        new ClusterNotFoundException({ message: "Cluster not found.", $metadata: { httpStatusCode: 400 } }),
      );
    const l = launcher(clock);
    const { value } = await settle(clock, l.launch({ count: 5, environment, token: "m" }));
    expect(value.failures).toEqual([
      expect.objectContaining({
        retryable: false,
        reason:
          'the ECS cluster "modelfleet" does not exist in us-east-1: run the infrastructure step again or fix ' +
          '"cluster" in the infrastructure outputs',
      }),
    ]);
    expect(l.stats().runTaskCalls).toBe(1);
  });

  it("explains a cluster without the FARGATE_SPOT capacity provider", async () => {
    const clock = createFakeClock();
    ecs.on(RunTaskCommand).rejects(
      new ECSServiceException({
        name: "InvalidParameterException",
        $fault: "client",
        $metadata: {},
        message:
          "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster.",
      }),
    );
    const { value } = await settle(clock, launcher(clock).launch({ count: 1, environment, token: "z" }));
    expect(value.failures[0]?.reason).toMatch(
      /^the cluster "modelfleet" cannot use the FARGATE_SPOT capacity provider .*: associate FARGATE and FARGATE_SPOT with the cluster .* or turn cloud.spot off$/,
    );
  });

  it("launches nothing for a count of 0 and rejects a bad count", async () => {
    const clock = createFakeClock();
    const l = launcher(clock);
    await expect(l.launch({ count: 0, environment, token: "n" })).resolves.toEqual({
      started: [],
      failures: [],
    });
    await expect(l.launch({ count: 2.5, environment, token: "n" })).rejects.toThrow(RangeError);
    expect(runTaskInputs()).toHaveLength(0);
  });
});

describe("ECS launcher: client tokens", () => {
  it("derives a stable, valid token per call", () => {
    expect(clientTokenFor("run-1", 0)).toBe("run-1.0");
    expect(clientTokenFor("run-1", 12)).toBe(clientTokenFor("run-1", 12));
    const long = clientTokenFor("x".repeat(100), 3);
    expect(long).toHaveLength(45);
    expect(long).toMatch(/^mf-[0-9a-f]{40}\.3$/);
    expect(clientTokenFor("has space", 1)).toMatch(/^mf-[0-9a-f]{40}\.1$/);
    expect(clientTokenFor("x".repeat(100), 3)).not.toBe(clientTokenFor("y".repeat(100), 3));
  });
});

describe("ECS launcher: describe", () => {
  const arn = (i: number) => `arn:aws:ecs:us-east-1:123456789012:task/modelfleet/t${i}`;

  it("asks DescribeTasks about at most 100 tasks at a time", async () => {
    const clock = createFakeClock();
    ecs.on(DescribeTasksCommand).callsFake((input: { tasks: string[] }) => ({
      tasks: input.tasks.map((taskArn) => ({ taskArn, lastStatus: "RUNNING" })),
      failures: [],
    }));
    const ids = Array.from({ length: 250 }, (_, i) => arn(i));
    const l = launcher(clock);
    const states = await l.describe(ids);
    const calls = ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.tasks?.length)).toEqual([100, 100, 50]);
    expect(calls.every((c) => c.cluster === "modelfleet")).toBe(true);
    expect(states.map((s) => s.id)).toEqual(ids);
    expect(states.every((s) => s.status === "running")).toBe(true);
    expect(l.stats().describeTasksCalls).toBe(3);
  });

  const stopped = (extra: Partial<Task>, container: Record<string, unknown> = {}): Task => ({
    lastStatus: "STOPPED",
    containers: [{ name: "agent", ...container }],
    ...extra,
  });

  it.each([
    [
      "a Spot interruption",
      stopped(
        { stopCode: "SpotInterruption", stoppedReason: "Your Spot Task was interrupted." },
        { exitCode: 143 },
      ),
      "spot_interruption",
    ],
    [
      "a stopped reason about Spot",
      stopped({ stopCode: "TerminationNotice", stoppedReason: "Your Spot Task was interrupted." }),
      "spot_interruption",
    ],
    [
      "exit code 137",
      stopped(
        { stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" },
        { exitCode: 137 },
      ),
      "out_of_memory",
    ],
    [
      "OutOfMemoryError",
      stopped(
        { stopCode: "EssentialContainerExited" },
        { reason: "OutOfMemoryError: Container killed due to memory usage" },
      ),
      "out_of_memory",
    ],
    [
      "CannotPullContainerError",
      stopped({
        stopCode: "TaskFailedToStart",
        stoppedReason: "CannotPullContainerError: pull image manifest has been retried 5 time(s)",
      }),
      "image_pull_failed",
    ],
    [
      "ResourceInitializationError",
      stopped({
        stopCode: "TaskFailedToStart",
        stoppedReason: "ResourceInitializationError: unable to pull secrets or registry auth",
      }),
      "resource_initialization_failed",
    ],
    [
      "exit code 0",
      stopped(
        { stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" },
        { exitCode: 0 },
      ),
      "completed",
    ],
    [
      "a user stop (SIGKILL after the stop timeout)",
      stopped({ stopCode: "UserInitiated", stoppedReason: "Task stopped by user" }, { exitCode: 137 }),
      "stopped",
    ],
    [
      "a non-zero exit",
      stopped(
        { stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" },
        { exitCode: 2 },
      ),
      "failed",
    ],
    [
      "a failed start",
      stopped({
        stopCode: "TaskFailedToStart",
        stoppedReason: "Timeout waiting for network interface provisioning to complete.",
      }),
      "failed",
    ],
  ] as const)("classifies %s", async (_label, task, end) => {
    expect(classifyStoppedTask(task, "agent").end).toBe(end);
    const clock = createFakeClock();
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ ...task, taskArn: arn(1) }], failures: [] });
    const [state] = await launcher(clock).describe([arn(1)]);
    expect(state).toMatchObject({ id: arn(1), status: "stopped", end });
  });

  it("keeps the stopped reason and exit code", () => {
    expect(
      classifyStoppedTask(
        stopped(
          { stopCode: "EssentialContainerExited", stoppedReason: "Essential container in task exited" },
          { exitCode: 2 },
        ),
        "agent",
      ),
    ).toEqual({ end: "failed", reason: "Essential container in task exited", exitCode: 2 });
  });

  it("maps pending and running states", async () => {
    const clock = createFakeClock();
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        { taskArn: arn(1), lastStatus: "PROVISIONING" },
        { taskArn: arn(2), lastStatus: "PENDING" },
        { taskArn: arn(3), lastStatus: "RUNNING" },
        { taskArn: arn(4), lastStatus: "DEPROVISIONING" },
      ],
    });
    const states = await launcher(clock).describe([arn(1), arn(2), arn(3), arn(4)]);
    expect(states.map((s) => s.status)).toEqual(["pending", "pending", "running", "running"]);
  });

  it("reports MISSING tasks as stopped and failed, except ones it started a moment ago", async () => {
    const clock = createFakeClock();
    ecs.on(RunTaskCommand).callsFake(idempotentEcs().run);
    const l = launcher(clock);
    const { value } = await settle(clock, l.launch({ count: 1, environment, token: "g" }));
    const fresh = value.started[0]!.id;
    const old = arn(999);
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [],
      failures: [
        { arn: fresh, reason: "MISSING" },
        { arn: old, reason: "MISSING" },
      ],
    });
    const states = await l.describe([fresh, old]);
    expect(states[0]).toEqual({ id: fresh, status: "pending" });
    expect(states[1]).toMatchObject({ id: old, status: "stopped", end: "failed" });
    expect(states[1]?.reason).toMatch(/MISSING/);
    await clock.advance(61_000);
    expect((await l.describe([fresh]))[0]).toMatchObject({ status: "stopped", end: "failed" });
  });

  it("retries a throttled DescribeTasks", async () => {
    const clock = createFakeClock();
    ecs
      .on(DescribeTasksCommand)
      .rejectsOnce(throttle())
      .resolves({ tasks: [{ taskArn: arn(1), lastStatus: "RUNNING" }] });
    const { value } = await settle(clock, launcher(clock).describe([arn(1)]));
    expect(value).toEqual([{ id: arn(1), status: "running" }]);
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(2);
  });
});

describe("ECS launcher with maintainWorkers", () => {
  it("ends a quota failure with a clear error within bounded time", async () => {
    const clock = createFakeClock();
    ecs.on(RunTaskCommand).resolves({
      tasks: [],
      failures: [{ reason: "You've reached the limit on the number of vCPUs you can run concurrently" }],
    });
    const events: string[] = [];
    const pool = maintainWorkers({
      launcher: launcher(clock, { spot: false }),
      desired: async () => 200,
      environment,
      clock,
      pollMs: 15_000,
      onEvent: (e) => events.push(e.type),
    });
    const err = await settle(clock, pool, 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(
      "the account's Fargate On-Demand vCPU quota is exhausted in us-east-1: request a quota increase in " +
        "Service Quotas or lower cloud.max_workers",
    );
    expect(clock.now()).toBeLessThanOrEqual(10_000);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(2);
    expect(events).toEqual(["launch_failed"]);
  });

  it("retries a lasting capacity shortage with backoff, then gives up at the deadline", async () => {
    const clock = createFakeClock();
    ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ reason: "RESOURCE:FARGATE" }] });
    const waits: number[] = [];
    const pool = maintainWorkers({
      launcher: launcher(clock, { maxAttempts: 2 }),
      desired: async () => 20,
      environment,
      clock,
      deadlineMs: 10 * 60_000,
      onEvent: (e) => {
        if (e.type === "launch_failed") waits.push(e.retryInMs);
      },
    });
    const err = await settle(clock, pool, 1_000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(
      /^no worker could be started in 10 min: Fargate Spot has no capacity/,
    );
    expect(clock.now()).toBeGreaterThanOrEqual(10 * 60_000);
    expect(clock.now()).toBeLessThan(13 * 60_000);
    expect(waits.slice(0, 5)).toEqual([5_000, 10_000, 20_000, 40_000, 80_000]);
    expect(Math.max(...waits)).toBe(120_000);
  });
});
