// The cloud worker loop with an in-memory queue and objects: what it does before it runs a
// realisation. (Running and publishing: test/fake-cloud/.)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { WorkMessage } from "../cloud/cloud-config.ts";
import type { RunRecord } from "../cloud/run-record.ts";
import { createMemoryQueue } from "../engine/memory-queue.ts";
import type { ResultStore } from "../store/result-store.ts";
import { type AgentEvent, type ObjectSource, runAgent } from "./cloud-agent.ts";

let workRoot: string;
beforeEach(async () => {
  workRoot = await mkdtemp(join(tmpdir(), "mf-agent-"));
});
afterEach(async () => {
  await rm(workRoot, { recursive: true, force: true });
});

const RECORD_KEY = "p/s/current-run.json";
const party = {
  host: "h",
  pid: 9,
  command: "modelfleet stop s.yaml --executor ecs",
  at: "2030-01-01T00:00:00.000Z",
};

function message(id: string, run: string): WorkMessage {
  return {
    id,
    key: `k${id}`,
    runConfigKey: "p/s/runs/f.json",
    values: { x: 1 },
    run: { id: run, record: RECORD_KEY },
  };
}

function objectsWith(record: RunRecord): ObjectSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    getTextIfExists: async (key) => {
      reads.push(key);
      return key === RECORD_KEY ? JSON.stringify(record) : undefined;
    },
    getText: async (key) => {
      throw new Error(`${key} must not be fetched: the realisation must not run`);
    },
    download: async (key) => {
      throw new Error(`${key} must not be fetched: the realisation must not run`);
    },
  };
}

describe("runAgent before each realisation", () => {
  it("deletes, without running them, messages of a stopped run and of a replaced one, and idles out", async () => {
    const queue = createMemoryQueue<WorkMessage>();
    await queue.enqueue([message("1", "r1"), message("2", "r2")]);
    const record: RunRecord = {
      schema: 1,
      run: "r2",
      runConfigKey: "p/s/runs/f.json",
      image: "",
      started: { ...party, command: "modelfleet run s.yaml --executor ecs" },
      stopped: party,
    };
    const objects = objectsWith(record);
    const events: AgentEvent[] = [];
    const summary = await runAgent({
      queue,
      store: {} as ResultStore,
      objects,
      workRoot,
      idleMs: 300,
      worker: "w",
      stop: new AbortController().signal,
      onEvent: (e) => events.push(e),
    });
    expect(summary).toMatchObject({ received: 2, dropped: 2, published: 0, released: 0 });
    expect(events.filter((e) => e.type === "dropped")).toEqual([
      { type: "dropped", id: "1", why: expect.stringMatching(/^queued by an earlier run; the run started /) },
      {
        type: "dropped",
        id: "2",
        why: "its run was stopped 2030-01-01T00:00:00.000Z by `modelfleet stop s.yaml --executor ecs` (pid 9 on h)",
      },
    ]);
    expect(objects.reads).toEqual([RECORD_KEY, RECORD_KEY]);
    expect(await queue.counts()).toEqual({ visible: 0, inFlight: 0 });
    expect(events.at(-1)).toEqual({ type: "idle-exit", idleSeconds: 0.3 });
  });

  it("puts back a message it could not handle after a growing pause, not at once", async () => {
    const queue = createMemoryQueue<WorkMessage>();
    await queue.enqueue([message("1", "r1")]);
    const objects: ObjectSource = {
      getTextIfExists: async () => {
        throw new Error("S3 read of s3://b/p/s/current-run.json failed: SlowDown");
      },
      getText: async () => "",
      download: async () => {},
    };
    const events: AgentEvent[] = [];
    const summary = await runAgent({
      queue,
      store: {} as ResultStore,
      objects,
      workRoot,
      idleMs: 300,
      worker: "w",
      stop: new AbortController().signal,
      onEvent: (e) => events.push(e),
    });
    // Received once: the pause outlasts the worker's idle time.
    expect(summary).toMatchObject({ received: 1, released: 1 });
    expect(events).toContainEqual({
      type: "released",
      id: "1",
      why: "S3 read of s3://b/p/s/current-run.json failed: SlowDown; trying again in 5 s",
    });
    expect(await queue.counts()).toEqual({ visible: 1, inFlight: 0 });
  });
});

describe("runAgent under an ECS service", () => {
  const noObjects: ObjectSource = {
    getTextIfExists: async () => undefined,
    getText: async () => "",
    download: async () => {},
  };

  it("does not exit when idle while others hold realisations; sets its service to zero once the queue is empty", async () => {
    const queue = createMemoryQueue<WorkMessage>();
    await queue.enqueue([message("1", "r1")]);
    // Another worker holds the only realisation, for a while.
    const held = await queue.lease({ visibilityMs: 60_000 });
    const scaled: string[] = [];
    const protection = { calls: [] as string[] };
    const events: AgentEvent[] = [];
    setTimeout(() => void queue.ack(held!), 500);
    const summary = await runAgent({
      queue,
      store: {} as ResultStore,
      objects: noObjects,
      workRoot,
      idleMs: 200,
      worker: "w",
      stop: new AbortController().signal,
      service: {
        name: "base-workers",
        region: "us-west-2",
        scaleToZero: async () => {
          scaled.push("base-workers");
        },
      },
      protection: {
        protect: async (m) => void protection.calls.push(`protect ${m}`),
        release: async () => void protection.calls.push("release"),
      },
      onEvent: (e) => events.push(e),
    });
    expect(summary).toMatchObject({ received: 0, stoppedBySignal: false });
    expect(events).toContainEqual({
      type: "idle-waiting",
      why: "0 realisation(s) waiting and 1 held by other workers",
    });
    expect(events.at(-1)).toEqual({ type: "scaled-to-zero", service: "base-workers", idleSeconds: 0.2 });
    expect(events.some((e) => e.type === "idle-exit")).toBe(false);
    expect(scaled).toEqual(["base-workers"]);
    // It held no realisation, so it never asked for protection.
    expect(protection.calls).toEqual([]);
  });

  it("keeps waiting, and asks again, when its service cannot be scaled", async () => {
    const queue = createMemoryQueue<WorkMessage>();
    let tries = 0;
    const events: AgentEvent[] = [];
    await runAgent({
      queue,
      store: {} as ResultStore,
      objects: noObjects,
      workRoot,
      idleMs: 100,
      worker: "w",
      stop: new AbortController().signal,
      service: {
        name: "base-workers",
        region: "us-west-2",
        scaleToZero: async () => {
          if (++tries === 1) throw new Error("not authorized to perform ecs:UpdateService");
        },
      },
      onEvent: (e) => events.push(e),
    });
    expect(tries).toBe(2);
    expect(events).toContainEqual({
      type: "idle-waiting",
      why: "could not set base-workers to zero: not authorized to perform ecs:UpdateService",
    });
  });
});
