// A fake ECS for the fake cloud, in as many regions as a test asks for. Its tasks are real
// `modelfleet agent` processes. One backend answers every ECS call, from two doors:
// - this test process's ECSClients, through aws-sdk-client-mock, which mocks every ECSClient at
//   once: the region of a call is read from the client that sent it (`getClient`);
// - other processes (agents that set their own service to zero, a `modelfleet run` started as
//   a child), through a small HTTP server speaking ECS's JSON protocol; the region is read
//   from the request's signature (its credential scope).
// The same server is every task's ECS agent endpoint (ECS_AGENT_URI) for scale-in protection.
//
// Services keep their desired count of agents running, start replacements for exited ones
// after a short delay, and on scale-in stop (SIGTERM) only tasks without protection. A
// region may refuse every launch (no capacity), and the home region may have a scaler driven
// by the fake queue's depth, as Application Auto Scaling with the SQS alarms does.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  RunTaskCommand,
  type RunTaskCommandInput,
  StopTaskCommand,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { mockClient } from "aws-sdk-client-mock";
import { CLI } from "../helpers/project.ts";

export interface FakeTask {
  readonly arn: string;
  readonly region: string;
  /** The service that started it; undefined for RunTask. */
  readonly service: string | undefined;
  readonly process: ChildProcess;
  readonly env: Record<string, string>;
  /** Its private IPv4 address: a loopback address of its own (127.0.0.N), so tasks reach each
   * other by address as awsvpc tasks in one VPC do. */
  readonly address: string;
  /** The RunTask overrides and startedBy, as DescribeTasks shows them. */
  readonly overrides: Array<{ name?: string; value?: string }>;
  readonly startedBy: string | undefined;
  readonly workRoot: string;
  /** When it was started (ms since the epoch): ECS's createdAt and pullStartedAt. */
  readonly createdAt: number;
  output: string;
  exitCode: number | null;
  signal: string | null;
  stoppedAt: number | undefined;
  stoppedByHarness: boolean;
  /** The reason it was told to stop (StopTask, scale-in), once it was. */
  stopReason: string | undefined;
  /** ECS's stop code, when not the default for how it ended. */
  stopCode: string | undefined;
  /** Scale-in protection holds until then (ms since the epoch). */
  protectedUntil: number | undefined;
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

export interface FakeService {
  readonly region: string;
  readonly cluster: string;
  readonly name: string;
  desired: number;
  /** No capacity: every launch is refused, and the service says so in its events. */
  refuses: boolean;
  readonly events: Array<{ at: number; message: string }>;
  /** The environment of its task definition. */
  readonly environment: Record<string, string>;
  lastLaunchAt: number;
}

export interface FakeEcsOptions {
  readonly dir: string;
  /** The AWS environment every task gets (endpoints, credentials). */
  readonly awsEnv: Record<string, string>;
  readonly homeRegion: string;
  readonly idleSeconds: number;
  readonly visibilitySeconds: number;
  /** After StopTask's SIGTERM, the kill comes this much later (ECS: the task's stopTimeout). */
  readonly stopTimeoutSeconds: number;
  /** Messages waiting and in flight on the home queue, for the scaler. */
  readonly queueDepth: () => { visible: number; inFlight: number };
}

export interface FakeEcs {
  readonly endpoint: string;
  readonly tasks: FakeTask[];
  readonly runTaskCalls: Array<{ count: number; clientToken: string | undefined; outcome: string }>;
  readonly services: Map<string, FakeService>;
  /** Every UpdateService call, from this process ("sdk") or another ("http"). */
  readonly updateServiceCalls: Array<{ region: string; service: string; desiredCount: number; via: string }>;
  readonly protectionCalls: Array<{ task: string; enabled: boolean; minutes: number | undefined }>;
  /** Tasks stopped by scale-in, and whether each was running a realisation then. */
  readonly scaleInStops: Array<{ arn: string; busy: boolean }>;
  behaviour: RunTaskBehaviour;
  addService(options: {
    region: string;
    cluster: string;
    name: string;
    environment: Record<string, string>;
    refuses?: boolean;
  }): FakeService;
  /** The home region's scaler: up while messages wait, to zero once the queue stays empty. */
  startScaler(options: { region: string; max: number; emptyMs?: number }): void;
  /** Whether the task has a realisation's work folder now. */
  busy(task: FakeTask): boolean;
  /** Kills every running task at once, as a Spot reclaim of the whole fleet would. */
  reclaimAll(): FakeTask[];
  close(): Promise<void>;
}

type EcsError = Error & { $metadata: { httpStatusCode: number } };
const ecsError = (name: string, message: string): EcsError =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });

