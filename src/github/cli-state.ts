// Where a cloud run set stands, read from what the CLI prints with --json: the last line of
// `modelfleet watch <spec> --executor ecs --once --json`, or the object `modelfleet run <spec>
// --executor ecs --detach --json` prints once the run set is started. The shape is the CLI's
// own (cloud/run-set-status.ts); this finds it in the output and checks it.
import { parseRunSetStatus, type RunSetStatus } from "../cloud/run-set-status.ts";

export type { RunSetStatus } from "../cloud/run-set-status.ts";
/** A run set whose run goes on. */
export type Running = Extract<RunSetStatus, { state: "running" }>;
/** Any other: finished, or ended without finishing, or nothing to follow. */
export type Settled = Exclude<RunSetStatus, Running>;

/** The last JSON object of the output (watch prints one per step). */
export function lastJsonObject(output: string): unknown {
  const lines = output
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
  // `run --json` prints one object over several lines; watch one per line.
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i]!.startsWith("{")) continue;
    try {
      return JSON.parse(lines.slice(i).join("\n"));
    } catch {}
  }
  return undefined;
}

/** The status a CLI command printed, or why there is none: its exit code and the end of what
 * it wrote to stderr (its error). */
export function readRunSetStatus(
  command: string,
  out: { readonly code: number; readonly stdout: string; readonly stderr: string },
): RunSetStatus {
  const json = lastJsonObject(out.stdout);
  if (json === undefined) {
    throw new Error(
      `\`${command}\` exited ${out.code} without a JSON answer: ${out.stderr.trim().split("\n").slice(-5).join(" | ")}`,
    );
  }
  try {
    return parseRunSetStatus(json);
  } catch (e) {
    throw new Error(`\`${command}\` printed ${(e as Error).message}`, { cause: e });
  }
}

/** A settled run set's end in words, for the comment; undefined when it finished. */
export function endOf(status: Settled): { readonly state: string; readonly text: string } | undefined {
  return status.state === "finished" ? undefined : { state: status.state, text: status.text };
}
