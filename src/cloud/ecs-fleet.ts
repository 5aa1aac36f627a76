// A region's workers as an ECS service: the production `WorkerFleet`. One ECS client per
// region, built once with modelfleet's timeouts; the calls are few and idempotent, so the SDK's
// own retries (throttling, server errors) are enough.
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  StopTaskCommand,
  type Task,
  UpdateServiceCommand,
} from "@aws-sdk/client-ecs";
import { errorMessage, UserError } from "../errors.ts";
import { awsRequestHandler } from "./aws-http.ts";
import { classifyStoppedTask, DESCRIBE_TASKS_MAX } from "./ecs-launcher.ts";
import type { WorkerState } from "./launcher.ts";
import type { WorkerTask } from "./run-set-status.ts";
import type { StoppedWorker } from "./worker-deaths.ts";
import type { FleetState, WorkerFleet } from "./worker-fleet.ts";

export interface EcsFleetOptions {
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly containerName?: string;
  /** Defaults to a client for `region`. */
  readonly client?: ECSClient;
  /** How many of the service's events state() returns (default 10). */
  readonly events?: number;
}

/** The one place an ECS client for a region's fleet is built. */
export function createEcsClient(region: string): ECSClient {
  return new ECSClient({ region, requestHandler: awsRequestHandler() });
}

export function createEcsFleet(options: EcsFleetOptions): WorkerFleet {
  const { region, cluster, service } = options;
  const client = options.client ?? createEcsClient(region);
  const where = `the service ${service} of cluster ${cluster} in ${region}`;

  async function call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (e) {
      throw describeEcsFailure(e, operation, { region, cluster, service, where });
    }
  }

  async function describeTasks(ids: readonly string[]): Promise<Task[]> {
    const tasks: Task[] = [];
    for (let i = 0; i < ids.length; i += DESCRIBE_TASKS_MAX) {
      const out = await call("DescribeTasks", () =>
        client.send(new DescribeTasksCommand({ cluster, tasks: ids.slice(i, i + DESCRIBE_TASKS_MAX) })),
      );
      tasks.push(...(out.tasks ?? []));
    }
    return tasks;
  }

  async function listTasks(desiredStatus: "RUNNING" | "STOPPED", pages: number): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < pages; page++) {
      const out = await call("ListTasks", () =>
        client.send(
          new ListTasksCommand({
            cluster,
            serviceName: service,
            desiredStatus,
            maxResults: 100,
            ...(nextToken ? { nextToken } : {}),
          }),
        ),
      );
      arns.push(...(out.taskArns ?? []));
      nextToken = out.nextToken;
      if (!nextToken) break;
    }
    return arns;
  }

  const stateOf = (task: Task): WorkerState => {
    const id = task.taskArn ?? "";
    if (task.lastStatus !== "STOPPED" && task.lastStatus !== "DELETED") {
      return { id, status: task.lastStatus === "RUNNING" ? "running" : "pending" };
    }
    return { id, status: "stopped", ...classifyStoppedTask(task, options.containerName) };
  };

  return {
    region,
    service,

    async scaleTo(count) {
      if (!Number.isInteger(count) || count < 0) {
        throw new RangeError(`a desired count is a whole number >= 0, got ${count}`);
      }
      await call("UpdateService", () =>
        client.send(new UpdateServiceCommand({ cluster, service, desiredCount: count })),
      );
    },

    async state(): Promise<FleetState> {
      const out = await call("DescribeServices", () =>
        client.send(new DescribeServicesCommand({ cluster, services: [service] })),
      );
      const found = out.services?.find(
        (s) => s.serviceName === service || s.serviceArn?.endsWith(`/${service}`),
      );
      if (!found || found.status === "INACTIVE") {
        const failure = out.failures?.[0];
        throw new UserError(
          `ECS does not know ${where}${failure?.reason ? ` (${failure.reason})` : ""}: apply the infrastructure in ${region}, or fix "service" and "cluster" in the infrastructure outputs`,
        );
      }
      // Tasks running, and those stopped recently: ECS keeps them listed for about an hour.
      const running = await describeTasks(await listTasks("RUNNING", 100));
      const stoppedTasks = await describeTasks(await listTasks("STOPPED", 100));
      const stopped: StoppedWorker[] = [];
      for (const task of stoppedTasks) {
        const state = stateOf(task);
        if (state.status !== "stopped") continue;
        const at = task.stoppedAt ?? task.stoppingAt ?? task.createdAt;
        stopped.push({ ...state, status: "stopped", stoppedAt: at ? at.getTime() : 0 });
      }
      stopped.sort((a, b) => b.stoppedAt - a.stoppedAt);
      return {
        region,
        service,
        desired: found.desiredCount ?? 0,
        running: found.runningCount ?? 0,
        pending: found.pendingCount ?? 0,
        events: (found.events ?? [])
          .map((e) => ({ at: e.createdAt?.getTime() ?? 0, message: e.message ?? "" }))
          .sort((a, b) => b.at - a.at)
          .slice(0, options.events ?? 10),
        stopped,
        tasks: [...running, ...stoppedTasks].flatMap((t) => {
          const billed = billedTask(t, region);
          return billed ? [billed] : [];
        }),
      };
    },

    list: () => listTasks("RUNNING", 100),

    async describe(ids) {
      const byId = new Map((await describeTasks(ids)).map((t) => [t.taskArn ?? "", stateOf(t)]));
      return ids.map((id) => byId.get(id) ?? { id, status: "stopped", end: "stopped" });
    },

    async stop(ids, reason) {
      const told: string[] = [];
      const failures: Array<{ id: string; reason: string }> = [];
      for (const id of ids) {
        try {
          await call("StopTask", () =>
            client.send(new StopTaskCommand({ cluster, task: id, reason: reason.slice(0, 255) })),
          );
          told.push(id);
        } catch (e) {
          failures.push({ id, reason: errorMessage(e) });
        }
      }
      return { told, failures };
    },
  };
}

