// The in-memory work queue of the local engine, with the semantics of SQS so the engine
// behaves the same locally and in the cloud: leases that lapse unless extended, receive
// counts, redrive to a dead-letter list after maxReceiveCount receives, and long polling.
//
// Every operation is O(log n): visible items sit in a FIFO, and leased and delayed items
// in min-heaps keyed by the time they become visible again. Lapsed leases are found
// lazily, whenever the queue is used; a timer runs only while a lease() call waits.
import { type Clock, systemClock } from "./clock.ts";
import { type Lease, LeaseLostError, type WorkQueue } from "./work-queue.ts";

export interface MemoryQueueOptions<T> {
  clock?: Clock;
  /** Receives allowed per item; the next one sends it to the dead-letter list instead.
   * Unlimited when absent. */
  maxReceiveCount?: number;
  /** Called when an item is moved to the dead-letter list, with the receives it had. */
  onDeadLetter?: (item: T, receiveCount: number) => void;
}

export type MemoryQueue<T> = WorkQueue<T> & {
  /** Items that were received maxReceiveCount times without being acked, oldest first. */
  deadLetters(): T[];
};

interface Entry<T> {
  readonly item: T;
  readonly seq: number;
  receiveCount: number;
  /** The handle of the current lease; undefined while not leased. */
  handle: string | undefined;
  /** When a leased or delayed entry becomes visible again. */
  visibleAt: number;
  /** Position in the heap holding the entry, -1 when in none. */
  heapIndex: number;
}

/**
 * Creates an in-memory queue.
 *
 * Choices where SQS leaves room: ack() and release() with a lease that has lapsed return
 * quietly and change nothing (SQS standard queues accept an old receipt handle and "might
 * not" delete; FIFO queues reject it; the cloud queue should swallow that error), so the
 * item is delivered again. A lapsed lease counts as a receive, as in SQS, and release()
 * does not undo one. Items released with a delay count as `visible` (waiting to be leased)
 * in counts(). A lease() whose signal aborts resolves to undefined rather than rejecting.
 * An exception thrown by onDeadLetter reaches the lease() call that triggered it; the item
 * is already on the dead-letter list by then.
 */
