import { describe, expect, it } from "vitest";
import { systemClock } from "./engine/clock.ts";
import { MAX_TIMER_MS, setLongTimeout } from "./long-timeout.ts";

describe("setLongTimeout", () => {
  it("does not fire at once for a delay past what setTimeout holds", async () => {
    let fired = false;
    const t = setLongTimeout(() => {
      fired = true;
    }, MAX_TIMER_MS * 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(fired).toBe(false);
    t.clear();
  });

  it("fires after a short delay, and not after clear()", async () => {
    const order: string[] = [];
    setLongTimeout(() => order.push("a"), 10);
    const b = setLongTimeout(() => order.push("b"), 20);
    b.clear();
    await new Promise((r) => setTimeout(r, 60));
    expect(order).toEqual(["a"]);
  });

  it("lets the system clock sleep past 24.8 days without waking at once", async () => {
    const stop = new AbortController();
    let woke = false;
    const sleeping = systemClock.sleep(30 * 24 * 3600 * 1000, stop.signal).then(() => {
      woke = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(woke).toBe(false);
    stop.abort();
    await sleeping;
    expect(woke).toBe(true);
  });
});
