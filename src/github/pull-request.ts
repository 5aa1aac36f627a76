// The pull request that brought a commit to the branch: the one GitHub merged as that commit,
// else a merged one that contains it, else an open one.
import type { GitHubClient, PullRequestRef } from "./client.ts";

export function pullRequestOf(sha: string, pulls: readonly PullRequestRef[]): PullRequestRef | undefined {
  return (
    pulls.find((p) => p.mergeCommitSha === sha) ??
    pulls.find((p) => p.merged) ??
    pulls.find((p) => p.state === "open")
  );
}

export async function findPullRequest(
  client: GitHubClient,
  sha: string,
): Promise<PullRequestRef | undefined> {
  return pullRequestOf(sha, await client.pullRequestsOfCommit(sha));
}
