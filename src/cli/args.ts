// Argument parsing shared by the commands: node's parseArgs, with errors that say what to do.
import { type ParseArgsConfig, parseArgs } from "node:util";
import { errorMessage, UserError } from "../errors.ts";
import { durationLimitProblem, parseDuration } from "../spec/duration.ts";

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig["options"]>>(
  command: string,
  args: string[],
  options: T,
  usage: string,
) {
  try {
    return parseArgs({
      args,
      options: { ...options, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
  } catch (e) {
    throw new UserError(`modelfleet ${command}: ${errorMessage(e)}\n\n${usage}`, { exitCode: 2 });
  }
}

/** The one positional argument a command takes (a project file), or a usage error. */
export function singleArgument(positionals: readonly string[], usage: string): string {
  const [first, ...extra] = positionals;
  if (first === undefined || extra.length > 0) throw new UserError(usage, { exitCode: 2 });
  return first;
}

/**
 * A duration option (`--grace 30s`) in seconds: `fallback` when absent, a usage error (exit 2)
 * when it is not a duration or is longer than the longest a timer here honours.
 */
export function durationOption(
  command: string,
  option: string,
  text: string | undefined,
  fallback: number,
  example = "30s",
): number {
  if (text === undefined) return fallback;
  const seconds = parseDuration(text);
  if (seconds === undefined) {
    throw new UserError(`${command}: --${option} takes a duration such as ${example}, got "${text}"`, {
      exitCode: 2,
    });
  }
  const problem = durationLimitProblem(seconds);
  if (problem !== undefined) throw new UserError(`${command}: --${option} takes ${problem}`, { exitCode: 2 });
  return seconds;
}
