// What every action's main.ts shares: reading inputs, building the GitHub client from the
// workflow's environment, and the workflow-command form of an annotation. Thin wrappers over
// @actions/core, so the main files stay a list of settings.
import * as core from "@actions/core";
import type { CheckAnnotation, GitHubClient } from "./client.ts";
import type { WorkflowEnvironment } from "./environment.ts";
import { createOctokitClient } from "./octokit-client.ts";

export function input(name: string): string {
  return core.getInput(name).trim();
}

export function choiceInput<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const value = input(name) || fallback;
  if (!(choices as readonly string[]).includes(value))
    throw new Error(`input \`${name}\` is "${value}"; expected one of ${choices.join(", ")}`);
  return value as T;
}

export function booleanInput(name: string, fallback: boolean): boolean {
  const value = input(name).toLowerCase();
  if (value === "") return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new Error(`input \`${name}\` is "${value}"; expected true or false`);
}

export function numberInput(name: string, fallback: number, min = 0): number {
  const text = input(name);
  if (text === "") return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < min)
    throw new Error(`input \`${name}\` is "${text}"; expected a number >= ${min}`);
  return n;
}

/** The GitHub client for the workflow's token, or undefined when there is no token. */
export function githubClient(token: string, env: WorkflowEnvironment): GitHubClient | undefined {
  if (token === "") return undefined;
  core.setSecret(token);
  // GitHub asks for a second between writes (three between comments); a test against a fake
  // API sets this to 0.
  const interval = process.env["MODELFLEET_GITHUB_WRITE_INTERVAL_MS"];
  return createOctokitClient({
    token,
    repository: env.repository,
    baseUrl: env.apiUrl,
    log: (line) => core.info(line),
    ...(interval ? { writeIntervalMs: Number(interval) } : {}),
  });
}

/** An annotation as a workflow command (`::error file=…,line=…::message`). */
export function annotateWithCommand(a: CheckAnnotation): void {
  const properties: core.AnnotationProperties = {
    file: a.path,
    startLine: a.startLine,
    endLine: a.endLine,
    ...(a.title ? { title: a.title } : {}),
    ...(a.startColumn !== undefined ? { startColumn: a.startColumn } : {}),
  };
  if (a.level === "failure") core.error(a.message, properties);
  else if (a.level === "warning") core.warning(a.message, properties);
  else core.notice(a.message, properties);
}
