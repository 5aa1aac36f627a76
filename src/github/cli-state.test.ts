import { describe, expect, it } from "vitest";
import { lastJsonObject, parseRunSetState } from "./cli-state.ts";

describe("parseRunSetState", () => {
  it("reads a running step of `watch --once --json`", () => {
    const out = `${JSON.stringify({
      project: "demo",
      scenario: "base",
      state: "running",
      run: "r1",
      queued: 200,
      pending: 150,
      queue: { visible: 120, inFlight: 30 },
      regions: [
        { region: "us-east-1", service: "s", desired: 20, running: 18, pending: 2, health: "ok" },
        { region: "eu-west-1", desired: 10, running: 9 },
      ],
    })}\n`;
    expect(parseRunSetState(lastJsonObject(out)!)).toEqual({
      kind: "running",
      runId: "r1",
      total: 200,
      done: 50,
      running: 30,
      waiting: 120,
      workers: 27,
      regions: [
        { region: "us-east-1", desired: 20, running: 18 },
        { region: "eu-west-1", desired: 10, running: 9 },
      ],
    });
  });

  it("reads the end of a complete `run --executor ecs --json` (printed over several lines)", () => {
    const counts = { realisations: 200, ok: 197, failedModel: 2, failedInfrastructure: 1, notRun: 0 };
    const out = `noise\n${JSON.stringify({ project: "demo", scenario: "base", realisations: 200, counts, alerts: [] }, null, 2)}\n`;
    expect(parseRunSetState(lastJsonObject(out)!)).toEqual({ kind: "finished", counts, alerts: [] });
  });

  it("reads a client that ended while the run set goes on, and a settled watch", () => {
    expect(
      parseRunSetState({
        project: "demo",
        scenario: "base",
        realisations: 200,
        done: 80,
        pending: 120,
        ended: "client-stopped",
      }),
    ).toMatchObject({
      kind: "ended",
      state: "client-stopped",
      goesOn: true,
      text: expect.stringContaining("80 of 200"),
    });
    expect(parseRunSetState({ state: "failed" })).toMatchObject({
      kind: "ended",
      state: "failed",
      goesOn: false,
    });
    expect(parseRunSetState({ state: "finished", counts: { ok: 1 } })).toMatchObject({ kind: "finished" });
  });

  it("finds no object in output without one", () => {
    expect(lastJsonObject("error: no such file\n")).toBeUndefined();
  });
});
