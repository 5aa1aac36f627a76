// Starts and watches workers as ECS Fargate tasks: the production `Launcher`.
//
// launch() splits a request into RunTask calls of at most 10 tasks (the API's limit), paces
// them through a token bucket on the injected clock, retries throttled or failed calls with
// exponential backoff and full jitter, and asks again for the tasks ECS could not place
// for lack of capacity. describe() reads tasks back 100 at a time (DescribeTasks' limit) and
// says why each stopped task ended.
//
// Choices worth knowing:
// - Capacity. With `spot` the strategy is FARGATE_SPOT alone. ECS does not fall back from Spot
//   to on-demand when Spot has no capacity: a FARGATE entry in the strategy would only put a
//   fixed share of every launch on on-demand (or nothing, at weight 0). Spot shortages are
//   reported as retryable failures and asked for again with backoff. Without `spot`,
//   FARGATE alone. The cluster must have the FARGATE and FARGATE_SPOT capacity providers.
// - Idempotency. Every RunTask call carries a client token made of the request's token and the
//   call's index within the launch (`clientTokenFor`). A call retried after a throttle, a server
//   error or a timeout resends the same input with the same token, so ECS starts its tasks at
//   most once. Tasks asked for again after a capacity shortfall go in a new call with a new
//   index. A token names one launch round: call launch() once per token.
// - Pacing. Calls start no faster than `callsPerSecond` (default 10, half the account's
//   RunTask quota of 20 a second, which other callers share). A ThrottlingException halves the
//   pace; every success wins back a tenth of the configured rate.
// - Fargate also limits task launches (a bucket of 100 tasks refilled at 20 a second per
//   account and region); beyond it RunTask answers ThrottlingException and the pacing above
//   slows down to match.
import { createHash } from "node:crypto";
import {
  type Container,
  DescribeTasksCommand,
  type DescribeTasksCommandOutput,
  ECSClient,
  type Failure,
  ListTasksCommand,
  RunTaskCommand,
  type RunTaskCommandInput,
  StopTaskCommand,
  type Task,
} from "@aws-sdk/client-ecs";
import { type Clock, systemClock } from "../engine/clock.ts";
import { errorMessage } from "../errors.ts";
import { awsRequestHandler } from "./aws-http.ts";
import { AGENT_ENV, type InfrastructureOutputs } from "./cloud-config.ts";
import type {
  LaunchedWorker,
  Launcher,
  LaunchWorkersRequest,
  LaunchWorkersResult,
  WorkerControl,
  WorkerEnd,
  WorkerState,
} from "./launcher.ts";

/** RunTask starts at most this many tasks per call. */
export const RUN_TASK_MAX_COUNT = 10;
/** DescribeTasks describes at most this many tasks per call. */
export const DESCRIBE_TASKS_MAX = 100;
/** RunTask client tokens: up to 64 ASCII characters in the range 33-126. */
const CLIENT_TOKEN_MAX = 64;
/** ECS is eventually consistent: a task described right after RunTask may be MISSING. */
const MISSING_GRACE_MS = 60_000;
/** Tasks started by modelfleet carry this in `startedBy`, so they can be listed and cleaned up. */
export const STARTED_BY = "modelfleet";

export interface EcsLauncherOptions {
  /** Defaults to a client for `infra.region` with the SDK's own retries off (this module retries). */
  readonly client?: ECSClient;
  readonly infra: InfrastructureOutputs;
  /** Run workers on Fargate Spot (FARGATE_SPOT) rather than on-demand Fargate. */
  readonly spot: boolean;
  readonly clock?: Clock;
  /** Most RunTask calls started per second (default 10). */
  readonly callsPerSecond?: number;
  /** Tries per API call on throttling or server errors, and tries per worker on capacity
   * shortfalls within one launch (default 6). */
  readonly maxAttempts?: number;
  /** Randomness for backoff jitter (default Math.random); tests pass a fixed value. */
  readonly random?: () => number;
  /** For the default client: how long a call may go unanswered (default 30 s). */
  readonly requestTimeoutMs?: number;
}

