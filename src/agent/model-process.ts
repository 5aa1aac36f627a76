// Runs the model command for one realisation: its own process group (so a timeout or a
// cancel kills the whole tree), the tail of its output kept, CPU and peak memory sampled.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { platform } from "node:os";
import { join } from "node:path";
import { type LongTimeout, setLongTimeout } from "../long-timeout.ts";
import type { LaunchExit, ShellLauncher } from "./shell-launcher.ts";

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
  /** Start through this shell launcher (cheaper than forking the engine); output goes to
   * OUTPUT_LOG in the work folder. Without one, the model is spawned directly. */
  readonly launcher?: ShellLauncher;
  /** With a launcher: return at once when the model exits, leaving its output for readOutput. */
  readonly deferOutput?: boolean;
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
  /** The launcher shell died while the model ran (killed from outside): the model was ended
   * and its own exit is unknown. */
  readonly launcherLost?: boolean;
  /** Set (with deferOutput) while the output is still to be read from the log: see readOutput. */
  readonly pendingOutput?: {
    readonly logFile: string;
    readonly tailBytes: number;
    readonly notFound: boolean;
    readonly notExecutable: boolean;
  };
}

const KILL_GRACE_MS = 2_000;
const IS_LINUX = platform() === "linux";

/** Output of models started through the shell launcher, in their work folder. */
export const OUTPUT_LOG = ".modelfleet-output.log";

export function runModelProcess(options: ModelProcessOptions): Promise<ModelProcessResult> {
  return options.launcher ? runThroughLauncher(options, options.launcher) : runDirect(options);
}

/** Timeout, abort and kill handling shared by both ways of starting a model. */
class ProcessSupervisor {
  timedOut = false;
  aborted = false;
  killedByUs = false;
  finished = false;
  pid: number | undefined;
  readonly usage = new TreeUsageSampler();
  readonly #timer: LongTimeout;
  readonly #options: ModelProcessOptions;
  readonly #onAbort = () => {
    this.aborted = true;
    this.killTree("SIGKILL");
  };

  constructor(options: ModelProcessOptions) {
    this.#options = options;
    this.#timer = setLongTimeout(() => {
      this.timedOut = true;
      this.killTree("SIGTERM");
      setTimeout(() => !this.finished && this.killTree("SIGKILL"), KILL_GRACE_MS).unref();
    }, options.timeoutMs);
    options.signal?.addEventListener("abort", this.#onAbort, { once: true });
  }

  started(pid: number) {
    this.pid = pid;
    this.#options.onSpawn?.(pid);
    this.usage.start(pid);
    if (this.#options.signal?.aborted) this.#onAbort();
  }

  killTree(sig: NodeJS.Signals) {
    this.killedByUs = true;
    const pid = this.pid;
    if (pid === undefined) return;
    if (process.platform === "win32") {
      spawn("taskkill", ["/pid", String(pid), "/T", "/F"], { windowsHide: true });
      return;
    }
    void this.#killStrays(pid, sig);
    try {
      process.kill(-pid, sig);
    } catch {
      // No such group yet: a model started through the launcher becomes its own group
      // leader (setsid) a moment after its pid is known. Until then the process itself is
      // the whole tree, so the kill goes to it; a kill is never lost to that moment.
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  }

  /** The model's main process ended: anything left in its group would run on unseen. */
  mainExited() {
    if (this.pid === undefined || process.platform === "win32") return;
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch {
      // none left
    }
    void this.#killStrays(this.pid, "SIGKILL");
  }

  /** Processes of the model's tree that left its process group (`setsid`, daemons): those
   * alive now under it, and those seen while it ran that are still the same processes. */
  async #killStrays(root: number, sig: NodeJS.Signals) {
    if (!IS_LINUX) return;
    const now = treePids(root);
    for (const p of now) if (p !== root) this.usage.seen.set(p, startTimeOf(p) ?? "");
    for (const [p, start] of this.usage.seen) {
      if (start !== "" && startTimeOf(p) !== start) continue; // gone, or the pid is another's now
      try {
        process.kill(p, sig);
      } catch {
        // gone
      }
    }
  }

  finish() {
    this.finished = true;
    this.#timer.clear();
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    this.usage.stop();
  }
}

