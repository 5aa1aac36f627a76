// What the benchmarks measure with: CPU time of this process's waited-for children (the whole
// tree below a child, once it has exited), medians, the machine's load, and where the
// reference programs are.
import { spawn } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { delimiter, join, resolve } from "node:path";

const REPO = resolve(import.meta.dirname, "..", "..", "..");
const TICKS_PER_SECOND = 100;

/** CPU seconds (user, system) of every child process this one has waited for, and theirs. */
export function childrenCpu(): { user: number; system: number } {
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // cutime and cstime: fields 16 and 17 of proc(5), 13 and 14 after the command name.
  return { user: Number(fields[13]) / TICKS_PER_SECOND, system: Number(fields[14]) / TICKS_PER_SECOND };
}

export interface ChildRun {
  readonly wallSeconds: number;
  readonly userSeconds: number;
  readonly systemSeconds: number;
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to its end; its CPU time is that of its whole tree (once reaped). */
export function runChild(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; quiet?: boolean } = {},
): Promise<ChildRun> {
  const before = childrenCpu();
  const start = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
      if (stdout.length > 1 << 20) stdout = stdout.slice(-(1 << 19));
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
      if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19));
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const after = childrenCpu();
      resolvePromise({
        wallSeconds: (performance.now() - start) / 1000,
        userSeconds: after.user - before.user,
        systemSeconds: after.system - before.system,
        code,
        stdout,
        stderr,
      });
    });
  });
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The 1, 5 and 15 minute load averages, as uptime prints them. */
export function load(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");
}

/** A reference program: in ../shared/tools/bin beside the checkout, or on PATH. */
export function findProgram(name: string): string | undefined {
  const dirs = [join(REPO, "..", "shared", "tools", "bin"), join(REPO, "..", "..", "shared", "tools", "bin")];
  for (const d of [...dirs, ...(process.env.PATH ?? "").split(delimiter)]) {
    const p = join(d, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function seconds(s: number): string {
  return `${s.toFixed(2)} s`;
}
