// Time, behind an interface so retry and lease tests run instantly with a fake clock.

import { setLongTimeout } from "../long-timeout.ts";

export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      // Any length: a plain timer past 24.8 days would fire at once.
      const t = setLongTimeout(done, ms);
      function done() {
        t.clear();
        signal?.removeEventListener("abort", done);
        resolve();
      }
      signal?.addEventListener("abort", done, { once: true });
    }),
};