/** Counts since the launcher was made, for benchmarks and the progress display. */
export interface EcsLauncherStats {
  /** RunTask requests sent, retries included. */
  readonly runTaskCalls: number;
  /** RunTask requests that were re-sends of an earlier call with the same client token. */
  readonly runTaskRetries: number;
  /** ThrottlingException answers (RunTask and DescribeTasks). */
  readonly throttled: number;
  /** Server errors and network failures (RunTask and DescribeTasks). */
  readonly serverErrors: number;
  /** Tasks asked for (each call counted once, however often it was retried). */
  readonly tasksRequested: number;
  readonly tasksStarted: number;
  /** Tasks ECS answered with a failure instead of starting. */
  readonly tasksFailed: number;
  /** Shortfalls asked for again after a capacity failure. */
  readonly capacityRetries: number;
  readonly describeTasksCalls: number;
  /** The pace RunTask calls are started at now (calls per second). */
  readonly callsPerSecond: number;
}

export interface EcsLauncher extends Launcher, WorkerControl {
  list(): Promise<string[]>;
  stats(): EcsLauncherStats;
}

/** A failure in words: `reason` is one plain sentence with the next step. */
export interface LaunchFailure {
  readonly reason: string;
  readonly detail: string;
  readonly retryable: boolean;
}

// Backoff: full jitter, delay = random() * min(cap, base * 2^(attempt - 1)).
const THROTTLE_BACKOFF = { baseMs: 250, capMs: 10_000 };
const CAPACITY_BACKOFF = { baseMs: 1_000, capMs: 20_000 };

export function fullJitterDelay(
  attempt: number,
  backoff: { readonly baseMs: number; readonly capMs: number },
  random: () => number,
): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

/**
 * The RunTask client token of call `callIndex` of the launch round `token`: `<token>.<index>`
 * when that fits ECS's rules (64 characters, ASCII 33-126), otherwise a SHA-256 digest of the
 * token in its place. The same arguments always give the same token.
 */
export function clientTokenFor(token: string, callIndex: number): string {
  const suffix = `.${callIndex}`;
  if (/^[\x21-\x7e]+$/.test(token) && token.length + suffix.length <= CLIENT_TOKEN_MAX) {
    return token + suffix;
  }
  const digest = createHash("sha256").update(token).digest("hex").slice(0, 40);
  return `mf-${digest}${suffix}`;
}

/** A token bucket on the clock: `acquire()` resolves when a call may start. Reservations are
 * taken in order, so concurrent callers queue fairly. The rate halves on throttling. */
function createPacer(clock: Clock, maxRate: number) {
  let rate = maxRate;
  const minRate = Math.min(1, maxRate);
  let nextFree = Number.NEGATIVE_INFINITY;
  let slowedAt = Number.NEGATIVE_INFINITY;
  return {
    async acquire(): Promise<void> {
      const now = clock.now();
      const at = Math.max(now, nextFree);
      nextFree = at + 1000 / rate;
      if (at > now) await clock.sleep(at - now);
    },
    /** Halves the pace, and holds the next call back a full interval at the new pace. Calls
     * sent before the last slow-down were paced at the old rate: their throttles say nothing
     * new and are not counted again (several in flight must not halve the pace several times). */
    throttled(sentAt: number) {
      if (sentAt < slowedAt) return;
      slowedAt = clock.now();
      rate = Math.max(minRate, rate / 2);
      nextFree = Math.max(nextFree, clock.now() + 1000 / rate);
    },
    succeeded() {
      rate = Math.min(maxRate, rate + maxRate / 10);
    },
    rate: () => rate,
  };
}

type ErrorKind = "throttle" | "server" | "capacity" | "fatal";

interface ClassifiedError {
  readonly kind: ErrorKind;
  readonly failure: LaunchFailure;
}

const THROTTLE_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
]);
const SERVER_NAMES = new Set([
  "ServerException",
  "InternalFailure",
  "InternalError",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
]);
const NETWORK_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "ENETUNREACH",
  "EHOSTUNREACH",
]);

const CAPACITY_TEXT = /capacity is unavailable|insufficient capacity|no capacity/i;

