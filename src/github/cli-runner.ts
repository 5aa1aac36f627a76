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
