import { describe, expect, it } from "vitest";
import type { Clock } from "../engine/clock.ts";
import type { Running, RunSetStatus } from "./cli-state.ts";
import { followRunSet } from "./follow.ts";

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

const about = {
  project: "demo",
  scenario: "base",
  run: "r1",
  tasks: [],
  cost: { spent: { tasks: 0, taskHours: 0, vcpuHours: 0, gbHours: 0, cost: 0, prices: undefined } },
};
const running = (done: number): Running => ({
  state: "running",
  ...about,
  text: `${done}/100`,
  queued: 100,
  pending: 100 - done,
  queue: { visible: 100 - done - 10, inFlight: 10 },
  regions: [],
});
const stopped: RunSetStatus = { state: "stopped", ...about, text: "stopped by modelfleet stop" };

function looks(states: RunSetStatus[]) {
  let i = 0;
  return async () => states[Math.min(i++, states.length - 1)]!;
}

const done = (s: Running) => s.queued - s.pending;

describe("followRunSet", () => {
  it("publishes progress at most every interval and ends when the run set settles", async () => {
    const published: number[] = [];
    const result = await followRunSet({
      look: looks([running(0), running(10), running(20), running(30), running(40), stopped]),
      publishProgress: async (s) => void published.push(done(s)),
      clock: steppingClock(),
      pollMs: 30_000,
      progressEveryMs: 60_000,
      deadline: Number.POSITIVE_INFINITY,
    });
    expect(result.end).toEqual({ kind: "settled", state: stopped });
    // Looks every 30 s, edits every minute: 0, 20, 40.
    expect(published).toEqual([0, 20, 40]);
    expect(result.history.map((h) => h.done)).toEqual([0, 10, 20, 30, 40]);
  });

  it("hands over before the job's time is up, with the last look", async () => {
    const clock = steppingClock();
    const result = await followRunSet({
      look: looks([running(5)]),
      publishProgress: async () => {},
      clock,
      pollMs: 60_000,
      progressEveryMs: 60_000,
      deadline: clock.now() + 5 * 60_000,
    });
    expect(result.end).toEqual({ kind: "handed-over", state: running(5) });
    expect(result.history).toHaveLength(5);
  });

  it("takes what is already known as its first look, and carries on an earlier job's history and publishing time", async () => {
    const clock = steppingClock();
    const published: number[] = [];
    let looked = 0;
    const result = await followRunSet({
      first: running(50),
      look: async () => {
        looked++;
        return stopped;
      },
      publishProgress: async (s) => void published.push(done(s)),
      clock,
      pollMs: 1000,
      progressEveryMs: 60_000,
      deadline: Number.POSITIVE_INFINITY,
      history: [{ at: "2026-03-14T08:59:00Z", done: 40 }],
      lastPublished: clock.now() - 1000,
    });
    expect(looked).toBe(1);
    expect(published).toEqual([]);
    expect(result.history.map((h) => h.done)).toEqual([40, 50]);
    expect(result.end).toEqual({ kind: "settled", state: stopped });
  });
});