function runDirect(options: ModelProcessOptions): Promise<ModelProcessResult> {
  const started = performance.now();
  const tail = new OutputTail(options.tailBytes ?? 64 * 1024);
  const [file, args] = argv(options);
  return new Promise((resolve) => {
    const sup = new ProcessSupervisor(options);
    let spawnError: NodeJS.ErrnoException | undefined;
    let child: ChildProcess;
    try {
      child = spawn(file, args, {
        cwd: options.cwd,
        env: Object.keys(options.env).length === 0 ? process.env : { ...process.env, ...options.env },
        stdio: ["ignore", "pipe", "pipe"],
        // Own process group: killing -pid reaches every process the model starts, and a
        // Ctrl-C in the terminal reaches the engine (which decides), not the models directly.
        detached: process.platform !== "win32",
        windowsHide: true,
      });
    } catch (e) {
      // Refused before any process exists (an argument or environment value with a NUL byte).
      sup.finish();
      resolve(notStarted(e, started));
      return;
    }
    child.stdout!.on("data", (b: Buffer) => tail.push(b));
    child.stderr!.on("data", (b: Buffer) => tail.push(b));
    if (child.pid !== undefined) sup.started(child.pid);
    const finish = (code: number | null, sig: NodeJS.Signals | null) => {
      if (sup.finished) return;
      sup.finish();
      resolve({
        exitCode: code,
        signal: sig,
        timedOut: sup.timedOut,
        aborted: sup.aborted,
        ...(spawnError ? { spawnError } : {}),
        wallSeconds: (performance.now() - started) / 1000,
        cpuSeconds: sup.usage.cpuSeconds,
        peakMemoryMb: sup.usage.peakMemoryMb,
        outputTail: tail.text(),
        killedByUs: sup.killedByUs,
      });
    };
    child.on("error", (e: NodeJS.ErrnoException) => {
      spawnError = e;
      if (child.pid === undefined) finish(null, null);
    });
    child.on("exit", () => sup.mainExited());
    child.on("close", (code, sig) => finish(code, sig));
  });
}

async function runThroughLauncher(
  options: ModelProcessOptions,
  launcher: ShellLauncher,
): Promise<ModelProcessResult> {
  const started = performance.now();
  const [file, args] = argv(options);
  const logFile = join(options.cwd, OUTPUT_LOG);
  if (options.signal?.aborted) return notStarted(undefined, started, { aborted: true });
  const sup = new ProcessSupervisor(options);
  let exit: LaunchExit;
  try {
    const launched = await launcher.launch({ argv: [file, ...args], cwd: options.cwd, logFile });
    sup.started(launched.pid);
    exit = await launched.exit;
  } catch {
    sup.finish();
    return runDirect(options); // the launcher shell is gone: start this one directly
  }
  // The shell died under the model (killed from outside): its exit will never be told, so
  // the model is ended here rather than left running unseen.
  if (exit.lost) sup.killTree("SIGKILL");
  sup.mainExited();
  sup.finish();
  const result: ModelProcessResult = {
    exitCode: exit.exitCode,
    signal: exit.signal,
    timedOut: sup.timedOut,
    aborted: sup.aborted,
    wallSeconds: (performance.now() - started) / 1000,
    cpuSeconds: sup.usage.cpuSeconds,
    peakMemoryMb: sup.usage.peakMemoryMb,
    outputTail: "",
    killedByUs: sup.killedByUs,
    ...(exit.lost ? { launcherLost: true } : {}),
    pendingOutput: {
      logFile,
      tailBytes: options.tailBytes ?? 64 * 1024,
      notFound: exit.notFound,
      notExecutable: exit.notExecutable,
    },
  };
  return options.deferOutput ? result : readOutput(result);
}

/** The result of a model that never started: refused by the system, or aborted first. */
function notStarted(e: unknown, started: number, extra: { aborted?: boolean } = {}): ModelProcessResult {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: extra.aborted ?? false,
    ...(e === undefined ? {} : { spawnError: asErrno(e) }),
    wallSeconds: (performance.now() - started) / 1000,
    cpuSeconds: null,
    peakMemoryMb: null,
    outputTail: "",
    killedByUs: false,
  };
}

function asErrno(e: unknown): NodeJS.ErrnoException {
  return e instanceof Error ? (e as NodeJS.ErrnoException) : new Error(String(e));
}

/**
 * Completes a result whose output is still in its log file (started through the launcher):
 * reads the tail, and tells a command that could not be started from one that ran. Kept
 * apart so the engine can do it off the models' critical path.
 */
