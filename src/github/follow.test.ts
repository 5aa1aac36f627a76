import { describe, expect, it } from "vitest";
import type { Clock } from "../engine/clock.ts";
import type { RunSetState } from "./cli-state.ts";
import { followRunSet, type Running } from "./follow.ts";

/** Time moves only when the code under test sleeps. */
function steppingClock(start = Date.parse("2026-03-14T09:00:00Z")): Clock {
  let t = start;
  return {
    now: () => t,
    sleep: async (ms) => {
      t += ms;
    },
  };
}

const running = (done: number): Running => ({
  kind: "running",
  total: 100,
  done,
  running: 10,
  waiting: 100 - done - 10,
  workers: 10,
  regions: [],
});

function looks(states: RunSetState[]) {
  let i = 0;
  return async () => states[Math.min(i++, states.length - 1)]!;
}

describe("followRunSet", () => {
  it("publishes progress at most every interval and ends when the run set settles", async () => {
    const published: number[] = [];
    const result = await followRunSet({
      look: looks([running(0), running(10), running(20), running(30), running(40), { kind: "finished" }]),
      publishProgress: async (s) => void published.push(s.done),
      clock: steppingClock(),
      pollMs: 30_000,
      progressEveryMs: 60_000,
      deadline: Number.POSITIVE_INFINITY,
    });
    expect(result.end).toEqual({ kind: "settled", state: { kind: "finished" } });
    // Looks every 30 s, edits every minute: 0, 20, 40.
    expect(published).toEqual([0, 20, 40]);
    expect(result.history.map((h) => h.done)).toEqual([0, 10, 20, 30, 40]);
  });

  it("hands over before the job's time is up, ending the client it started", async () => {
    const clock = steppingClock();
    let stopped = 0;
    const result = await followRunSet({
      look: looks([running(5)]),
      client: { done: new Promise(() => {}), stop: () => void stopped++ },
      publishProgress: async () => {},
      clock,
      pollMs: 60_000,
      progressEveryMs: 60_000,
      deadline: clock.now() + 5 * 60_000,
    });
    expect(result.end.kind).toBe("handed-over");
    expect(stopped).toBe(1);
    expect(result.history).toHaveLength(5);
  });

  it("carries on an earlier job's history and publishing time", async () => {
    const clock = steppingClock();
    const published: number[] = [];
    const result = await followRunSet({
      look: looks([running(50), { kind: "ended", state: "stopped", text: "stopped", goesOn: false }]),
      publishProgress: async (s) => void published.push(s.done),
      clock,
      pollMs: 1000,
      progressEveryMs: 60_000,
      deadline: Number.POSITIVE_INFINITY,
      history: [{ at: "2026-03-14T08:59:00Z", done: 40 }],
      lastPublished: clock.now() - 1000,
    });
    expect(published).toEqual([]);
    expect(result.history.map((h) => h.done)).toEqual([40, 50]);
    expect(result.end).toMatchObject({ kind: "settled", state: { state: "stopped" } });
  });

  it("takes the client's own end when it settles the run set", async () => {
    let resolveClient: (s: RunSetState) => void = () => {};
    const client = { done: new Promise<RunSetState>((r) => (resolveClient = r)), stop: () => {} };
    let n = 0;
    const result = await followRunSet({
      look: async () => {
        if (++n === 2)
          resolveClient({
            kind: "finished",
            counts: { realisations: 1, ok: 1, failedModel: 0, failedInfrastructure: 0, notRun: 0 } as never,
          });
        return running(n);
      },
      client,
      publishProgress: async () => {},
      clock: steppingClock(),
      pollMs: 1000,
      progressEveryMs: 1000,
      deadline: Number.POSITIVE_INFINITY,
    });
    expect(result.end).toMatchObject({ kind: "settled", state: { kind: "finished" } });
  });
});
