// The fake cloud: s3rver behind a conditional-write proxy, an SQS-compatible in-memory server,
// and a mocked ECS whose RunTask starts the real agent entry point (`modelfleet agent`) as
// local processes with the task's environment overrides. Tests kill those processes to see
// what a lost worker does.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  type RunTaskCommandInput,
  StopTaskCommand,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import type { InfrastructureOutputs } from "../../src/cloud/cloud-config.ts";
import { CLI } from "../helpers/project.ts";
import { type FakeSqs, startFakeSqs } from "./fake-sqs.ts";
import { type FakeS3, startFakeS3 } from "./s3-proxy.ts";

export interface FakeTask {
  readonly arn: string;
  readonly process: ChildProcess;
  readonly env: Record<string, string>;
  /** The RunTask overrides and startedBy, as DescribeTasks shows them. */
  readonly overrides: Array<{ name?: string; value?: string }>;
  readonly startedBy: string | undefined;
  readonly workRoot: string;
  output: string;
  exitCode: number | null;
  signal: string | null;
  stoppedByHarness: boolean;
  /** The reason given to StopTask, once it was called. */
  stopReason: string | undefined;
}

export interface RunTaskBehaviour {
  /** Answer this RunTask call (0-based) with a ThrottlingException instead. */
  throttle?: (call: number) => boolean;
  /** Start at most this many of the tasks asked for in this call; the rest are failures[]. */
  partial?: (call: number, asked: number) => number | undefined;
  /** A failure reason for every task of every call (e.g. a quota failure). */
  failAll?: string;
  /** Start workers without their bucket setting, so each exits with an error at once. */
  brokenWorkers?: boolean;
}

export interface FakeCloud {
  readonly s3: FakeS3;
  readonly sqs: FakeSqs;
  readonly infra: InfrastructureOutputs;
  readonly infraFile: string;
  readonly tasks: FakeTask[];
  /** RunTask calls received, with their client tokens. */
  readonly runTaskCalls: Array<{ count: number; clientToken: string | undefined; outcome: string }>;
  behaviour: RunTaskBehaviour;
  /** Kills (SIGKILL) any worker found running realisation `id`, for as long as it is set. */
  crashWorkersRunning(id: string | undefined): void;
  /** The task whose work folder holds realisation `id` now. */
  taskRunning(id: string): Promise<FakeTask | undefined>;
  close(): Promise<void>;
}

