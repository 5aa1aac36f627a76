// What a workflow run tells an action through its environment: the repository, the commit, the
// run's page, the API, and for a pull request its number and whether it comes from a fork.
// Read once into a plain object (tests pass their own), never at import time.
import { readFile } from "node:fs/promises";
import type { RepositoryRef } from "./client.ts";

export interface WorkflowEnvironment {
  readonly repository: RepositoryRef;
  readonly sha: string;
  readonly serverUrl: string;
  readonly apiUrl: string;
  readonly runId: string;
  readonly eventName: string;
  /** The pull request that triggered the run, if one did. */
  readonly pullRequest?: { readonly number: number; readonly headSha: string; readonly fromFork: boolean };
  /** The workflow run's page. */
  readonly runUrl: string;
}

export async function readWorkflowEnvironment(
  env: NodeJS.ProcessEnv = process.env,
): Promise<WorkflowEnvironment> {
  const full = env["GITHUB_REPOSITORY"] ?? "";
  const [owner, repo] = full.split("/");
  if (!owner || !repo)
    throw new Error(
      `GITHUB_REPOSITORY is "${full}", expected owner/name: run this action in a GitHub workflow`,
    );
  const serverUrl = env["GITHUB_SERVER_URL"] ?? "https://github.com";
  const runId = env["GITHUB_RUN_ID"] ?? "";
  const eventName = env["GITHUB_EVENT_NAME"] ?? "";
  const event = env["GITHUB_EVENT_PATH"] ? await readEvent(env["GITHUB_EVENT_PATH"]) : {};
  const pr = event["pull_request"] as
    | { number?: number; head?: { sha?: string; repo?: { full_name?: string } } }
    | undefined;
  return {
    repository: { owner, repo },
    sha: env["GITHUB_SHA"] ?? "",
    serverUrl,
    apiUrl: env["GITHUB_API_URL"] ?? "https://api.github.com",
    runId,
    eventName,
    ...(pr?.number
      ? {
          pullRequest: {
            number: pr.number,
            headSha: pr.head?.sha ?? env["GITHUB_SHA"] ?? "",
            fromFork: (pr.head?.repo?.full_name ?? full) !== full,
          },
        }
      : {}),
    runUrl: `${serverUrl}/${owner}/${repo}/actions/runs/${runId}`,
  };
}

async function readEvent(path: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  } catch {
    return {};
  }
}