export async function startFakeEcs(options: FakeEcsOptions): Promise<FakeEcs> {
  const tasks: FakeTask[] = [];
  const services = new Map<string, FakeService>();
  const tokens = new Map<string, string[]>();
  const runTaskCalls: FakeEcs["runTaskCalls"] = [];
  const updateServiceCalls: FakeEcs["updateServiceCalls"] = [];
  const protectionCalls: FakeEcs["protectionCalls"] = [];
  const scaleInStops: FakeEcs["scaleInStops"] = [];
  const timers: Array<ReturnType<typeof setInterval>> = [];
  let seq = 0;
  let closed = false;

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((e: unknown) =>
      reply(res, 500, { __type: "ServerException", message: String(e) }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const exited = (t: FakeTask) => t.exitCode !== null || t.signal !== null;
  const alive = (t: FakeTask) => !exited(t) && t.stopReason === undefined;
  const busy = (t: FakeTask) => {
    try {
      return readdirSync(join(t.workRoot, "work")).length > 0;
    } catch {
      return false;
    }
  };

  function startTask(args: {
    region: string;
    service?: FakeService;
    environment: Record<string, string>;
    overrides: Array<{ name?: string; value?: string }>;
    startedBy: string | undefined;
  }): FakeTask {
    const n = ++seq;
    const cluster = args.service?.cluster ?? "fake-cluster";
    const arn = `arn:aws:ecs:${args.region}:000000000000:task/${cluster}/${n}`;
    const workRoot = join(options.dir, `task-${n}`);
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      ...options.awsEnv,
      ...args.environment,
      ...Object.fromEntries(args.overrides.map((e) => [e.name!, e.value ?? ""])),
      MODELFLEET_WORK_ROOT: workRoot,
      MODELFLEET_IDLE_SECONDS: String(options.idleSeconds),
      MODELFLEET_VISIBILITY_SECONDS: String(options.visibilitySeconds),
      AWS_ENDPOINT_URL_ECS: endpoint,
      ECS_AGENT_URI: `${endpoint}/tasks/${n}`,
    };
    if (fake.behaviour.brokenWorkers) delete env.MODELFLEET_BUCKET;
    const child = spawn(process.execPath, [CLI, "agent"], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    const task: FakeTask = {
      arn,
      region: args.region,
      service: args.service?.name,
      process: child,
      env,
      address: `127.0.${Math.floor(n / 250)}.${(n % 250) + 2}`,
      overrides: args.overrides,
      startedBy: args.startedBy,
      workRoot,
      createdAt: Date.now(),
      output: "",
      exitCode: null,
      signal: null,
      stoppedAt: undefined,
      stoppedByHarness: false,
      stopReason: undefined,
      stopCode: undefined,
      protectedUntil: undefined,
    };
    child.stdout!.on("data", (b) => (task.output += b));
    child.stderr!.on("data", (b) => (task.output += b));
    child.on("exit", (code, signal) => {
      task.exitCode = code;
      task.signal = signal;
      task.stoppedAt = Date.now();
    });
    tasks.push(task);
    return task;
  }

  function stopTask(t: FakeTask, reason: string, stopCode: string) {
    if (!alive(t)) return;
    t.stopReason = reason;
    t.stopCode = stopCode;
    t.process.kill("SIGTERM");
    const kill = setTimeout(() => {
      if (!exited(t)) killTree(t.process.pid!);
    }, options.stopTimeoutSeconds * 1000);
    t.process.once("exit", () => clearTimeout(kill));
  }

  const describeTask = (t: FakeTask) => {
    const stopped = exited(t);
    return {
      taskArn: t.arn,
      startedBy: t.startedBy ?? (t.service ? `ecs-svc/${t.service}` : undefined),
      ...(t.service ? { group: `service:${t.service}` } : {}),
      overrides: { containerOverrides: [{ name: "agent", environment: t.overrides }] },
      // What Fargate bills: a service's tasks run on Spot, as resources.spot asks by default.
      cpu: "1024",
      memory: "2048",
      ephemeralStorage: { sizeInGiB: 21 },
      ...(t.service ? { capacityProviderName: "FARGATE_SPOT" } : { launchType: "FARGATE" }),
      createdAt: new Date(t.createdAt),
      pullStartedAt: new Date(t.createdAt),
      startedAt: new Date(t.createdAt),
      lastStatus: stopped ? "STOPPED" : t.stopReason !== undefined ? "STOPPING" : "RUNNING",
      desiredStatus: stopped || t.stopReason !== undefined ? "STOPPED" : "RUNNING",
      ...(stopped
        ? {
            stopCode:
              t.stopCode ?? (t.stopReason !== undefined ? "UserInitiated" : "EssentialContainerExited"),
            stoppedReason: t.stopReason ?? "Essential container in task exited",
            stoppedAt: new Date(t.stoppedAt ?? Date.now()),
            containers: [{ name: "agent", exitCode: t.exitCode ?? (t.signal === "SIGKILL" ? 137 : 143) }],
          }
        : {}),
      // The task's network interface, while it runs: its private IP, as awsvpc tasks have.
      attachments: [
        {
          type: "ElasticNetworkInterface",
          details: stopped ? [] : [{ name: "privateIPv4Address", value: t.address }],
        },
      ],
    };
  };

  const serviceOf = (region: string, name: unknown) => {
    const s = services.get(region);
    return s && s.name === name ? s : undefined;
  };

  /** One ECS call, from whichever door; `region` is the caller's. */
  async function call(
    region: string,
    action: string,
    input: Record<string, unknown>,
    via: string,
  ): Promise<unknown> {
    switch (action) {
      case "RunTask":
        return runTask(region, input as unknown as RunTaskCommandInput);
      case "DescribeTasks":
        return {
          tasks: ((input.tasks as string[]) ?? []).flatMap((arn) => {
            const t = tasks.find((x) => x.arn === arn);
            return t ? [describeTask(t)] : [];
          }),
          failures: [],
        };
      case "ListTasks": {
        const wantStopped = input.desiredStatus === "STOPPED";
        return {
          taskArns: tasks
            .filter((t) => t.region === region)
            .filter((t) => (input.serviceName === undefined ? true : t.service === input.serviceName))
            .filter((t) => input.startedBy === undefined || t.startedBy === input.startedBy)
            .filter((t) => (wantStopped ? !alive(t) : alive(t)))
            .map((t) => t.arn),
        };
      }
      case "StopTask": {
        const t = tasks.find((x) => x.arn === input.task);
        if (!t) throw ecsError("InvalidParameterException", "The referenced task was not found.");
        stopTask(t, (input.reason as string | undefined) ?? "Task stopped by user", "UserInitiated");
        return { task: { taskArn: t.arn, lastStatus: exited(t) ? "STOPPED" : "STOPPING" } };
      }
      case "UpdateService": {
        const s = serviceOf(region, input.service);
        if (!s) throw ecsError("ServiceNotFoundException", "Service not found.");
        const count = input.desiredCount as number;
        updateServiceCalls.push({ region, service: s.name, desiredCount: count, via });
        s.desired = count;
        return { service: { serviceName: s.name, desiredCount: s.desired } };
      }
      case "DescribeServices": {
        const names = (input.services as string[]) ?? [];
        const found = names.map((n) => serviceOf(region, n)).filter((s): s is FakeService => s !== undefined);
        return {
          services: found.map((s) => {
            const own = tasks.filter((t) => t.region === region && t.service === s.name);
            return {
              serviceName: s.name,
              status: "ACTIVE",
              desiredCount: s.desired,
              runningCount: own.filter(alive).length,
              pendingCount: 0,
              events: [...s.events].reverse().map((e) => ({ createdAt: new Date(e.at), message: e.message })),
            };
          }),
          failures: names.filter((n) => !serviceOf(region, n)).map((n) => ({ arn: n, reason: "MISSING" })),
        };
      }
      default:
        throw ecsError("UnknownOperationException", `the fake ECS does not do ${action}`);
    }
  }

  function runTask(region: string, input: RunTaskCommandInput) {
    const call = runTaskCalls.length;
    const count = input.count ?? 1;
    if (fake.behaviour.throttle?.(call)) {
      runTaskCalls.push({ count, clientToken: input.clientToken, outcome: "throttled" });
      throw Object.assign(ecsError("ThrottlingException", "Rate exceeded"), {});
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
    if (fake.behaviour.failAll) {
      runTaskCalls.push({ count, clientToken: token, outcome: "failed" });
      return {
        tasks: [],
        failures: Array.from({ length: count }, () => ({ reason: fake.behaviour.failAll })),
      };
    }
    const start = Math.min(count, fake.behaviour.partial?.(call, count) ?? count);
    const overrides = input.overrides?.containerOverrides?.[0]?.environment ?? [];
    const arns: string[] = [];
    for (let i = 0; i < start; i++) {
      arns.push(startTask({ region, environment: {}, overrides, startedBy: input.startedBy }).arn);
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
  }

  // This process's clients.
  const mock = mockClient(ECSClient);
  const viaSdk = (action: string) => (input: Record<string, unknown>, getClient: () => ECSClient) => {
    // Read the client now: getClient() names the last client that sent anything.
    const client = getClient();
    return client.config.region().then((region) => call(region, action, input, "sdk"));
  };
  mock.on(RunTaskCommand).callsFake(viaSdk("RunTask"));
  mock.on(DescribeTasksCommand).callsFake(viaSdk("DescribeTasks"));
  mock.on(ListTasksCommand).callsFake(viaSdk("ListTasks"));
  mock.on(StopTaskCommand).callsFake(viaSdk("StopTask"));
  mock.on(UpdateServiceCommand).callsFake(viaSdk("UpdateService"));
  mock.on(DescribeServicesCommand).callsFake(viaSdk("DescribeServices"));

  // Other processes: ECS's JSON protocol, and the task protection endpoint.
  async function handleHttp(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    const protection = /^\/tasks\/(\d+)\/task-protection\/v1\/state$/.exec(req.url ?? "");
    if (protection && req.method === "PUT") {
      const t = tasks.find((x) => x.arn.endsWith(`/${protection[1]}`));
      if (!t) return reply(res, 404, { error: { Code: "TaskNotFound", Message: "no such task" } });
      const state = JSON.parse(body) as { ProtectionEnabled: boolean; ExpiresInMinutes?: number };
      const minutes = state.ExpiresInMinutes ?? 120;
      t.protectedUntil = state.ProtectionEnabled ? Date.now() + minutes * 60_000 : undefined;
      protectionCalls.push({
        task: t.arn,
        enabled: state.ProtectionEnabled,
        minutes: state.ProtectionEnabled ? minutes : undefined,
      });
      return reply(res, 200, {
        protection: {
          ProtectionEnabled: state.ProtectionEnabled,
          ...(t.protectedUntil ? { ExpirationDate: new Date(t.protectedUntil).toISOString() } : {}),
          TaskArn: t.arn,
        },
      });
    }
    const target = String(req.headers["x-amz-target"] ?? "");
    const action = /^AmazonEC2ContainerServiceV20141113\.(\w+)$/.exec(target)?.[1];
    if (req.method !== "POST" || !action)
      return reply(res, 404, { message: `not found: ${req.method} ${req.url}` });
    // The caller's region, from its signature's credential scope: Credential=<key>/<date>/<region>/ecs/aws4_request.
    const region = /Credential=[^/]+\/\d+\/([a-z0-9-]+)\/ecs\//.exec(
      String(req.headers.authorization ?? ""),
    )?.[1];
    if (!region)
      return reply(res, 400, { __type: "InvalidSignatureException", message: "no region in the signature" });
    try {
      const out = await call(region, action, body === "" ? {} : JSON.parse(body), "http");
      return reply(res, 200, out, "application/x-amz-json-1.1");
    } catch (e) {
      const err = e as { name?: string; message?: string };
      return reply(
        res,
        400,
        { __type: err.name ?? "ServerException", message: err.message ?? "" },
        "application/x-amz-json-1.1",
      );
    }
  }

  // Services keep their desired count.
  timers.push(
    setInterval(() => {
      if (closed) return;
      const now = Date.now();
      for (const s of services.values()) {
        const own = tasks.filter((t) => t.region === s.region && t.service === s.name && alive(t));
        const missing = s.desired - own.length;
        if (missing > 0 && now - s.lastLaunchAt >= 300) {
          s.lastLaunchAt = now;
          if (s.refuses) {
            s.events.push({
              at: now,
              message: `(service ${s.name}) was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a different availability zone.`,
            });
          } else {
            for (let i = 0; i < missing; i++) {
              startTask({
                region: s.region,
                service: s,
                environment: s.environment,
                overrides: [],
                startedBy: undefined,
              });
            }
          }
        } else if (missing < 0) {
          // Scale-in: newest first, never a protected task.
          const idle = own
            .filter((t) => !(t.protectedUntil !== undefined && t.protectedUntil > now))
            .reverse();
          for (const t of idle.slice(0, -missing)) {
            scaleInStops.push({ arn: t.arn, busy: busy(t) });
            stopTask(
              t,
              "Scaling activity initiated by (deployment ecs-svc/fake)",
              "ServiceSchedulerInitiated",
            );
          }
        }
      }
    }, 150),
  );

  const fake: FakeEcs = {
    endpoint,
    tasks,
    runTaskCalls,
    services,
    updateServiceCalls,
    protectionCalls,
    scaleInStops,
    behaviour: {},
    addService({ region, cluster, name, environment, refuses }) {
      const s: FakeService = {
        region,
        cluster,
        name,
        desired: 0,
        refuses: refuses ?? false,
        events: [],
        environment,
        lastLaunchAt: 0,
      };
      services.set(region, s);
      return s;
    },
    startScaler({ region, max, emptyMs = 3_000 }) {
      let lastOut = 0;
      let emptySince: number | undefined;
      timers.push(
        setInterval(() => {
          const s = services.get(region);
          if (closed || !s) return;
          const now = Date.now();
          const { visible, inFlight } = options.queueDepth();
          if (visible > 0 && s.desired < max && now - lastOut >= 1_000) {
            lastOut = now;
            s.desired = Math.min(max, Math.max(s.desired * 2, s.desired + Math.ceil(max / 10)));
          }
          if (visible + inFlight > 0) emptySince = undefined;
          else {
            emptySince ??= now;
            if (now - emptySince >= emptyMs) s.desired = 0;
          }
        }, 200),
      );
    },
    busy,
    reclaimAll() {
      const victims = tasks.filter(alive);
      for (const t of victims) {
        t.stoppedByHarness = true;
        t.stopCode = "SpotInterruption";
        t.stopReason = "Your Spot Task was interrupted.";
        killTree(t.process.pid!);
      }
      return victims;
    },
    async close() {
      closed = true;
      for (const t of timers) clearInterval(t);
      for (const t of tasks) if (!exited(t)) killTree(t.process.pid!);
      await Promise.all(
        tasks.map((t) => new Promise((r) => (exited(t) ? r(null) : t.process.once("exit", r)))),
      );
      mock.restore();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  return fake;
}

/** JSON as ECS sends it: timestamps in seconds since the epoch. */
function reply(res: ServerResponse, status: number, body: unknown, type = "application/json") {
  const text = JSON.stringify(body, function (this: Record<string, unknown>, key, value) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() / 1000 : value;
  });
  res.writeHead(status, { "content-type": type });
  res.end(text);
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
