import { describe, expect, it } from "vitest";
import {
  createAgentTaskProtection,
  noTaskProtection,
  protectionMinutes,
  protectionRenewalMs,
  taskProtectionFromEnvironment,
} from "./task-protection.ts";

function recordingFetch(answer: { status?: number; body?: string } = {}) {
  const calls: Array<{ url: string; method?: string; headers?: unknown; body: unknown }> = [];
  const fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, method: init.method, headers: init.headers, body: JSON.parse(String(init.body)) });
    return new Response(answer.body ?? '{"protection":{"ProtectionEnabled":true}}', {
      status: answer.status ?? 200,
    });
  }) as unknown as typeof globalThis.fetch;
  return { fetch, calls };
}

describe("task scale-in protection", () => {
  it("protects for the model's timeout and a margin, at most ECS's 48 hours", () => {
    expect(protectionMinutes(20)).toBe(11);
    expect(protectionMinutes(7200)).toBe(130);
    expect(protectionMinutes(0)).toBe(10);
    expect(protectionMinutes(30 * 86400)).toBe(2880);
    expect(protectionRenewalMs(130)).toBe(65 * 60_000);
  });

  it("PUTs the state to the ECS agent's endpoint", async () => {
    const { fetch, calls } = recordingFetch();
    const protection = createAgentTaskProtection({ agentUri: "http://169.254.170.2/api/abc/", fetch });
    await protection.protect(130);
    await protection.protect(5000);
    await protection.release();
    expect(calls).toEqual([
      {
        url: "http://169.254.170.2/api/abc/task-protection/v1/state",
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: { ProtectionEnabled: true, ExpiresInMinutes: 130 },
      },
      expect.objectContaining({ body: { ProtectionEnabled: true, ExpiresInMinutes: 2880 } }),
      expect.objectContaining({ body: { ProtectionEnabled: false } }),
    ]);
  });

  it("says what the agent refused", async () => {
    const failure = recordingFetch({
      body: '{"failure":{"Arn":"arn:t/1","Reason":"TASK_NOT_VALID","Detail":"not part of a service"}}',
    });
    await expect(
      createAgentTaskProtection({ agentUri: "http://a", fetch: failure.fetch }).protect(5),
    ).rejects.toThrow("the ECS agent refused task protection (TASK_NOT_VALID: not part of a service)");
    const error = recordingFetch({
      status: 500,
      body: '{"error":{"Code":"ServerException","Message":"oops"}}',
    });
    await expect(
      createAgentTaskProtection({ agentUri: "http://a", fetch: error.fetch }).release(),
    ).rejects.toThrow("the ECS agent refused task protection (ServerException: oops)");
    const status = recordingFetch({ status: 403, body: "denied" });
    await expect(
      createAgentTaskProtection({ agentUri: "http://a", fetch: status.fetch }).release(),
    ).rejects.toThrow("the ECS agent refused task protection (HTTP 403 denied)");
  });

  it("does nothing outside ECS", async () => {
    expect(taskProtectionFromEnvironment({})).toBe(noTaskProtection);
    await expect(noTaskProtection.protect(5)).resolves.toBeUndefined();
  });
});