export async function readOutput(result: ModelProcessResult): Promise<ModelProcessResult> {
  const pending = result.pendingOutput;
  if (!pending) return result;
  const outputTail = readTail(pending.logFile, pending.tailBytes);
  let spawnError: NodeJS.ErrnoException | undefined;
  if ((pending.notFound || pending.notExecutable) && outputTail.includes("setsid: failed to execute")) {
    spawnError = Object.assign(new Error(outputTail.trim().split("\n").pop() ?? "failed to execute"), {
      code: pending.notFound ? "ENOENT" : "EACCES",
    });
  }
  const { pendingOutput: _, ...rest } = result;
  return { ...rest, outputTail, ...(spawnError ? { spawnError, exitCode: null } : {}) };
}

/** The last `bytes` of a log file. Synchronous: a model's log is in the page cache when it
 * has just ended, and a read of its tail is a few system calls, where open, stat, read and
 * close through the thread pool cost the event loop four trips. */
function readTail(path: string, bytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return "";
  }
  try {
    const { size } = fstatSync(fd);
    const length = Math.min(size, bytes);
    if (length === 0) return "";
    const buf = Buffer.allocUnsafe(length);
    const n = readSync(fd, buf, 0, length, size - length);
    return buf.toString("utf8", 0, n);
  } catch {
    return "";
  } finally {
    closeSync(fd);
  }
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
 * the first sample comes after 20 ms and they slow to once a second for long runs. A sample is
 * some ten reads of /proc on the event loop, and those wait while the machine forks (which a
 * hundred models do all the time), so the samples of all models together are kept to some 250 a
 * second: with many models running, each model's come further apart (at least 4 ms × the
 * models running), and a short model may end before its first (its figures are then null).
 */
class TreeUsageSampler {
  cpuSeconds: number | null = null;
  peakMemoryMb: number | null = null;
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #stopped = false;
  #perPidCpu = new Map<number, number>();
  /** Every process seen in the tree, with its start time: one that left the model's process
   * group (setsid, a daemon) is still the model's, and is ended with it. */
  readonly seen = new Map<number, string>();
  static readonly TICKS = 100;
  /** Models being sampled in this process. */
  static #running = 0;
  static readonly FIRST_MS = 20;
  static readonly LAST_MS = 1000;
  static readonly PER_MODEL_MS = 4;

  start(pid: number) {
    if (!IS_LINUX) return;
    this.#started = true;
    TreeUsageSampler.#running++;
    /** The least time between two samples of one model, with this many running. */
    const spread = () => TreeUsageSampler.#running * TreeUsageSampler.PER_MODEL_MS;
    let delay = Math.max(TreeUsageSampler.FIRST_MS, spread());
    const tick = async () => {
      if (this.#stopped) return;
      await this.#sample(pid);
      delay = Math.max(Math.min(delay * 2, TreeUsageSampler.LAST_MS), spread());
      if (!this.#stopped) this.#timer = setTimeout(tick, delay).unref();
    };
    this.#timer = setTimeout(tick, delay).unref();
  }

  stop() {
    if (this.#started && !this.#stopped) TreeUsageSampler.#running--;
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  async #sample(root: number) {
    const pids = treePids(root);
    let rssKb = 0;
    for (const pid of pids) {
      const stat = readProc(`/proc/${pid}/stat`);
      const close = stat.lastIndexOf(")");
      if (close < 0) continue;
      const fields = stat.slice(close + 2).split(" ");
      if (pid !== root && fields[19] !== undefined) this.seen.set(pid, fields[19]);
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

/** Field 22 of /proc/<pid>/stat: when the process started, in ticks since boot. */
function startTimeOf(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === "") return undefined;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return fields[0] === "Z" ? undefined : fields[19];
}

const procBuffer = Buffer.allocUnsafe(4096);

/**
 * A /proc file's text, or "" when the process is gone. Read synchronously: /proc is made in
 * memory on demand and never waits on a disk, and a synchronous read is one system call where
 * readFile() is four trips through the thread pool, which 128 models sampled at once queue on.
 * Read into one buffer kept for it: readFileSync would also stat the file (a /proc file says
 * it is empty) and gather its chunks.
 */
function readProc(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    return "";
  }
  try {
    let text = "";
    for (;;) {
      const n = readSync(fd, procBuffer, 0, procBuffer.length, null);
      if (n === 0) return text;
      text += procBuffer.toString("latin1", 0, n);
    }
  } catch {
    return "";
  } finally {
    closeSync(fd);
  }
}

function treePids(root: number): number[] {
  const out = [root];
  for (let i = 0; i < out.length && i < 256; i++) {
    const pid = out[i]!;
    const children = readProc(`/proc/${pid}/task/${pid}/children`);
    for (const c of children.split(" ")) if (c.trim()) out.push(Number(c));
  }
  return out;
}
