// Progress figures from engine events: what runs, what is done, and what the ETA says.
import { describe, expect, it } from "vitest";
import { testResult } from "../../test/helpers/realisation-results.ts";
import type { EngineEvent } from "../engine/local-engine.ts";
import { ProgressTracker, progressBar, progressLine } from "./progress.ts";

const started = (id: string, worker: string, duplicate = false): EngineEvent => ({
  type: "started",
  id,
  worker,
  attempt: 1,
  duplicate,
});
const finished = (id: string, cpuSeconds: number | null = 1): EngineEvent => ({
  type: "finished",
  id,
  result: testResult(id, { cpuSeconds }),
  duplicate: false,
});
const failure = { kind: "infrastructure", reason: "workdir", message: "no space" } as const;

/** A tracker fed `events`, its clock at `seconds` when asked. */
function track(total: number, events: EngineEvent[], seconds = 10) {
  let now = 0;
  const tracker = new ProgressTracker(total, () => now);
  for (const e of events) tracker.on(e);
  now = seconds * 1000;
  return tracker.counts();
}

describe("ProgressTracker: running", () => {
  it("counts one model per worker while the previous one is still being published", () => {
    // Each worker starts its next model as soon as the last exits; results arrive later.
    const c = track(10, [
      started("1", "w1"),
      started("2", "w2"),
      started("3", "w1"),
      started("4", "w2"),
      started("5", "w1"),
      finished("1"),
      started("6", "w2"),
      finished("2"),
    ]);
    expect(c.running).toBe(2);
    expect(c.done).toBe(2);
  });
  it("a model that exited is not running while its outputs are read and published", () => {
    const exited = (id: string, worker: string): EngineEvent => ({
      type: "exited",
      id,
      worker,
      duplicate: false,
    });
    const c = track(10, [started("1", "w1"), started("2", "w2"), exited("1", "w1"), exited("2", "w2")]);
    expect(c.running).toBe(0);
    // a late exit of a model its worker has replaced does not end the new one
    const d = track(10, [started("1", "w1"), started("3", "w1"), exited("1", "w1")]);
    expect(d.running).toBe(1);
  });

  it("a retried realisation is not running until it starts again", () => {
    const retrying: EngineEvent = { type: "retrying", id: "1", attempt: 2, failure };
    expect(track(4, [started("1", "w1"), started("2", "w2"), retrying]).running).toBe(1);
    const c = track(4, [started("1", "w1"), retrying, started("1", "w2")]);
    expect(c).toMatchObject({ running: 1, retries: 1, done: 0 });
  });
  it("a duplicated straggler runs twice, and both copies end with its result", () => {
    const duplicated: EngineEvent = { type: "duplicated", id: "1", elapsedSeconds: 9, medianSeconds: 1 };
    expect(track(4, [started("1", "w1"), duplicated, started("1", "w2", true)]).running).toBe(2);
    expect(track(4, [started("1", "w1"), duplicated, started("1", "w2", true), finished("1")]).running).toBe(
      0,
    );
  });
  it("an abandoned realisation is not running", () => {
    const abandoned: EngineEvent = { type: "abandoned", id: "2", reason: "stopped before it finished" };
    expect(track(4, [started("1", "w1"), started("2", "w2"), abandoned]).running).toBe(1);
  });
});

describe("ProgressTracker: ETA and stopping", () => {
  it("estimates from the rate so far", () => {
    const c = track(10, [started("1", "w1"), finished("1"), started("2", "w1"), finished("2")], 10);
    expect(c.etaSeconds).toBe(40);
    expect(progressLine("demo/base", c)).toContain(", ETA 40s");
  });
  it("after a stop shows 'stopping' instead of an ETA that would only climb", () => {
    const c = track(10, [started("1", "w1"), finished("1"), { type: "stopping", graceMs: 10_000 }], 60);
    expect(c).toMatchObject({ stopping: true, etaSeconds: undefined });
    expect(progressLine("demo/base", c)).toBe(
      "demo/base: 1/10 done (10%), 0 failed, 0 running, 1m00s elapsed, stopping",
    );
    expect(progressBar("demo/base", c, 10)).toBe(
      "demo/base [█░░░░░░░░░] 1/10  ok 1  failed 0  running 0 stopping",
    );
  });
  it("a kill is a stop too", () => {
    expect(track(10, [{ type: "killing", running: 2 }]).stopping).toBe(true);
  });
  it("so is a results store that refuses a write: no new runs start", () => {
    const refused: EngineEvent = { type: "store_failed", id: "1", reason: "no space left" };
    const c = track(10, [started("1", "w1"), started("2", "w2"), refused]);
    expect(c).toMatchObject({ stopping: true, running: 1, etaSeconds: undefined });
  });
});

describe("ProgressTracker: model CPU", () => {
  it("adds the CPU of the results published now, measured ones only", () => {
    const c = track(3, [finished("1", 2.5), finished("2", null), finished("3", 4)]);
    expect(c.cpuSeconds).toBe(6.5);
  });
});
