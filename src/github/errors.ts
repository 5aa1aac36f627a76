// Octokit's errors as one plain sentence with the next step: a token without the permission,
// something not found, rate limits.
import { errorMessage } from "../errors.ts";

export interface GitHubCall {
  /** What was being done, as a person says it: "edit comment 12 on pull request #7". */
  readonly doing: string;
  /** The `permissions:` entry the workflow's job needs for it. */
  readonly permission: string;
}

export function statusOf(e: unknown): number | undefined {
  const status = (e as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}

export function explainGitHubError(e: unknown, call: GitHubCall): string {
  const status = statusOf(e);
  const detail = errorMessage(e);
  if (status === 401)
    return `GitHub refused the token to ${call.doing} (401 ${detail}): pass the workflow's GITHUB_TOKEN as the action's \`token\` input`;
  if (status === 403 && /rate limit/i.test(detail)) {
    return `GitHub's rate limit stopped us as we tried to ${call.doing} after the retries (${detail}); run the job again later`;
  }
  if (status === 403 || status === 404) {
    return `could not ${call.doing} (${status} ${detail}): the job needs \`permissions: ${call.permission}\`, and a pull request from a fork gets a read-only token`;
  }
  if (status === 422) return `GitHub rejected the request to ${call.doing} (422 ${detail})`;
  return `could not ${call.doing}: ${detail}`;
}
