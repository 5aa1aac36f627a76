// The CLI's cloud commands as child processes: `watch --once --json` for one look at a run set,
// and `run --json`, the client that starts it, in the background. Arguments are passed as an
// argv list, never through a shell.
import { spawn } from "node:child_process";
import { lastJsonObject, parseRunSetState, type RunSetState } from "./cli-state.ts";

export interface CliTarget {
  /** How to start the CLI: [node, <repository>/src/cli/bin.ts]. */
  readonly cli: readonly string[];
  readonly specFile: string;
  readonly infraFile: string;
  readonly cwd: string;
}

export interface BackgroundRun {
  /** Where the run stands when its client exits. */
  readonly done: Promise<RunSetState>;
  /** Ends the client (SIGINT: the run set goes on without it). */
  stop(): void;
}

export async function watchOnce(t: CliTarget): Promise<RunSetState> {
  const { code, stdout, stderr } = await capture(t, [
    "watch",
    t.specFile,
    "--executor",
    "ecs",
    "--infra",
    t.infraFile,
    "--once",
    "--json",
  ]);
  const json = lastJsonObject(stdout);
  if (!json)
    throw new Error(
      `\`modelfleet watch ${t.specFile} --executor ecs --once --json\` exited ${code} without a JSON answer: ${stderr.trim().split("\n").slice(-5).join(" | ")}`,
    );
  return parseRunSetState(json);
}

export function startRun(
  t: CliTarget,
  options: { image?: string; ids?: string; log?: (line: string) => void },
): BackgroundRun {
  const args = ["run", t.specFile, "--executor", "ecs", "--infra", t.infraFile, "--json"];
  if (options.image) args.push("--image", options.image);
  if (options.ids) args.push("--ids", options.ids);
  const child = spawn(t.cli[0]!, [...t.cli.slice(1), ...args], {
    cwd: t.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d: Buffer) => {
    stderr += d;
    for (const line of d.toString().split("\n")) if (line.trim()) options.log?.(line);
  });
  const done = new Promise<RunSetState>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      const json = lastJsonObject(stdout);
      if (json) resolve(parseRunSetState(json));
      else
        reject(
          new Error(
            `\`modelfleet run ${t.specFile} --executor ecs --json\` exited ${code} without a JSON answer: ${stderr.trim().split("\n").slice(-5).join(" | ")}`,
          ),
        );
    });
  });
  return { done, stop: () => child.kill("SIGINT") };
}

function capture(t: CliTarget, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(t.cli[0]!, [...t.cli.slice(1), ...args], {
      cwd: t.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