export async function startFakeCloud(
  options: {
    maxReceiveCount?: number;
    visibilitySeconds?: number;
    idleSeconds?: number;
    /** After StopTask's SIGTERM, the kill comes this much later (ECS: the task's stopTimeout). */
    stopTimeoutSeconds?: number;
  } = {},
): Promise<FakeCloud> {
  const dir = await mkdtemp(join(tmpdir(), "mf-cloud-"));
  const s3 = await startFakeS3();
  const sqs = await startFakeSqs();
  const dlq = sqs.createQueue("work-dlq", { visibilityTimeoutSeconds: 30 });
  const queueUrl = sqs.createQueue("work", {
    visibilityTimeoutSeconds: options.visibilitySeconds ?? 4,
    maxReceiveCount: options.maxReceiveCount ?? 3,
    deadLetterQueue: dlq,
  });
  const infra: InfrastructureOutputs = {
    region: s3.region,
    bucket: s3.bucket,
    prefix: "results/",
    queueUrl,
    deadLetterQueueUrl: dlq,
    cluster: "fake-cluster",
    taskDefinition: "fake-agent:1",
    subnets: ["subnet-0abc"],
    securityGroups: ["sg-0abc"],
    assignPublicIp: false,
    containerName: "agent",
    logGroup: "/ecs/fake",
    logStreamPrefix: "agent",
  };
  const infraFile = join(dir, "infra.json");
  await writeFile(infraFile, JSON.stringify(infra));

  // The engine (this process) and the agents talk to the fakes through the standard AWS environment.
  const awsEnv: Record<string, string> = {
    ...s3.env,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  };
  const saved = Object.fromEntries(Object.keys(awsEnv).map((k) => [k, process.env[k]]));
  Object.assign(process.env, awsEnv);

  const tasks: FakeTask[] = [];
  const runTaskCalls: FakeCloud["runTaskCalls"] = [];
  const tokens = new Map<string, string[]>();
  let seq = 0;
  const cloud: FakeCloud = {
    s3,
    sqs,
    infra,
    infraFile,
    tasks,
    runTaskCalls,
    behaviour: {},
    crashWorkersRunning: (id) => {
      crashId = id;
    },
    taskRunning: async (id) => {
      for (const t of tasks) {
        if (t.exitCode !== null || t.signal !== null) continue;
        const names = await readdir(join(t.workRoot, "work")).catch(() => [] as string[]);
        if (names.some((n) => n.startsWith(`${id}-a`))) return t;
      }
      return undefined;
    },
    async close() {
      clearInterval(crashTimer);
      for (const t of tasks) if (t.exitCode === null && t.signal === null) t.process.kill("SIGKILL");
      await Promise.all(
        tasks.map(
          (t) =>
            new Promise((r) =>
              t.exitCode !== null || t.signal !== null ? r(null) : t.process.once("exit", r),
            ),
        ),
      );
      ecs.restore();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await Promise.all([s3.close(), sqs.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };

  let crashId: string | undefined;
  const crashTimer = setInterval(async () => {
    if (crashId === undefined) return;
    const t = await cloud.taskRunning(crashId);
    if (t) {
      t.stoppedByHarness = true;
      killTree(t.process.pid!);
    }
  }, 50);

  const ecs = mockClient(ECSClient);
  ecs.on(RunTaskCommand).callsFake(async (input: RunTaskCommandInput) => {
    const call = runTaskCalls.length;
    const count = input.count ?? 1;
    if (cloud.behaviour.throttle?.(call)) {
      runTaskCalls.push({ count, clientToken: input.clientToken, outcome: "throttled" });
      throw Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400 },
      });
    }
    // A retried call with a token already seen starts nothing new, as ECS does.
    const token = input.clientToken;
    if (token && tokens.has(token)) {
      runTaskCalls.push({ count, clientToken: token, outcome: "replayed" });
      return {
        tasks: tokens.get(token)!.map((taskArn) => ({ taskArn, lastStatus: "PROVISIONING" })),
        failures: [],
      };
    }
    if (cloud.behaviour.failAll) {
      runTaskCalls.push({ count, clientToken: token, outcome: "failed" });
      return {
        tasks: [],
        failures: Array.from({ length: count }, () => ({ reason: cloud.behaviour.failAll })),
      };
    }
    const start = Math.min(count, cloud.behaviour.partial?.(call, count) ?? count);
    const overrides = input.overrides?.containerOverrides?.[0]?.environment ?? [];
    const arns: string[] = [];
    for (let i = 0; i < start; i++) {
      const arn = `arn:aws:ecs:${s3.region}:000000000000:task/fake-cluster/${++seq}`;
      const workRoot = join(dir, `task-${seq}`);
      const env: Record<string, string> = {
        ...(process.env as Record<string, string>),
        ...awsEnv,
        ...Object.fromEntries(overrides.map((e) => [e.name!, e.value ?? ""])),
        MODELFLEET_WORK_ROOT: workRoot,
        MODELFLEET_IDLE_SECONDS: String(options.idleSeconds ?? 2),
        MODELFLEET_VISIBILITY_SECONDS: String(options.visibilitySeconds ?? 4),
      };
      if (cloud.behaviour.brokenWorkers) delete env.MODELFLEET_BUCKET;
      const child = spawn(process.execPath, [CLI, "agent"], {
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      const task: FakeTask = {
        arn,
        process: child,
        env,
        overrides,
        startedBy: input.startedBy,
        workRoot,
        output: "",
        exitCode: null,
        signal: null,
        stoppedByHarness: false,
        stopReason: undefined,
      };
      child.stdout!.on("data", (b) => (task.output += b));
      child.stderr!.on("data", (b) => (task.output += b));
      child.on("exit", (code, signal) => {
        task.exitCode = code;
        task.signal = signal;
      });
      tasks.push(task);
      arns.push(arn);
    }
    if (token) tokens.set(token, arns);
    runTaskCalls.push({
      count,
      clientToken: token,
      outcome: start === count ? "started" : `partial ${start}/${count}`,
    });
    return {
      tasks: arns.map((taskArn) => ({ taskArn, lastStatus: "PROVISIONING" })),
      failures: Array.from({ length: count - start }, () => ({
        reason: "RESOURCE:FARGATE",
        detail: "Capacity is unavailable at this time",
      })),
    };
  });
  const exited = (t: FakeTask) => t.exitCode !== null || t.signal !== null;
  ecs.on(DescribeTasksCommand).callsFake(async (input: { tasks?: string[] }) => ({
    tasks: (input.tasks ?? []).flatMap((arn) => {
      const t = tasks.find((x) => x.arn === arn);
      if (!t) return [];
      const stopped = exited(t);
      return [
        {
          taskArn: arn,
          startedBy: t.startedBy,
          overrides: { containerOverrides: [{ name: "agent", environment: t.overrides }] },
          lastStatus: stopped ? "STOPPED" : t.stopReason !== undefined ? "STOPPING" : "RUNNING",
          desiredStatus: stopped || t.stopReason !== undefined ? "STOPPED" : "RUNNING",
          ...(stopped
            ? {
                stopCode: t.stopReason !== undefined ? "UserInitiated" : "EssentialContainerExited",
                stoppedReason: t.stopReason ?? "Essential container in task exited",
                containers: [{ name: "agent", exitCode: t.exitCode ?? (t.signal === "SIGKILL" ? 137 : 143) }],
              }
            : {}),
        },
      ];
    }),
    failures: [],
  }));
  // ListTasks: one page of the tasks whose desired status is RUNNING.
  ecs.on(ListTasksCommand).callsFake(async (input: { startedBy?: string }) => ({
    taskArns: tasks
      .filter((t) => !exited(t) && t.stopReason === undefined)
      .filter((t) => input.startedBy === undefined || t.startedBy === input.startedBy)
      .map((t) => t.arn),
  }));
  // StopTask: SIGTERM to the agent (the container's main process), a kill of the whole task
  // after its stop timeout.
  ecs.on(StopTaskCommand).callsFake(async (input: { task?: string; reason?: string }) => {
    const t = tasks.find((x) => x.arn === input.task);
    if (!t) {
      throw Object.assign(new Error("The referenced task was not found."), {
        name: "InvalidParameterException",
        $metadata: { httpStatusCode: 400 },
      });
    }
    if (!exited(t) && t.stopReason === undefined) {
      t.stopReason = input.reason ?? "Task stopped by user";
      t.process.kill("SIGTERM");
      const kill = setTimeout(
        () => {
          if (!exited(t)) killTree(t.process.pid!);
        },
        (options.stopTimeoutSeconds ?? 30) * 1000,
      );
      t.process.once("exit", () => clearTimeout(kill));
    }
    return { task: { taskArn: t.arn, lastStatus: exited(t) ? "STOPPED" : "STOPPING" } };
  });
  return cloud;
}

/** Kills an agent and every process it started (the models run in their own groups). */
export function killTree(pid: number, signal: NodeJS.Signals = "SIGKILL") {
  void descendants(pid).then((pids) => {
    for (const p of [pid, ...pids]) {
      try {
        process.kill(p, signal);
      } catch {
        // gone
      }
    }
  });
}

async function descendants(pid: number): Promise<number[]> {
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift()!;
    const text = await readFile(`/proc/${p}/task/${p}/children`, "utf8").catch(() => "");
    for (const c of text.split(" ").filter(Boolean).map(Number)) {
      out.push(c);
      queue.push(c);
    }
  }
  return out;
}