/** What Fargate bills a task for: its size, its capacity, and its time from the start of its
 * image pull (or, when ECS does not say, its creation) to its stop; undefined for a task with
 * neither time, or of a size ECS does not give. */
export function billedTask(task: Task, region: string): WorkerTask | undefined {
  const from = task.pullStartedAt ?? task.createdAt;
  const cpu = Number(task.cpu);
  const memory = Number(task.memory);
  if (!task.taskArn || !from || !(cpu > 0) || !(memory > 0)) return undefined;
  const stopped = task.stoppedAt ?? (task.lastStatus === "STOPPED" ? task.stoppingAt : undefined);
  return {
    id: task.taskArn,
    region,
    startedAt: from.toISOString(),
    ...(stopped ? { stoppedAt: stopped.toISOString() } : {}),
    cpu: cpu / 1024,
    memoryGb: memory / 1024,
    ...(task.ephemeralStorage?.sizeInGiB ? { diskGb: task.ephemeralStorage.sizeInGiB } : {}),
    capacity: task.capacityProviderName === "FARGATE_SPOT" ? "FARGATE_SPOT" : "FARGATE",
  };
}

/** An ECS failure as one sentence with the next step. */
export function describeEcsFailure(
  error: unknown,
  operation: string,
  ctx: { region: string; cluster: string; service: string; where: string },
): UserError {
  const e = (typeof error === "object" && error !== null ? error : {}) as { name?: string };
  const name = e.name ?? "Error";
  const message = errorMessage(error);
  if (name === "ClusterNotFoundException") {
    return new UserError(
      `the ECS cluster ${ctx.cluster} does not exist in ${ctx.region}: apply the infrastructure in ${ctx.region}, or fix "cluster" in the infrastructure outputs`,
      { cause: error },
    );
  }
  if (name === "ServiceNotFoundException" || name === "ServiceNotActiveException") {
    return new UserError(
      `ECS does not know ${ctx.where} (${name}): apply the infrastructure in ${ctx.region}, or fix "service" in the infrastructure outputs`,
      { cause: error },
    );
  }
  if (name === "AccessDeniedException" || /not authorized|access ?denied/i.test(message)) {
    return new UserError(
      `these AWS credentials may not call ecs:${operation} on ${ctx.where} (${message}): use the run role, or allow ecs:${operation} on it`,
      { cause: error },
    );
  }
  return new UserError(`ECS ${operation} on ${ctx.where} failed (${name}: ${message})`, { cause: error });
}
