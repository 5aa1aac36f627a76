// The close's report in the pull request or issue that asked for it: one comment per project,
// found by its marker and edited in place (github/comment-upsert.ts), so a close run again
// (after a failure, or to continue) updates the same comment rather than adding one.
import type { GitHubClient } from "../github/client.ts";
import { MAX_COMMENT_CHARS } from "../github/client.ts";
import { type UpsertCommentResult, upsertComment } from "../github/comment-upsert.ts";
import { commentMarker } from "./close-report.ts";

export async function postCloseReport(options: {
  readonly client: GitHubClient;
  readonly issue: number;
  readonly project: string;
  /** renderCloseReport's markdown. */
  readonly body: string;
}): Promise<UpsertCommentResult> {
  const marker = commentMarker(options.project);
  let body = options.body.startsWith(marker) ? options.body : `${marker}\n${options.body}`;
  if (body.length > MAX_COMMENT_CHARS) {
    const note =
      "\n\n… (cut to fit a comment: the whole report is in the workflow run's summary and artifact)";
    body = `${body.slice(0, MAX_COMMENT_CHARS - note.length)}${note}`;
  }
  return upsertComment({ client: options.client, issue: options.issue, marker, body });
}
