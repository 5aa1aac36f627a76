// One comment per project/scenario on a pull request: found by its hidden marker, created once,
// then edited in place. A comment deleted by hand is created again, whether it was gone before
// the search or vanished between the search and the edit.
import type { GitHubClient, IssueComment } from "./client.ts";
import { MAX_COMMENT_CHARS } from "./client.ts";

export interface UpsertCommentInput {
  readonly client: GitHubClient;
  readonly issue: number;
  /** `<!-- modelfleet:<project>/<scenario> -->`: the body starts with it. */
  readonly marker: string;
  readonly body: string;
  /** A comment id remembered from an earlier edit: tried first, saving the search. */
  readonly knownId?: number;
}

export interface UpsertCommentResult {
  readonly action: "created" | "updated";
  readonly comment: IssueComment;
}

export async function upsertComment(input: UpsertCommentInput): Promise<UpsertCommentResult> {
  const { client, issue, marker, body } = input;
  if (!body.startsWith(marker)) throw new Error(`a modelfleet comment starts with its marker ${marker}`);
  if (body.length > MAX_COMMENT_CHARS)
    throw new Error(
      `the comment is ${body.length} characters, over GitHub's ${MAX_COMMENT_CHARS}: it should have been shortened`,
    );
  if (input.knownId !== undefined) {
    const edited = await client.updateIssueComment(input.knownId, body);
    if (edited) return { action: "updated", comment: edited };
  }
  const existing = findMarkedComment(await client.listIssueComments(issue), marker);
  if (existing) {
    const edited = await client.updateIssueComment(existing.id, body);
    if (edited) return { action: "updated", comment: edited };
  }
  return { action: "created", comment: await client.createIssueComment(issue, body) };
}

/** The first comment that starts with the marker (a reply quoting it starts with "> "). */
export function findMarkedComment(
  comments: readonly IssueComment[],
  marker: string,
): IssueComment | undefined {
  return comments.find((c) => c.body.startsWith(marker));
}
