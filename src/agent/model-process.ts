// Runs the model command for one realisation: its own process group (so a timeout or a
// cancel kills the whole tree), the tail of its output kept, CPU and peak memory sampled.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { platform } from "node:os";

export interface ModelProcessOptions {
  readonly command: readonly string[] | string;
  readonly shell: boolean;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Aborting kills the process tree at once (a cancelled or superseded run). */
  readonly signal?: AbortSignal;
  /** Bytes of stdout+stderr kept (the tail). */
  readonly tailBytes?: number;
  readonly onSpawn?: (pid: number) => void;
}

export interface ModelProcessResult {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  /** Set when the command could not be started at all (not found, not executable). */
  readonly spawnError?: NodeJS.ErrnoException;
  readonly wallSeconds: number;
  readonly cpuSeconds: number | null;
  readonly peakMemoryMb: number | null;
  readonly outputTail: string;
  /** True when we sent the kill (timeout or abort); a SIGKILL we did not send hints at the OOM killer. */
  readonly killedByUs: boolean;
}

const KILL_GRACE_MS = 2_000;
const IS_LINUX = platform() === "linux";

export function runModelProcess(options: ModelProcessOptions): Promise<ModelProcessResult> {
  const started = performance.now();
  const tail = new OutputTail(options.tailBytes ?? 64 * 1024);
  const [file, args] = argv(options);
  return new Promise((resolve) => {
    let timedOut = false;
    let aborted = false;
    let killedByUs = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    let settled = false;
    const usage = new TreeUsageSampler();

    const child = spawn(file, args, {
      cwd: options.cwd,
      env: Object.keys(options.env).length === 0 ? process.env : { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      // Own process group: killing -pid reaches every process the model starts, and a
      // Ctrl-C in the terminal reaches the engine (which decides), not the models directly.
      detached: process.platform !== "win32",
      windowsHide: true,
    });
    child.stdout.on("data", (b: Buffer) => tail.push(b));
    child.stderr.on("data", (b: Buffer) => tail.push(b));

    const killTree = (sig: NodeJS.Signals) => {
      killedByUs = true;
      const pid = child.pid;
      if (pid === undefined) return;
      try {
        if (process.platform === "win32")
          spawn("taskkill", ["/pid", String(pid), "/T", "/F"], { windowsHide: true });
        else process.kill(-pid, sig);
      } catch {
        // already gone
      }
    };
    const terminate = () => {
      killTree("SIGTERM");
      setTimeout(() => !settled && killTree("SIGKILL"), KILL_GRACE_MS).unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      terminate();
    }, options.timeoutMs);
    const onAbort = () => {
      aborted = true;
      killTree("SIGKILL");
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    if (options.signal?.aborted) onAbort();

    if (child.pid !== undefined) {
      options.onSpawn?.(child.pid);
      usage.start(child.pid);
    }
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      usage.stop();
      resolve({
        exitCode: code,
        signal: sig,
        timedOut,
        aborted,
        ...(spawnError ? { spawnError } : {}),
        wallSeconds: (performance.now() - started) / 1000,
        cpuSeconds: usage.cpuSeconds,
        peakMemoryMb: usage.peakMemoryMb,
        outputTail: tail.text(),
        killedByUs,
      });
    };
    child.on("error", (e: NodeJS.ErrnoException) => {
      spawnError = e;
      if (child.pid === undefined) finish(null, null);
    });
    child.on("exit", () => {
      // Descendants that outlive the model would run on unseen (and hold its output open).
      if (child.pid !== undefined && process.platform !== "win32") {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // none left
        }
      }
    });
    child.on("close", (code, sig) => finish(code, sig));
  });
}

function argv(options: ModelProcessOptions): [string, string[]] {
  if (options.shell) {
    const line = typeof options.command === "string" ? options.command : options.command.join(" ");
    return process.platform === "win32" ? ["cmd.exe", ["/d", "/s", "/c", line]] : ["/bin/sh", ["-c", line]];
  }
  const list = typeof options.command === "string" ? [options.command] : options.command;
  return [list[0]!, list.slice(1)];
}

/** Keeps the last `limit` bytes written, cheaply. */
class OutputTail {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  constructor(limit: number) {
    this.#limit = limit;
  }
  push(b: Buffer) {
    this.#chunks.push(b);
    this.#size += b.length;
    while (this.#size - this.#chunks[0]!.length >= this.#limit) this.#size -= this.#chunks.shift()!.length;
  }
  text(): string {
    const all = Buffer.concat(this.#chunks);
    const cut = all.length > this.#limit ? all.subarray(all.length - this.#limit) : all;
    return cut.toString("utf8");
  }
}

/**
 * Samples CPU time and resident memory of a process tree from /proc (Linux) while it runs.
 * Node cannot get a child's rusage, so the figures are lower bounds taken at the last sample:
 * the first sample comes after 20 ms and they slow to once a second for long runs.
 */
class TreeUsageSampler {
  cpuSeconds: number | null = null;
  peakMemoryMb: number | null = null;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #perPidCpu = new Map<number, number>();
  static readonly TICKS = 100;

  start(pid: number) {
    if (!IS_LINUX) return;
    let delay = 20;
    const tick = async () => {
      if (this.#stopped) return;
      await this.#sample(pid);
      delay = Math.min(delay * 2, 1000);
      if (!this.#stopped) this.#timer = setTimeout(tick, delay).unref();
    };
    this.#timer = setTimeout(tick, delay).unref();
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #sample(root: number) {
    const pids = await treePids(root);
    let rssKb = 0;
    for (const pid of pids) {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
      const close = stat.lastIndexOf(")");
      if (close < 0) continue;
      const fields = stat.slice(close + 2).split(" ");
      // fields[11], [12] are utime, stime (fields 14, 15 of stat(5)); [21] is rss in pages
      const cpu = (Number(fields[11]) + Number(fields[12])) / TreeUsageSampler.TICKS;
      if (Number.isFinite(cpu)) this.#perPidCpu.set(pid, Math.max(cpu, this.#perPidCpu.get(pid) ?? 0));
      rssKb += (Number(fields[21]) || 0) * 4;
    }
    if (this.#stopped) return;
    this.cpuSeconds = [...this.#perPidCpu.values()].reduce((a, b) => a + b, 0);
    const mb = rssKb / 1024;
    this.peakMemoryMb = Math.max(this.peakMemoryMb ?? 0, Math.round(mb * 10) / 10);
  }
}

async function treePids(root: number): Promise<number[]> {
  const out = [root];
  for (let i = 0; i < out.length && i < 256; i++) {
    const pid = out[i]!;
    const children = await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => "");
    for (const c of children.split(" ")) if (c.trim()) out.push(Number(c));
  }
  return out;
}