export function createMemoryQueue<T>(options: MemoryQueueOptions<T> = {}): MemoryQueue<T> {
  const clock = options.clock ?? systemClock;
  const maxReceiveCount = options.maxReceiveCount;
  if (maxReceiveCount !== undefined && !(Number.isInteger(maxReceiveCount) && maxReceiveCount >= 1)) {
    throw new RangeError(`maxReceiveCount must be a whole number of at least 1, not ${maxReceiveCount}`);
  }

  const visible = new Fifo<Entry<T>>();
  const leased = new EntryHeap<T>();
  const delayed = new EntryHeap<T>();
  const byHandle = new Map<string, Entry<T>>();
  const dead: T[] = [];
  const waiters = new Set<() => void>();
  let seq = 0;

  /** Moves leases that lapsed and delays that ended to the visible FIFO, earliest first. */
  function settle(now: number): void {
    for (;;) {
      const l = leased.peek();
      const d = delayed.peek();
      const lapsed = l !== undefined && l.visibleAt <= now;
      const due = d !== undefined && d.visibleAt <= now;
      if (!lapsed && !due) return;
      if (lapsed && (!due || l.visibleAt <= d.visibleAt)) {
        leased.pop();
        byHandle.delete(l.handle!);
        l.handle = undefined;
        visible.push(l);
      } else {
        visible.push(delayed.pop()!);
      }
    }
  }

  function wakeWaiters(): void {
    for (const wake of waiters) wake();
  }

  /** The next visible entry that may still be received, dead-lettering the rest. */
  function takeVisible(): Entry<T> | undefined {
    for (;;) {
      const entry = visible.shift();
      if (!entry) return undefined;
      if (maxReceiveCount === undefined || entry.receiveCount < maxReceiveCount) return entry;
      dead.push(entry.item);
      options.onDeadLetter?.(entry.item, entry.receiveCount);
    }
  }

  function tryLease(visibilityMs: number): Lease<T> | undefined {
    const now = clock.now();
    settle(now);
    const entry = takeVisible();
    if (!entry) return undefined;
    entry.receiveCount += 1;
    entry.handle = `m${entry.seq}.r${entry.receiveCount}`;
    entry.visibleAt = now + visibilityMs;
    byHandle.set(entry.handle, entry);
    leased.push(entry);
    return { item: entry.item, handle: entry.handle, receiveCount: entry.receiveCount };
  }

  /** The entry of a lease still held at the current time, or undefined. */
  function held(lease: Lease<T>): Entry<T> | undefined {
    settle(clock.now());
    return byHandle.get(lease.handle);
  }

  /** The earliest time a waiting lease() could find an item without being woken. */
  function nextChange(): number {
    return Math.min(leased.peek()?.visibleAt ?? Infinity, delayed.peek()?.visibleAt ?? Infinity);
  }

  async function waitForItem(
    visibilityMs: number,
    waitMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Lease<T> | undefined> {
    const giveUpAt = clock.now() + waitMs;
    for (;;) {
      if (signal?.aborted) return undefined;
      const lease = tryLease(visibilityMs);
      if (lease) return lease;
      const now = clock.now();
      if (now >= giveUpAt) return undefined;
      // Sleep until the wait ends or a lease lapses or a delay ends; enqueue() and
      // release() cut the sleep short. The abort of `stop` clears the timer.
      const stop = new AbortController();
      const onAbort = () => stop.abort();
      signal?.addEventListener("abort", onAbort, { once: true });
      waiters.add(onAbort);
      try {
        await clock.sleep(Math.min(giveUpAt, nextChange(), now + MAX_SLEEP_MS) - now, stop.signal);
      } finally {
        waiters.delete(onAbort);
        signal?.removeEventListener("abort", onAbort);
        stop.abort();
      }
    }
  }

  return {
    async enqueue(items) {
      for (const item of items) {
        visible.push({ item, seq: seq++, receiveCount: 0, handle: undefined, visibleAt: 0, heapIndex: -1 });
      }
      if (items.length > 0) wakeWaiters();
    },

    async lease({ visibilityMs, waitMs = 0, signal }) {
      checkMs("visibilityMs", visibilityMs);
      checkMs("waitMs", waitMs);
      if (signal?.aborted) return undefined;
      const lease = tryLease(visibilityMs);
      if (lease || waitMs <= 0) return lease;
      return waitForItem(visibilityMs, waitMs, signal);
    },

    async heartbeat(lease, visibilityMs) {
      checkMs("visibilityMs", visibilityMs);
      const entry = held(lease);
      if (!entry) throw new LeaseLostError(lease.handle);
      entry.visibleAt = clock.now() + visibilityMs;
      leased.update(entry);
    },

    async ack(lease) {
      const entry = held(lease);
      if (!entry) return;
      byHandle.delete(lease.handle);
      leased.remove(entry);
    },

    async release(lease, delayMs = 0) {
      checkMs("delayMs", delayMs);
      const entry = held(lease);
      if (!entry) return;
      byHandle.delete(lease.handle);
      leased.remove(entry);
      entry.handle = undefined;
      if (delayMs > 0) {
        entry.visibleAt = clock.now() + delayMs;
        delayed.push(entry);
      } else {
        visible.push(entry);
      }
      // A waiter sleeping until a later time must recompute its wake-up for the delay.
      wakeWaiters();
    },

    async counts() {
      settle(clock.now());
      return { visible: visible.size + delayed.size, inFlight: leased.size };
    },

    deadLetters: () => [...dead],
  };
}

// Longer timers overflow Node's 32-bit timeout (and fire at once); waits just re-check.
const MAX_SLEEP_MS = 2 ** 31 - 1;

function checkMs(name: string, ms: number): void {
  // NaN would corrupt the order of the heaps; Infinity is a valid "never" for waits.
  if (!(ms >= 0)) throw new RangeError(`${name} must be a number of milliseconds of at least 0, not ${ms}`);
}

/** A FIFO with O(1) push and shift that compacts its array as it drains. */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** A binary min-heap of entries by (visibleAt, seq) that knows each entry's position, so
 * an entry can be removed or re-keyed in O(log n) when its lease is acked or extended. */
class EntryHeap<T> {
  private readonly heap: Entry<T>[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): Entry<T> | undefined {
    return this.heap[0];
  }

  push(entry: Entry<T>): void {
    entry.heapIndex = this.heap.length;
    this.heap.push(entry);
    this.up(entry.heapIndex);
  }

  pop(): Entry<T> | undefined {
    const top = this.heap[0];
    if (top) this.remove(top);
    return top;
  }

  remove(entry: Entry<T>): void {
    const i = entry.heapIndex;
    if (i < 0 || this.heap[i] !== entry) return;
    const last = this.heap.pop()!;
    entry.heapIndex = -1;
    if (last === entry) return;
    this.heap[i] = last;
    last.heapIndex = i;
    this.down(i);
    this.up(last.heapIndex);
  }

  /** Restores order after the entry's visibleAt changed. */
  update(entry: Entry<T>): void {
    this.up(entry.heapIndex);
    this.down(entry.heapIndex);
  }

  private less(a: Entry<T>, b: Entry<T>): boolean {
    return a.visibleAt < b.visibleAt || (a.visibleAt === b.visibleAt && a.seq < b.seq);
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i]!;
    const b = this.heap[j]!;
    this.heap[i] = b;
    this.heap[j] = a;
    a.heapIndex = j;
    b.heapIndex = i;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(this.heap[i]!, this.heap[parent]!)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let smallest = i;
      if (l < n && this.less(this.heap[l]!, this.heap[smallest]!)) smallest = l;
      if (r < n && this.less(this.heap[r]!, this.heap[smallest]!)) smallest = r;
      if (smallest === i) return;
      this.swap(i, smallest);
      i = smallest;
    }
  }
}
