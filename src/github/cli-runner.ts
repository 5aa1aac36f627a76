// The CLI's cloud commands as child processes: `run --detach --json`, which starts a run set
// and exits, and `watch --once --json`, one look at it (following it, and finishing it once
// every realisation has a result). Arguments are passed as an argv list, never through a shell.
import { spawn } from "node:child_process";
import { type RunSetStatus, readRunSetStatus } from "./cli-state.ts";

export interface CliTarget {
  /** How to start the CLI: [node, <repository>/src/cli/bin.ts]. */
  readonly cli: readonly string[];
  readonly specFile: string;
  readonly infraFile: string;
  /** A prices file over the shipped table, for the cost in the status. */
  readonly pricesFile?: string;
  readonly cwd: string;
  /** Each line the command writes to stderr (what it tells a person). */
  readonly log?: (line: string) => void;
}

export function watchOnce(t: CliTarget): Promise<RunSetStatus> {
  return runCli(t, [
    "watch",
    t.specFile,
    "--executor",
    "ecs",
    "--infra",
    t.infraFile,
    "--once",
    "--json",
    ...prices(t),
  ]);
}

const prices = (t: CliTarget) => (t.pricesFile ? ["--prices", t.pricesFile] : []);

/** Starts the run set; resolves once it is queued and the workers' services are set. */
export function startRun(t: CliTarget, options: { image?: string; ids?: string }): Promise<RunSetStatus> {
  const args = [
    "run",
    t.specFile,
    "--executor",
    "ecs",
    "--infra",
    t.infraFile,
    "--detach",
    "--json",
    ...prices(t),
  ];
  if (options.image) args.push("--image", options.image);
  if (options.ids) args.push("--ids", options.ids);
  return runCli(t, args);
}

async function runCli(t: CliTarget, args: string[]): Promise<RunSetStatus> {
  const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(t.cli[0]!, [...t.cli.slice(1), ...args], {
      cwd: t.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d;
      for (const line of d.toString().split("\n")) if (line.trim()) t.log?.(line);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
  return readRunSetStatus(`modelfleet ${args.join(" ")}`, out);
}

export interface CalibrationExit {
  /** The CLI's exit code: 0 calibrated, 130 stopped (run again to resume), else failed. */
  readonly code: number;
  /** The summary `--json` prints when it calibrated. */
  readonly summary?: {
    readonly iterations: number;
    readonly modelRuns: number;
    readonly wallSeconds: number;
  };
  /** The last lines it wrote to stderr: why it stopped, when it did. */
  readonly tail: readonly string[];
}

/** `modelfleet calibrate <spec> --executor ecs --json`, to its end: every line it writes to
 * stderr goes to `onLine` as it comes (the iterations' progress); `stop` sends it SIGINT, and
 * it stops as Ctrl-C stops it (the same command resumes it). */
export async function calibrateOnEcs(
  t: CliTarget,
  options: { readonly onLine: (line: string) => void; readonly stop?: AbortSignal },
): Promise<CalibrationExit> {
  const args = ["calibrate", t.specFile, "--executor", "ecs", "--infra", t.infraFile, "--json"];
  const tail: string[] = [];
  const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve, reject) => {
    const child = spawn(t.cli[0]!, [...t.cli.slice(1), ...args], {
      cwd: t.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const onStop = () => child.kill("SIGINT");
    options.stop?.addEventListener("abort", onStop, { once: true });
    let stdout = "";
    let partial = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => {
      const lines = (partial + d.toString()).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > TAIL) tail.shift();
        t.log?.(line);
        options.onLine(line);
      }
    });
    child.on("error", reject);
    child.on("close", (code) => {
      options.stop?.removeEventListener("abort", onStop);
      if (partial.trim()) tail.push(partial);
      resolve({ code: code ?? -1, stdout });
    });
  });
  if (code !== 0) return { code, tail };
  try {
    const s = JSON.parse(stdout) as CalibrationExit["summary"];
    return { code, tail, ...(s ? { summary: s } : {}) };
  } catch {
    return { code, tail };
  }
}

/** stderr lines kept for the message of a calibration that stopped. */
const TAIL = 10;
