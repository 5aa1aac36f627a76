// ECS task scale-in protection, set by a worker while it holds a realisation: a service that
// scales in stops only unprotected tasks, so a running model is never killed by scaling. The
// ECS agent serves the endpoint inside every task at `${ECS_AGENT_URI}/task-protection/v1/state`
// (PUT {"ProtectionEnabled":true,"ExpiresInMinutes":N}); protection lapses by itself after N
// minutes (at most 2,880), so a long model renews it. `stop` (StopTask) ignores protection.

/** ECS protects a task for at most 48 hours per request. */
export const MAX_PROTECTION_MINUTES = 2880;
/** Time beyond the model's timeout to kill it, read its outputs and publish. */
const PROTECTION_MARGIN_MINUTES = 10;

/** Minutes to protect a worker for a model with this timeout: the timeout and a margin, at
 * least 1, at most ECS's 2,880 (the worker renews it before then). */
export function protectionMinutes(timeoutSeconds: number): number {
  const minutes = Math.ceil(Math.max(0, timeoutSeconds) / 60) + PROTECTION_MARGIN_MINUTES;
  return Math.min(MAX_PROTECTION_MINUTES, Math.max(1, minutes));
}

/** When to renew protection of `minutes`: at half its time, so one failed renewal is not fatal. */
export function protectionRenewalMs(minutes: number): number {
  return (minutes * 60_000) / 2;
}

export interface TaskProtection {
  /** Protects this task for `minutes` from now (again, when already protected). */
  protect(minutes: number): Promise<void>;
  /** Ends the protection: the task may be scaled in. */
  release(): Promise<void>;
}

/** Outside ECS (ECS_AGENT_URI absent): nothing to protect. */
export const noTaskProtection: TaskProtection = {
  protect: async () => {},
  release: async () => {},
};

export interface AgentTaskProtectionOptions {
  /** The task's ECS_AGENT_URI. */
  readonly agentUri: string;
  readonly fetch?: typeof fetch;
  /** How long a call may take (default 5 s). */
  readonly timeoutMs?: number;
}

/** Protection through the ECS agent's endpoint; an error says what the agent answered. */
export function createAgentTaskProtection(options: AgentTaskProtectionOptions): TaskProtection {
  const send = options.fetch ?? fetch;
  const url = `${options.agentUri.replace(/\/+$/, "")}/task-protection/v1/state`;
  const put = async (body: Record<string, unknown>) => {
    const response = await send(url, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
    });
    const text = await response.text();
    let answer: {
      failure?: { Reason?: string; Detail?: string };
      error?: { Code?: string; Message?: string };
    } = {};
    try {
      answer = text === "" ? {} : JSON.parse(text);
    } catch {
      // not JSON: judged by the status alone
    }
    const problem = answer.failure
      ? [answer.failure.Reason, answer.failure.Detail].filter(Boolean).join(": ")
      : answer.error
        ? [answer.error.Code, answer.error.Message].filter(Boolean).join(": ")
        : response.ok
          ? undefined
          : `HTTP ${response.status} ${text.slice(0, 200)}`;
    if (problem !== undefined) {
      throw new Error(`the ECS agent refused task protection (${problem || "no reason given"})`);
    }
  };
  return {
    protect: (minutes) =>
      put({
        ProtectionEnabled: true,
        ExpiresInMinutes: Math.min(MAX_PROTECTION_MINUTES, Math.max(1, Math.ceil(minutes))),
      }),
    release: () => put({ ProtectionEnabled: false }),
  };
}

/** The task's protection, from its environment: a no-op outside ECS. */
export function taskProtectionFromEnvironment(env: NodeJS.ProcessEnv): TaskProtection {
  const agentUri = env.ECS_AGENT_URI;
  return agentUri ? createAgentTaskProtection({ agentUri }) : noTaskProtection;
}
