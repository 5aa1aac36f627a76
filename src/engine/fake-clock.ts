// A Clock for tests: time stands still until the test advances it, so lease, retry and
// timeout logic runs instantly and deterministically.
import { setImmediate as nextMacrotask } from "node:timers/promises";
import type { Clock } from "./clock.ts";

export interface FakeClock extends Clock {
  /**
   * Moves time forward by `ms`, waking sleepers in deadline order. Each woken sleeper's
   * continuation runs (and may sleep again) before time moves past the next deadline,
   * as it would with real timers.
   */
  advance(ms: number): Promise<void>;
  /** Sleeps not yet woken: lets a test wait until code under test is blocked. */
  pendingSleeps(): number;
}

interface Sleeper {
  readonly deadline: number;
  readonly seq: number;
  readonly wake: () => void;
}

export function createFakeClock(start = 0): FakeClock {
  let now = start;
  let seq = 0;
  const sleepers = new Set<Sleeper>();

  function earliest(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const s of sleepers) {
      if (!best || s.deadline < best.deadline || (s.deadline === best.deadline && s.seq < best.seq)) best = s;
    }
    return best;
  }

  return {
    now: () => now,
    sleep(ms, signal) {
      return new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        const sleeper: Sleeper = {
          deadline: now + Math.max(0, ms),
          seq: seq++,
          wake: () => {
            sleepers.delete(sleeper);
            signal?.removeEventListener("abort", sleeper.wake);
            resolve();
          },
        };
        signal?.addEventListener("abort", sleeper.wake, { once: true });
        // A zero sleep still yields, like setTimeout(0), but needs no advance().
        if (ms <= 0) queueMicrotask(sleeper.wake);
        else sleepers.add(sleeper);
      });
    },
    async advance(ms) {
      const target = now + Math.max(0, ms);
      // Let work already scheduled settle before time moves, so sleeps it is about to
      // start are measured from the current time.
      await nextMacrotask();
      for (;;) {
        const next = earliest();
        if (!next || next.deadline > target) break;
        now = Math.max(now, next.deadline);
        next.wake();
        await nextMacrotask();
      }
      now = target;
      await nextMacrotask();
    },
    pendingSleeps: () => sleepers.size,
  };
}
