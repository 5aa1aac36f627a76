import { describe, expect, it } from "vitest";
import { createFakeClock } from "./fake-clock.ts";
import { createMemoryQueue } from "./memory-queue.ts";
import { LeaseLostError } from "./work-queue.ts";

const V = 1000;

/** Lets pending promise continuations run. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("memory queue", () => {
  it("hands items out in the order they were enqueued", async () => {
    const q = createMemoryQueue<string>({ clock: createFakeClock() });
    await q.enqueue(["a", "b"]);
    await q.enqueue(["c"]);
    const got: string[] = [];
    for (let lease = await q.lease({ visibilityMs: V }); lease; lease = await q.lease({ visibilityMs: V })) {
      got.push(lease.item);
      expect(lease.receiveCount).toBe(1);
    }
    expect(got).toEqual(["a", "b", "c"]);
  });

  it("counts waiting and leased items, and forgets acked ones", async () => {
    const q = createMemoryQueue<number>({ clock: createFakeClock() });
    await q.enqueue([1, 2, 3]);
    const lease = (await q.lease({ visibilityMs: V }))!;
    expect(await q.counts()).toEqual({ visible: 2, inFlight: 1 });
    await q.ack(lease);
    expect(await q.counts()).toEqual({ visible: 2, inFlight: 0 });
  });

  it("makes an item visible again when its lease lapses, with a new handle", async () => {
    const clock = createFakeClock();
    const q = createMemoryQueue<string>({ clock });
    await q.enqueue(["a"]);
    const first = (await q.lease({ visibilityMs: V }))!;
    expect(await q.lease({ visibilityMs: V })).toBeUndefined();
    await clock.advance(V - 1);
    expect(await q.lease({ visibilityMs: V })).toBeUndefined();
    await clock.advance(1);
    expect(await q.counts()).toEqual({ visible: 1, inFlight: 0 });
    const second = (await q.lease({ visibilityMs: V }))!;
    expect(second.item).toBe("a");
    expect(second.receiveCount).toBe(2);
    expect(second.handle).not.toBe(first.handle);
  });

  it("keeps an item leased while heartbeats extend it", async () => {
    const clock = createFakeClock();
    const q = createMemoryQueue<string>({ clock });
    await q.enqueue(["a"]);
    const lease = (await q.lease({ visibilityMs: V }))!;
    for (let i = 0; i < 5; i++) {
      await clock.advance(V - 100);
      await q.heartbeat(lease, V);
    }
    expect(await q.counts()).toEqual({ visible: 0, inFlight: 1 });
    await clock.advance(V);
    expect(await q.counts()).toEqual({ visible: 1, inFlight: 0 });
  });

  it("rejects a heartbeat after the lease lapsed or was acked", async () => {
    const clock = createFakeClock();
    const q = createMemoryQueue<string>({ clock });
    await q.enqueue(["a", "b"]);
    const lapsed = (await q.lease({ visibilityMs: V }))!;
    const acked = (await q.lease({ visibilityMs: 10 * V }))!;
    await q.ack(acked);
    await expect(q.heartbeat(acked, V)).rejects.toBeInstanceOf(LeaseLostError);
    await clock.advance(V);
    await expect(q.heartbeat(lapsed, V)).rejects.toThrow(`lease ${lapsed.handle} lapsed`);
  });

  it("ignores ack and release of a lapsed lease, leaving the new lease alone", async () => {
    const clock = createFakeClock();
    const q = createMemoryQueue<string>({ clock });
    await q.enqueue(["a"]);
    const old = (await q.lease({ visibilityMs: V }))!;
    await clock.advance(V);
    await q.ack(old);
    expect(await q.counts()).toEqual({ visible: 1, inFlight: 0 });
    const current = (await q.lease({ visibilityMs: V }))!;
    await q.ack(old);
    await q.release(old);
    expect(await q.counts()).toEqual({ visible: 0, inFlight: 1 });
    await q.heartbeat(current, V);
  });

  it("returns a released item at once or after its delay, counting the receive", async () => {
    const clock = createFakeClock();
    const q = createMemoryQueue<string>({ clock });
    await q.enqueue(["a", "b"]);
    const a = (await q.lease({ visibilityMs: V }))!;
    await q.release(a);
    expect((await q.lease({ visibilityMs: V }))!.item).toBe("b");
    const again = (await q.lease({ visibilityMs: V }))!;
    expect(again).toMatchObject({ item: "a", receiveCount: 2 });
    await q.release(again, 500);
    expect(await q.counts()).toEqual({ visible: 1, inFlight: 1 });
    expect(await q.lease({ visibilityMs: V })).toBeUndefined();
    await clock.advance(500);
    expect(await q.lease({ visibilityMs: V })).toMatchObject({ item: "a", receiveCount: 3 });
  });

  it("moves an item to the dead letters instead of a receive beyond maxReceiveCount", async () => {
    const clock = createFakeClock();
    const redriven: [string, number][] = [];
    const q = createMemoryQueue<string>({
      clock,
      maxReceiveCount: 2,
      onDeadLetter: (item, count) => redriven.push([item, count]),
    });
    await q.enqueue(["a", "b"]);
    expect((await q.lease({ visibilityMs: V }))!.item).toBe("a");
    await clock.advance(V);
    const b = (await q.lease({ visibilityMs: 2 * V }))!;
    expect((await q.lease({ visibilityMs: V }))!).toMatchObject({ item: "a", receiveCount: 2 });
    await clock.advance(V);
    expect(await q.lease({ visibilityMs: V })).toBeUndefined();
    expect(redriven).toEqual([["a", 2]]);
    expect(q.deadLetters()).toEqual(["a"]);
    await q.ack(b);
    expect(await q.counts()).toEqual({ visible: 0, inFlight: 0 });
  });

  it("rejects a maxReceiveCount below 1", () => {
    expect(() => createMemoryQueue({ maxReceiveCount: 0 })).toThrow("maxReceiveCount must be a whole number");
  });

  describe("long polling", () => {
    it("wakes a waiting lease when an item is enqueued", async () => {
      const clock = createFakeClock();
      const q = createMemoryQueue<string>({ clock });
      const pending = q.lease({ visibilityMs: V, waitMs: 20_000 });
      await tick();
      expect(clock.pendingSleeps()).toBe(1);
      await q.enqueue(["a"]);
      expect(await pending).toMatchObject({ item: "a", receiveCount: 1 });
      expect(clock.pendingSleeps()).toBe(0);
      expect(clock.now()).toBe(0);
    });

    it("wakes a waiting lease when an item is released", async () => {
      const clock = createFakeClock();
      const q = createMemoryQueue<string>({ clock });
      await q.enqueue(["a"]);
      const held = (await q.lease({ visibilityMs: 60_000 }))!;
      const pending = q.lease({ visibilityMs: V, waitMs: 20_000 });
      await tick();
      await q.release(held);
      expect(await pending).toMatchObject({ item: "a", receiveCount: 2 });
    });

    it("wakes a waiting lease when another lease lapses or a delay ends", async () => {
      const clock = createFakeClock();
      const q = createMemoryQueue<string>({ clock });
      await q.enqueue(["a", "b"]);
      await q.lease({ visibilityMs: 5000 });
      await q.release((await q.lease({ visibilityMs: 5000 }))!, 3000);
      const pending = q.lease({ visibilityMs: 60_000, waitMs: 20_000 });
      await clock.advance(3000);
      expect(await pending).toMatchObject({ item: "b", receiveCount: 2 });
      const next = q.lease({ visibilityMs: V, waitMs: 20_000 });
      await clock.advance(2000);
      expect(await next).toMatchObject({ item: "a", receiveCount: 2 });
      expect(clock.now()).toBe(5000);
    });

    it("gives up after waitMs", async () => {
      const clock = createFakeClock();
      const q = createMemoryQueue<string>({ clock });
      let settled = false;
      const pending = q.lease({ visibilityMs: V, waitMs: 20_000 }).finally(() => {
        settled = true;
      });
      await clock.advance(19_999);
      expect(settled).toBe(false);
      await clock.advance(1);
      expect(await pending).toBeUndefined();
      expect(clock.pendingSleeps()).toBe(0);
    });

    it("stops waiting when the signal aborts", async () => {
      const clock = createFakeClock();
      const q = createMemoryQueue<string>({ clock });
      const abort = new AbortController();
      const pending = q.lease({ visibilityMs: V, waitMs: 20_000, signal: abort.signal });
      await tick();
      abort.abort();
      expect(await pending).toBeUndefined();
      expect(clock.pendingSleeps()).toBe(0);
      await q.enqueue(["a"]);
      expect(await q.lease({ visibilityMs: V, signal: abort.signal })).toBeUndefined();
      expect(await q.counts()).toEqual({ visible: 1, inFlight: 0 });
    });

    it("gives each item to one of several waiters", async () => {
      const clock = createFakeClock();
      const q = createMemoryQueue<number>({ clock });
      const waiting = [1, 2, 3].map(() => q.lease({ visibilityMs: 60_000, waitMs: 20_000 }));
      await tick();
      await q.enqueue([10, 20]);
      await clock.advance(20_000);
      const items = (await Promise.all(waiting)).map((lease) => lease?.item);
      expect(items.filter((i) => i !== undefined).sort()).toEqual([10, 20]);
      expect(items.filter((i) => i === undefined)).toHaveLength(1);
    });
  });

  it("handles 100,000 round trips with two workers and 10,000 queued items", async () => {
    const q = createMemoryQueue<number>();
    const total = 100_000;
    let next = 0;
    const refill = async () => {
      const batch: number[] = [];
      while (batch.length < 10_000 && next < total) batch.push(next++);
      await q.enqueue(batch);
    };
    await refill();
    let done = 0;
    const worker = async () => {
      for (;;) {
        const lease = await q.lease({ visibilityMs: 60_000 });
        if (!lease) {
          if (next >= total) return;
          await refill();
          continue;
        }
        await q.heartbeat(lease, 60_000);
        await q.ack(lease);
        done++;
      }
    };
    await Promise.all([worker(), worker()]);
    expect(done).toBe(total);
    expect(await q.counts()).toEqual({ visible: 0, inFlight: 0 });
  });
});
