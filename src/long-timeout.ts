// Timers for durations past what a JavaScript timer holds. setTimeout keeps its delay in a
// signed 32-bit count of milliseconds (24.8 days); anything longer fires at once. Model
// timeouts and grace periods may be longer, so those timers go through here.

/** The longest delay setTimeout honours. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface LongTimeout {
  clear(): void;
}

/** Calls `fn` once after `ms` (any length), in steps setTimeout can hold. Unref'd timers do
 * not keep the process alive. */
export function setLongTimeout(fn: () => void, ms: number, options: { unref?: boolean } = {}): LongTimeout {
  let timer: NodeJS.Timeout | undefined;
  let cleared = false;
  const due = Date.now() + Math.max(0, ms);
  const arm = () => {
    if (cleared) return;
    const left = due - Date.now();
    if (left <= 0) {
      fn();
      return;
    }
    timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    if (options.unref) timer.unref();
  };
  timer = setTimeout(arm, Math.min(Math.max(0, ms), MAX_TIMER_MS));
  if (options.unref) timer.unref();
  return {
    clear() {
      cleared = true;
      clearTimeout(timer);
    },
  };
}
