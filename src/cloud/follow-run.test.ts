import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testResult } from "../../test/helpers/realisation-results.ts";
import { createFakeClock } from "../engine/fake-clock.ts";
import { createFsResultStore } from "../store/fs-store.ts";
import type { ResultStore } from "../store/result-store.ts";
import { createRunFollower } from "./follow-run.ts";
import type { RunManifest } from "./run-manifest.ts";

const runSet = { project: "demo", scenario: "base" };
const ids = Array.from({ length: 40 }, (_, i) => `r${i}`);
const RUN = "run-2";

/** The store, counting the result.json files read one by one and the full listings. */
function counting(store: ResultStore) {
  const reads = { gets: 0, lists: 0 };
  const counted: ResultStore = Object.create(store);
  counted.getResult = (ref, id) => {
    reads.gets++;
    return store.getResult(ref, id);
  };
  counted.listResults = (ref) => {
    reads.lists++;
    return store.listResults(ref);
  };
  return { store: counted, reads };
}

describe("following a run set reads only the results that are new", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(tmpdir(), "mf-follow-"));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const publish = async (store: ResultStore, from: number, to: number, attempt?: string) => {
    for (const id of ids.slice(from, to)) {
      const r = testResult(id);
      await store.publishResult({ ...r, key: `k-${id}`, ...(attempt ? { attempt } : {}) });
    }
  };

  const follower = (store: ResultStore, manifest: RunManifest) =>
    createRunFollower({
      runSet,
      store,
      readRecord: async () => undefined,
      run: { id: RUN, record: "runs/record.json" },
      manifest,
      deadLetters: async () => [],
      queue: { counts: async () => ({ visible: 1, inFlight: 0 }) },
      fleets: [],
      maxWorkers: 2,
      startedAt: 0,
      clock: createFakeClock(0),
    });

  it("per poll, and in a later follower (a new watch) by the progress the last one saved", async () => {
    const fs = createFsResultStore(root);
    // r0..r9 have a result from an earlier run this run queued again: not news, read once.
    await publish(fs, 0, 10, "earlier");
    const manifest: RunManifest = {
      schema: 1,
      run: RUN,
      generation: 2,
      queued: ids.map((id, i) => [id, `k-${id}`, i < 10 ? "earlier" : null] as const),
    };
    const { store, reads } = counting(fs);
    const first = follower(store, manifest);
    expect((await first.step()).published).toBe(0);
    expect(reads.gets).toBe(10);

    await publish(fs, 10, 25);
    const second = await first.step();
    expect(second.published).toBe(15);
    expect(second.pending.size).toBe(25);
    expect(reads.gets).toBe(25);

    // Nothing new: nothing read.
    await first.step();
    expect(reads.gets).toBe(25);
    expect(reads.lists).toBe(0);

    // A watch started later reads neither the 15 it counted nor the 10 stale ones again.
    const later = counting(fs);
    await publish(fs, 25, 30);
    const resumed = await follower(later.store, manifest).step();
    expect(resumed.published).toBe(20);
    expect([...resumed.pending.keys()].sort()).toEqual([...ids.slice(0, 10), ...ids.slice(30)].sort());
    expect(later.reads.gets).toBe(5);

    // A stale result replaced by this run's is read again and counted.
    await fs.publishResult(
      { ...testResult("r3"), key: "k-r3", attempt: "this-run" },
      { replaces: "earlier" },
    );
    const after = await follower(later.store, manifest).step();
    expect(after.published).toBe(21);
    expect(after.pending.has("r3")).toBe(false);
    expect(later.reads.gets).toBe(6);
  });

  it("does not trust a saved progress of another run", async () => {
    const fs = createFsResultStore(root);
    await publish(fs, 0, 5);
    const queued = ids.map((id) => [id, `k-${id}`, null] as const);
    await follower(fs, { schema: 1, run: RUN, generation: 1, queued }).step();
    // The next run queues the same ids with new keys: the saved progress of run-2 is not its.
    const next = createRunFollower({
      runSet,
      store: fs,
      readRecord: async () => undefined,
      run: { id: "run-3", record: "runs/record.json" },
      manifest: { schema: 1, run: "run-3", generation: 2, queued: ids.map((id) => [id, `k2-${id}`, null]) },
      deadLetters: async () => [],
      queue: { counts: async () => ({ visible: 1, inFlight: 0 }) },
      fleets: [],
      maxWorkers: 2,
      startedAt: 0,
      clock: createFakeClock(0),
    });
    const step = await next.step();
    expect(step.published).toBe(0);
    expect(step.pending.size).toBe(40);
  });
});
