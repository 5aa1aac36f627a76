// What a person watching a run sees: a live bar on a terminal, a plain line now and then in
// CI logs, built from the engine's events.

import type { EngineEvent } from "../engine/local-engine.ts";
import { formatDuration } from "../spec/duration.ts";

export interface ProgressCounts {
  readonly total: number;
  readonly done: number;
  readonly ok: number;
  readonly failed: number;
  readonly running: number;
  readonly retries: number;
  readonly elapsedSeconds: number;
  readonly etaSeconds: number | undefined;
}

/** Counts events into progress figures. */
export class ProgressTracker {
  readonly total: number;
  readonly #started: number;
  #ok = 0;
  #failed = 0;
  #retries = 0;
  readonly #running = new Set<string>();
  readonly #now: () => number;

  constructor(total: number, now: () => number = Date.now) {
    this.total = total;
    this.#now = now;
    this.#started = now();
  }

  on(e: EngineEvent) {
    if (e.type === "started") this.#running.add(e.id);
    else if (e.type === "finished") {
      this.#running.delete(e.id);
      if (e.result.status === "ok") this.#ok++;
      else this.#failed++;
    } else if (e.type === "retrying") this.#retries++;
    else if (e.type === "abandoned") this.#running.delete(e.id);
  }

  counts(): ProgressCounts {
    const done = this.#ok + this.#failed;
    const elapsed = (this.#now() - this.#started) / 1000;
    const rate = done > 0 ? done / elapsed : undefined;
    return {
      total: this.total,
      done,
      ok: this.#ok,
      failed: this.#failed,
      running: this.#running.size,
      retries: this.#retries,
      elapsedSeconds: elapsed,
      etaSeconds: rate ? (this.total - done) / rate : undefined,
    };
  }
}

export function progressLine(label: string, c: ProgressCounts): string {
  const pct = c.total === 0 ? 100 : Math.floor((c.done / c.total) * 100);
  return `${label}: ${c.done}/${c.total} done (${pct}%), ${c.failed} failed, ${c.running} running${
    c.retries ? `, ${c.retries} retried` : ""
  }, ${formatDuration(c.elapsedSeconds)} elapsed${c.etaSeconds !== undefined && c.done < c.total ? `, ETA ${formatDuration(c.etaSeconds)}` : ""}`;
}

export function progressBar(label: string, c: ProgressCounts, width = 28): string {
  const filled = c.total === 0 ? width : Math.round((c.done / c.total) * width);
  const failedCells = c.total === 0 ? 0 : Math.min(filled, Math.ceil((c.failed / c.total) * width));
  const bar = "█".repeat(filled - failedCells) + "▓".repeat(failedCells) + "░".repeat(width - filled);
  const eta = c.etaSeconds !== undefined && c.done < c.total ? ` ETA ${formatDuration(c.etaSeconds)}` : "";
  return `${label} [${bar}] ${c.done}/${c.total}  ok ${c.ok}  failed ${c.failed}  running ${c.running}${eta}`;
}

/** Renders progress to a stream: redraws in place on a terminal, prints every `everyMs` otherwise. */
export function startProgressDisplay(options: {
  label: string;
  tracker: ProgressTracker;
  write: (text: string) => void;
  isTTY: boolean;
  everyMs?: number;
}): { stop(): void } {
  const { label, tracker, write, isTTY } = options;
  let last = "";
  const draw = () => {
    const c = tracker.counts();
    if (isTTY) {
      const line = progressBar(label, c);
      if (line !== last) write(`\r\x1b[2K${line}`);
      last = line;
    } else {
      write(`${progressLine(label, c)}\n`);
    }
  };
  const timer = setInterval(draw, options.everyMs ?? (isTTY ? 200 : 10_000));
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      if (isTTY) {
        draw();
        write("\n");
      }
    },
  };
}