function capacityFailure(ctx: FailureContext, raw: string): LaunchFailure {
  const where = ctx.spot ? "Fargate Spot" : "Fargate";
  const eni = /ENI/.test(raw) ? " (if this persists, the subnets may be out of IP addresses)" : "";
  return {
    reason: `${where} has no capacity in ${ctx.region} right now (${shorten(raw)}); retrying with backoff${eni}`,
    detail: raw,
    retryable: true,
  };
}

interface FailureContext {
  readonly spot: boolean;
  readonly region: string;
  readonly cluster: string;
  readonly taskDefinition: string;
}

function shorten(text: string, max = 120): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

/** Turns one entry of RunTask's `failures[]` into a sentence and a retryable flag. */
export function describeRunTaskFailure(failure: Failure, ctx: FailureContext): LaunchFailure {
  const reason = failure.reason ?? "";
  const raw = [reason, failure.detail].filter((s) => s).join(": ") || "no reason given";
  if (/^RESOURCE:/i.test(reason) || CAPACITY_TEXT.test(raw)) return capacityFailure(ctx, raw);
  if (/limit on the number of (vcpus|tasks)|vcpu (limit|quota)|quota/i.test(raw)) {
    const which = ctx.spot ? "Fargate Spot" : "Fargate On-Demand";
    return {
      reason:
        `the account's ${which} vCPU quota is exhausted in ${ctx.region}: request a quota increase in ` +
        `Service Quotas or lower cloud.max_workers`,
      detail: raw,
      retryable: false,
    };
  }
  if (/above your limit/i.test(raw)) {
    return {
      reason:
        `the task's CPU size is above what this account may run on Fargate in ${ctx.region}: request a ` +
        `quota increase in Service Quotas or give the task definition a smaller cpu`,
      detail: raw,
      retryable: false,
    };
  }
  if (/^MISSING$/i.test(reason)) {
    return {
      reason:
        `ECS cannot find the cluster "${ctx.cluster}" or the task definition "${ctx.taskDefinition}" ` +
        `(MISSING): run the infrastructure step again or fix the infrastructure outputs`,
      detail: raw,
      retryable: false,
    };
  }
  if (/^(AGENT|ATTRIBUTE|INACTIVE)$/i.test(reason)) {
    return {
      reason: `ECS could not place a worker (${shorten(raw)}): check the cluster and the task definition`,
      detail: raw,
      retryable: false,
    };
  }
  return {
    reason: `ECS did not start a worker (${shorten(raw)}): check the cluster and the task definition`,
    detail: raw,
    retryable: false,
  };
}

/** Turns an error thrown by RunTask (or DescribeTasks) into a kind and a sentence. */
export function classifyEcsError(error: unknown, ctx: FailureContext, operation: string): ClassifiedError {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    name?: string;
    code?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
    $retryable?: { throttling?: boolean };
  };
  const name = e.name ?? "Error";
  const message = errorMessage(error);
  const raw = `${name}: ${message}`;
  const status = e.$metadata?.httpStatusCode;
  if (
    THROTTLE_NAMES.has(name) ||
    e.$retryable?.throttling === true ||
    status === 429 ||
    /rate exceeded|request limit exceeded|throttl/i.test(message)
  ) {
    return {
      kind: "throttle",
      failure: {
        reason:
          `ECS kept throttling ${operation} in ${ctx.region}; the launch will be tried again, and if this ` +
          `persists lower cloud.max_workers or stop other callers of the ECS API in this account`,
        detail: raw,
        retryable: true,
      },
    };
  }
  if (CAPACITY_TEXT.test(message)) return { kind: "capacity", failure: capacityFailure(ctx, raw) };
  if (
    SERVER_NAMES.has(name) ||
    e.$fault === "server" ||
    (status !== undefined && status >= 500) ||
    (e.code !== undefined && NETWORK_CODES.has(e.code))
  ) {
    return {
      kind: "server",
      failure: {
        reason:
          `ECS failed to answer ${operation} in ${ctx.region} (${shorten(raw)}); the launch will be tried ` +
          `again, and if this persists check the AWS Health Dashboard and the network`,
        detail: raw,
        retryable: true,
      },
    };
  }
  return {
    kind: "fatal",
    failure: { reason: fatalReason(name, message, ctx, operation), detail: raw, retryable: false },
  };
}

