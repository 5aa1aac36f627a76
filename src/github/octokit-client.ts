// The real GitHub client: @actions/github's Octokit with the throttling plugin (GitHub's
// pacing of writes, waits out primary and secondary rate limits) and the retry plugin (server
// errors). Built from props, so tests point it at a fake API (baseUrl, or an injected fetch).
import { getOctokit } from "@actions/github";
import { retry } from "@octokit/plugin-retry";
import { throttling } from "@octokit/plugin-throttling";
import Bottleneck from "bottleneck";
import {
  ANNOTATIONS_PER_REQUEST,
  type CheckAnnotation,
  type CheckRun,
  type CheckRunInput,
  type GitHubClient,
  type IssueComment,
  type PullRequestRef,
  type RepositoryRef,
} from "./client.ts";
import { explainGitHubError, statusOf } from "./errors.ts";

export interface OctokitClientProps {
  readonly token: string;
  readonly repository: RepositoryRef;
  /** GitHub's API (GITHUB_API_URL on GitHub Enterprise); api.github.com by default. */
  readonly baseUrl?: string;
  /** Replaces undici's fetch: how tests serve a fake API in-process. */
  readonly fetch?: typeof globalThis.fetch;
  /** How many times a rate-limited request is retried (default 3). */
  readonly rateLimitRetries?: number;
  /** Milliseconds per second of GitHub's retry-after (1000; tests make waits instant). */
  readonly retryAfterUnitMs?: number;
  /** Least time between two writes (GitHub asks for 1 s, and 3 s between writes that notify
   * people, such as comments; tests use 0). */
  readonly writeIntervalMs?: number;
  /** Where rate-limit waits are reported (core.info in an action). */
  readonly log?: (line: string) => void;
}

type Octokit = ReturnType<typeof getOctokit>;

export function createOctokitClient(props: OctokitClientProps): GitHubClient {
  const log = props.log ?? (() => {});
  const retries = props.rateLimitRetries ?? 3;
  const unit = props.retryAfterUnitMs ?? 1000;
  const octokit: Octokit = getOctokit(
    props.token,
    {
      ...(props.baseUrl ? { baseUrl: props.baseUrl } : {}),
      ...(props.fetch ? { request: { fetch: props.fetch } } : {}),
      throttle: {
        retryAfterBaseValue: unit,
        ...(props.writeIntervalMs !== undefined
          ? {
              write: new Bottleneck.Group({ maxConcurrent: 1, minTime: props.writeIntervalMs }),
              notifications: new Bottleneck.Group({ maxConcurrent: 1, minTime: props.writeIntervalMs }),
            }
          : {}),
        onRateLimit: (
          after: number,
          options: { method: string; url: string },
          _o: unknown,
          count: number,
        ) => {
          log(
            `GitHub rate limit on ${options.method} ${options.url}: waiting ${after} s (retry ${count + 1} of ${retries})`,
          );
          return count < retries;
        },
        onSecondaryRateLimit: (
          after: number,
          options: { method: string; url: string },
          _o: unknown,
          count: number,
        ) => {
          log(
            `GitHub secondary rate limit on ${options.method} ${options.url}: waiting ${after} s (retry ${count + 1} of ${retries})`,
          );
          return count < retries;
        },
      },
      retry: { retryAfterBaseValue: unit },
    },
    throttling,
    retry,
  );
  const repo = props.repository;
  const call = async <T>(doing: string, permission: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw new Error(explainGitHubError(e, { doing, permission }), { cause: e });
    }
  };

  return {
    repository: repo,
    pullRequestsOfCommit: (sha) =>
      call(`find the pull request of commit ${sha.slice(0, 12)}`, "pull-requests: read", async () => {
        const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
          ...repo,
          commit_sha: sha,
        });
        return data.map(
          (pr): PullRequestRef => ({
            number: pr.number,
            url: pr.html_url,
            state: pr.state === "open" ? "open" : "closed",
            merged: pr.merged_at !== null && pr.merged_at !== undefined,
            mergeCommitSha: pr.merge_commit_sha ?? null,
          }),
        );
      }),
    listIssueComments: (issue) =>
      call(`list the comments of #${issue}`, "pull-requests: read", async () => {
        const data = await octokit.paginate(octokit.rest.issues.listComments, {
          ...repo,
          issue_number: issue,
          per_page: 100,
        });
        return data.map(toComment);
      }),
    createIssueComment: (issue, body) =>
      call(`comment on #${issue}`, "pull-requests: write", async () => {
        const { data } = await octokit.rest.issues.createComment({ ...repo, issue_number: issue, body });
        return toComment(data);
      }),
    updateIssueComment: (id, body) =>
      call(`edit comment ${id}`, "pull-requests: write", async () => {
        try {
          const { data } = await octokit.rest.issues.updateComment({ ...repo, comment_id: id, body });
          return toComment(data);
        } catch (e) {
          if (statusOf(e) === 404) return undefined;
          throw e;
        }
      }),
    createCheckRun: (run) =>
      call(`create the check run "${run.name}"`, "checks: write", () => createCheckRun(octokit, repo, run)),
  };
}

function toComment(c: {
  id: number;
  body?: string | undefined;
  html_url: string;
  user: { login: string } | null;
}): IssueComment {
  return { id: c.id, body: c.body ?? "", url: c.html_url, author: c.user?.login ?? "" };
}

/** GitHub takes 50 annotations a request: the run is created with the first 50 and updated
 * with the rest, 50 at a time (each update adds to the run's annotations). */
async function createCheckRun(octokit: Octokit, repo: RepositoryRef, run: CheckRunInput): Promise<CheckRun> {
  const batches: CheckAnnotation[][] = [];
  for (let i = 0; i < run.annotations.length; i += ANNOTATIONS_PER_REQUEST)
    batches.push(run.annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  const output = (annotations: readonly CheckAnnotation[]) => ({
    title: run.title,
    summary: run.summary,
    annotations: annotations.map(toApiAnnotation),
  });
  const { data } = await octokit.rest.checks.create({
    ...repo,
    name: run.name,
    head_sha: run.headSha,
    status: "completed",
    conclusion: run.conclusion,
    output: output(batches[0] ?? []),
  });
  for (const batch of batches.slice(1)) {
    await octokit.rest.checks.update({ ...repo, check_run_id: data.id, output: output(batch) });
  }
  return { id: data.id, url: data.html_url ?? "" };
}

function toApiAnnotation(a: CheckAnnotation) {
  const oneLine = a.startLine === a.endLine;
  return {
    path: a.path,
    start_line: a.startLine,
    end_line: a.endLine,
    ...(oneLine && a.startColumn !== undefined ? { start_column: a.startColumn } : {}),
    ...(oneLine && a.endColumn !== undefined ? { end_column: a.endColumn } : {}),
    annotation_level: a.level,
    message: a.message,
    ...(a.title ? { title: a.title } : {}),
  };
}
