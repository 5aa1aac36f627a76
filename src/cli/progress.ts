// What a person watching a run sees: a live bar on a terminal, a plain line now and then in
// CI logs, built from the engine's events.

import type { EngineEvent } from "../engine/local-engine.ts";
import { formatDuration } from "../spec/duration.ts";

export interface ProgressCounts {
  readonly total: number;
  readonly done: number;
  readonly ok: number;
  readonly failed: number;
  /** Models running now: at most one per worker. */
  readonly running: number;
  readonly retries: number;
  readonly elapsedSeconds: number;
  /** Undefined before the first result, and once a stop was asked for (nothing new starts). */
  readonly etaSeconds: number | undefined;
  /** A stop was asked for: running models finish (or are killed), nothing new starts. */
  readonly stopping: boolean;
  /** Model CPU time of the results published by this run; null when none was measured. */
  readonly cpuSeconds: number | null;
}

/**
 * Counts events into progress figures. A worker runs one model at a time (a duplicated
 * straggler runs on an idle worker), so "running" is the workers whose model has started and
 * not yet ended: a start replaces the worker's previous model, which has exited by then; a
 * model's exit, a result, a retry, an abandoned run or a refused write ends it. Reading its
 * outputs and publishing, which happen after the model exited, do not count as running.
 */
export class ProgressTracker {
  readonly total: number;
  readonly #started: number;
  #ok = 0;
  #failed = 0;
  #retries = 0;
  #cpuSeconds: number | null = null;
  #stopping = false;
  /** worker → the realisation its model is running. */
  readonly #running = new Map<string, string>();
  readonly #now: () => number;

  constructor(total: number, now: () => number = Date.now) {
    this.total = total;
    this.#now = now;
    this.#started = now();
  }

  on(e: EngineEvent) {
    switch (e.type) {
      case "started":
        this.#running.set(e.worker, e.id);
        break;
      case "exited":
        if (this.#running.get(e.worker) === e.id) this.#running.delete(e.worker);
        break;
      case "finished":
        this.#ended(e.id);
        if (e.result.status === "ok") this.#ok++;
        else this.#failed++;
        if (e.result.cpuSeconds !== null) this.#cpuSeconds = (this.#cpuSeconds ?? 0) + e.result.cpuSeconds;
        break;
      case "retrying":
        this.#ended(e.id);
        this.#retries++;
        break;
      case "abandoned":
        this.#ended(e.id);
        break;
      case "store_failed":
        // Its result could not be written, and no new runs start: as good as a stop.
        this.#ended(e.id);
        this.#stopping = true;
        break;
      case "stopping":
      case "killing":
        this.#stopping = true;
        break;
    }
  }

  #ended(id: string) {
    for (const [worker, running] of this.#running) if (running === id) this.#running.delete(worker);
  }

  counts(): ProgressCounts {
    const done = this.#ok + this.#failed;
    const elapsed = (this.#now() - this.#started) / 1000;
    const rate = done > 0 && elapsed > 0 ? done / elapsed : undefined;
    return {
      total: this.total,
      done,
      ok: this.#ok,
      failed: this.#failed,
      running: this.#running.size,
      retries: this.#retries,
      elapsedSeconds: elapsed,
      etaSeconds: rate && !this.#stopping && done < this.total ? (this.total - done) / rate : undefined,
      stopping: this.#stopping,
      cpuSeconds: this.#cpuSeconds,
    };
  }
}

/** What comes after the counts: "stopping" once a stop was asked for, else the ETA if known. */
function outlook(c: ProgressCounts): string {
  if (c.stopping) return "stopping";
  return c.etaSeconds === undefined ? "" : `ETA ${formatDuration(c.etaSeconds)}`;
}

export function progressLine(label: string, c: ProgressCounts): string {
  const pct = c.total === 0 ? 100 : Math.floor((c.done / c.total) * 100);
  const next = outlook(c);
  return `${label}: ${c.done}/${c.total} done (${pct}%), ${c.failed} failed, ${c.running} running${
    c.retries ? `, ${c.retries} retried` : ""
  }, ${formatDuration(c.elapsedSeconds)} elapsed${next ? `, ${next}` : ""}`;
}

export function progressBar(label: string, c: ProgressCounts, width = 28): string {
  const filled = c.total === 0 ? width : Math.round((c.done / c.total) * width);
  const failedCells = c.total === 0 ? 0 : Math.min(filled, Math.ceil((c.failed / c.total) * width));
  const bar = "█".repeat(filled - failedCells) + "▓".repeat(failedCells) + "░".repeat(width - filled);
  const next = outlook(c);
  return `${label} [${bar}] ${c.done}/${c.total}  ok ${c.ok}  failed ${c.failed}  running ${c.running}${next ? ` ${next}` : ""}`;
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