function fatalReason(name: string, message: string, ctx: FailureContext, operation: string): string {
  const msg = shorten(message);
  if (name === "ClusterNotFoundException") {
    return (
      `the ECS cluster "${ctx.cluster}" does not exist in ${ctx.region}: run the infrastructure step ` +
      `again or fix "cluster" in the infrastructure outputs`
    );
  }
  if (name === "AccessDeniedException" || /not authorized|access ?denied/i.test(message)) {
    return (
      `these AWS credentials may not call ${operation} (${msg}): allow ecs:RunTask, ecs:DescribeTasks ` +
      `and iam:PassRole on the task and execution roles`
    );
  }
  if (/capacity provider/i.test(message)) {
    return (
      `the cluster "${ctx.cluster}" cannot use the ${ctx.spot ? "FARGATE_SPOT" : "FARGATE"} capacity ` +
      `provider (${msg}): associate FARGATE and FARGATE_SPOT with the cluster (the infrastructure step ` +
      `does) ${ctx.spot ? "or turn cloud.spot off" : ""}`.trimEnd()
    );
  }
  if (/task ?definition/i.test(message)) {
    return (
      `ECS rejected the task definition "${ctx.taskDefinition}" (${msg}): run the infrastructure step ` +
      `again or fix "taskDefinition" in the infrastructure outputs`
    );
  }
  if (/subnet|security ?group|vpc|network/i.test(message)) {
    return (
      `ECS rejected the network configuration (${msg}): check "subnets" and "securityGroups" in the ` +
      `infrastructure outputs`
    );
  }
  if (name === "BlockedException") {
    return `the AWS account is blocked from running ECS tasks (${msg}): contact AWS Support`;
  }
  if (name === "ConflictException") {
    return (
      `ECS saw a RunTask client token reused with different parameters (${msg}): start the launch ` +
      `again with a new token`
    );
  }
  if (name === "PlatformUnknownException" || name === "PlatformTaskDefinitionIncompatibilityException") {
    return `ECS rejected the Fargate platform version (${msg}): check the task definition`;
  }
  return `${operation} failed (${name}: ${msg}): check the cluster, the task definition and the credentials`;
}

type CallOutcome =
  | { readonly ok: true; readonly tasks: readonly Task[]; readonly failures: readonly Failure[] }
  | { readonly ok: false; readonly error: ClassifiedError };

/** Why a stopped task ended, from its stop code, stopped reason and container exit code. */
export function classifyStoppedTask(
  task: Task,
  containerName?: string,
): { end: WorkerEnd; reason?: string; exitCode?: number } {
  const containers = task.containers ?? [];
  const container: Container | undefined =
    containers.find((c) => c.name === containerName) ??
    containers.find((c) => c.exitCode !== undefined) ??
    containers[0];
  const exitCode = container?.exitCode;
  const stopCode = task.stopCode ?? "";
  const stopped = task.stoppedReason ?? "";
  const containerReason = container?.reason ?? "";
  const text = [stopped, containerReason].filter((s) => s).join("; ");
  const reason = text || stopCode || undefined;
  const out = (end: WorkerEnd) => ({
    end,
    ...(reason === undefined ? {} : { reason }),
    ...(exitCode === undefined ? {} : { exitCode }),
  });

  if (stopCode === "SpotInterruption" || /\bspot\b/i.test(stopped)) return out("spot_interruption");
  if (/CannotPullContainerError|pull(ing)? (the )?image|image.*not found/i.test(text))
    return out("image_pull_failed");
  if (/ResourceInitializationError/i.test(text)) return out("resource_initialization_failed");
  if (/OutOfMemoryError|out of memory/i.test(text) || /\bOOM/.test(text)) return out("out_of_memory");
  // 137 is SIGKILL. It means the kernel's OOM killer unless ECS itself stopped the task (it sends
  // SIGTERM, then SIGKILL when the container outlives its stop timeout).
  const stoppedByEcs =
    stopCode === "UserInitiated" ||
    stopCode === "ServiceSchedulerInitiated" ||
    stopCode === "TerminationNotice";
  if (exitCode === 137 && !stoppedByEcs) return out("out_of_memory");
  if (exitCode === 0) return out("completed");
  if (stoppedByEcs) return out("stopped");
  return out("failed");
}

function workerStatus(lastStatus: string | undefined): WorkerState["status"] {
  switch (lastStatus) {
    case "STOPPED":
    case "DELETED":
      return "stopped";
    case "RUNNING":
    case "DEACTIVATING":
    case "STOPPING":
    case "DEPROVISIONING":
      // On the way out but still holding whatever it leased: stopped once ECS says STOPPED.
      return "running";
    default:
      // PROVISIONING, PENDING, ACTIVATING
      return "pending";
  }
}

export function createEcsLauncher(options: EcsLauncherOptions): EcsLauncher {
  const { infra, spot } = options;
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const callsPerSecond = options.callsPerSecond ?? 10;
  const maxAttempts = Math.max(1, Math.floor(options.maxAttempts ?? 6));
  if (!(callsPerSecond > 0)) throw new RangeError(`callsPerSecond must be positive, got ${callsPerSecond}`);
  const client =
    options.client ??
    new ECSClient({
      region: infra.region,
      // One attempt per send: retries happen here, paced and on the injected clock.
      maxAttempts: 1,
      requestHandler: awsRequestHandler(
        options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs },
      ),
    });
  const ctx: FailureContext = {
    spot,
    region: infra.region,
    cluster: infra.cluster,
    taskDefinition: infra.taskDefinition,
  };
  const pacer = createPacer(clock, callsPerSecond);
  const launchedAt = new Map<string, number>();
  const stats = {
    runTaskCalls: 0,
    runTaskRetries: 0,
    throttled: 0,
    serverErrors: 0,
    tasksRequested: 0,
    tasksStarted: 0,
    tasksFailed: 0,
    capacityRetries: 0,
    describeTasksCalls: 0,
  };

  function runTaskInput(count: number, clientToken: string, environment: Readonly<Record<string, string>>) {
    const input: RunTaskCommandInput = {
      cluster: infra.cluster,
      taskDefinition: infra.taskDefinition,
      count,
      clientToken,
      startedBy: STARTED_BY,
      // The task definition's tags (project, client...) on every worker, for per-client cost.
      propagateTags: "TASK_DEFINITION",
      capacityProviderStrategy: [{ capacityProvider: spot ? "FARGATE_SPOT" : "FARGATE", weight: 1 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: [...infra.subnets],
          securityGroups: [...infra.securityGroups],
          assignPublicIp: infra.assignPublicIp ? "ENABLED" : "DISABLED",
        },
      },
      overrides: {
        containerOverrides: [
          {
            name: infra.containerName,
            environment: Object.entries(environment).map(([name, value]) => ({ name, value })),
          },
        ],
      },
    };
    return input;
  }

  /** Sends `send` up to maxAttempts times, backing off on throttling and server errors. The first
   * attempt's pacing slot has been taken by the caller. */
  async function withRetries<T>(
    operation: string,
    send: () => Promise<T>,
    paced: boolean,
  ): Promise<{ ok: true; value: T } | { ok: false; error: ClassifiedError }> {
    let last: ClassifiedError | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        await clock.sleep(fullJitterDelay(attempt - 1, THROTTLE_BACKOFF, random));
        if (paced) await pacer.acquire();
      }
      const sentAt = clock.now();
      try {
        const value = await send();
        if (paced) pacer.succeeded();
        return { ok: true, value };
      } catch (error) {
        last = classifyEcsError(error, ctx, operation);
        if (last.kind === "throttle") {
          stats.throttled++;
          if (paced) pacer.throttled(sentAt);
        } else if (last.kind === "server") {
          stats.serverErrors++;
        } else {
          return { ok: false, error: last };
        }
      }
    }
    return { ok: false, error: last! };
  }

  async function runTask(
    count: number,
    clientToken: string,
    environment: Readonly<Record<string, string>>,
  ): Promise<CallOutcome> {
    const input = runTaskInput(count, clientToken, environment);
    let sends = 0;
    const result = await withRetries(
      "RunTask",
      () => {
        stats.runTaskCalls++;
        if (sends++ > 0) stats.runTaskRetries++;
        // The same input object every time: a retry must match the first call exactly, or ECS
        // answers a reused client token with ConflictException.
        return client.send(new RunTaskCommand(input));
      },
      true,
    );
    if (!result.ok) return result;
    return { ok: true, tasks: result.value.tasks ?? [], failures: result.value.failures ?? [] };
  }

  async function launch(request: LaunchWorkersRequest): Promise<LaunchWorkersResult> {
    if (!Number.isInteger(request.count) || request.count < 0) {
      throw new RangeError(`count must be a whole number >= 0, got ${request.count}`);
    }
    const started: LaunchedWorker[] = [];
    const failures = new Map<string, LaunchFailure>();
    const note = (f: LaunchFailure) => {
      if (!failures.has(f.reason)) failures.set(f.reason, f);
    };
    let remaining = request.count;
    let callIndex = 0;
    let capacityRound = 0;
    let notBefore = Number.NEGATIVE_INFINITY;
    let halted = false;
    const inFlight = new Set<Promise<void>>();

    const runOne = async (count: number, index: number): Promise<void> => {
      stats.tasksRequested += count;
      const outcome = await runTask(count, clientTokenFor(request.token, index), request.environment);
      let startedHere = 0;
      const reasons: LaunchFailure[] = [];
      if (outcome.ok) {
        for (const task of outcome.tasks) {
          if (!task.taskArn) continue;
          started.push({ id: task.taskArn });
          launchedAt.set(task.taskArn, clock.now());
          startedHere++;
        }
        for (const f of outcome.failures) reasons.push(describeRunTaskFailure(f, ctx));
        if (startedHere < count && reasons.length === 0) {
          reasons.push({
            reason: `ECS started ${startedHere} of ${count} workers without saying why; retrying with backoff`,
            detail: "RunTask returned fewer tasks than asked for and no failures",
            retryable: true,
          });
        }
      } else {
        reasons.push(outcome.error.failure);
      }
      stats.tasksStarted += startedHere;
      const shortfall = count - startedHere;
      if (shortfall === 0) return;
      stats.tasksFailed += shortfall;
      for (const r of reasons) note(r);
      const retryable = reasons.every((r) => r.retryable);
      const capacity = outcome.ok || outcome.error.kind === "capacity";
      if (!retryable) {
        // A quota or configuration problem: further calls would fail the same way.
        halted = true;
        return;
      }
      if (capacity && capacityRound < maxAttempts - 1 && !halted) {
        // Ask again in a later call (new client token), after a backoff that concurrent
        // shortfalls share rather than stack.
        remaining += shortfall;
        stats.capacityRetries += shortfall;
        if (clock.now() >= notBefore) {
          capacityRound++;
          notBefore = clock.now() + fullJitterDelay(capacityRound, CAPACITY_BACKOFF, random);
        }
      }
    };

    for (;;) {
      if (halted || remaining === 0) {
        if (inFlight.size === 0) break;
        await Promise.race(inFlight);
        continue;
      }
      const wait = notBefore - clock.now();
      if (wait > 0) {
        await clock.sleep(wait);
        continue;
      }
      await pacer.acquire();
      if (halted || remaining === 0 || clock.now() < notBefore) continue;
      const count = Math.min(RUN_TASK_MAX_COUNT, remaining);
      remaining -= count;
      const call: Promise<void> = runOne(count, callIndex++).finally(() => inFlight.delete(call));
      inFlight.add(call);
    }
    // Failures explain workers that were not started; ones overcome by a later call are dropped.
    return { started, failures: started.length < request.count ? [...failures.values()] : [] };
  }

  /** DescribeTasks of up to DESCRIBE_TASKS_MAX tasks. */
  async function describeTasks(group: string[]): Promise<DescribeTasksCommandOutput> {
    const result = await withRetries(
      "DescribeTasks",
      () => {
        stats.describeTasksCalls++;
        return client.send(new DescribeTasksCommand({ cluster: infra.cluster, tasks: group }));
      },
      false,
    );
    if (!result.ok) throw new Error(result.error.failure.reason, { cause: result.error.failure.detail });
    return result.value;
  }

  async function describe(ids: readonly string[]): Promise<WorkerState[]> {
    const unique = [...new Set(ids)];
    const byId = new Map<string, WorkerState>();
    for (let i = 0; i < unique.length; i += DESCRIBE_TASKS_MAX) {
      const group = unique.slice(i, i + DESCRIBE_TASKS_MAX);
      const described = await describeTasks(group);
      const match = (arn: string | undefined) =>
        arn === undefined ? undefined : group.find((id) => id === arn || arn.endsWith(`/${id}`));
      for (const task of described.tasks ?? []) {
        const id = match(task.taskArn);
        if (id === undefined) continue;
        const status = workerStatus(task.lastStatus);
        if (status !== "stopped") {
          byId.set(id, { id, status });
          continue;
        }
        launchedAt.delete(id);
        byId.set(id, { id, status, ...classifyStoppedTask(task, infra.containerName) });
      }
      for (const failure of described.failures ?? []) {
        const id = match(failure.arn);
        if (id === undefined) continue;
        const since = launchedAt.get(id);
        if (failure.reason === "MISSING" && since !== undefined && clock.now() - since < MISSING_GRACE_MS) {
          // Just started: DescribeTasks may not see it yet.
          byId.set(id, { id, status: "pending" });
          continue;
        }
        launchedAt.delete(id);
        byId.set(id, {
          id,
          status: "stopped",
          end: "failed",
          reason:
            failure.reason === "MISSING"
              ? "ECS no longer knows this task (MISSING): it stopped more than an hour ago or never started"
              : `DescribeTasks failed for this task (${[failure.reason, failure.detail].filter((s) => s).join(": ")})`,
        });
      }
    }
    const out: WorkerState[] = [];
    for (const id of unique) {
      const state = byId.get(id);
      // Neither described nor reported as a failure: say nothing definite about it.
      out.push(state ?? { id, status: "pending" });
    }
    return out;
  }

  /** Tasks started by modelfleet for this queue (the run set's), not told to stop. */
  async function list(): Promise<string[]> {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await withRetries(
        "ListTasks",
        () =>
          client.send(
            new ListTasksCommand({
              cluster: infra.cluster,
              startedBy: STARTED_BY,
              desiredStatus: "RUNNING",
              ...(nextToken ? { nextToken } : {}),
            }),
          ),
        false,
      );
      if (!page.ok) throw new Error(page.error.failure.reason, { cause: page.error.failure.detail });
      arns.push(...(page.value.taskArns ?? []));
      nextToken = page.value.nextToken;
    } while (nextToken);
    const ours: string[] = [];
    for (let i = 0; i < arns.length; i += DESCRIBE_TASKS_MAX) {
      for (const task of (await describeTasks(arns.slice(i, i + DESCRIBE_TASKS_MAX))).tasks ?? []) {
        if (task.taskArn && workerStatus(task.lastStatus) !== "stopped" && isForQueue(task, infra.queueUrl)) {
          ours.push(task.taskArn);
        }
      }
    }
    return ours;
  }

  async function stop(ids: readonly string[], reason: string) {
    const told: string[] = [];
    const failures: Array<{ id: string; reason: string }> = [];
    for (const id of ids) {
      await pacer.acquire();
      const result = await withRetries(
        "StopTask",
        () =>
          client.send(
            new StopTaskCommand({ cluster: infra.cluster, task: id, reason: reason.slice(0, 255) }),
          ),
        true,
      );
      if (result.ok) told.push(id);
      else failures.push({ id, reason: result.error.failure.reason });
    }
    return { told, failures };
  }

  return {
    launch,
    describe,
    list,
    stop,
    stats: () => ({ ...stats, callsPerSecond: pacer.rate() }),
  };
}

/** Whether a task was started for this queue (the launcher sets the queue URL on every worker). */
function isForQueue(task: Task, queueUrl: string): boolean {
  return (task.overrides?.containerOverrides ?? []).some((c) =>
    (c.environment ?? []).some((e) => e.name === AGENT_ENV.queueUrl && e.value === queueUrl),
  );
}
