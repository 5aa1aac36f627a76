// One stage of a scenario's comment, from a JSON file, onto its pull request: the one given,
// the one that triggered the run, or the one that brought the commit.
import { readFile } from "node:fs/promises";
import { renderComment } from "../report/comment.ts";
import type { CommentStage } from "../report/comment-stage.ts";
import { commentMarker } from "../report/markdown.ts";
import type { GitHubClient } from "./client.ts";
import { upsertComment } from "./comment-upsert.ts";
import type { WorkflowEnvironment } from "./environment.ts";
import { findPullRequest } from "./pull-request.ts";

const STAGES = ["plan", "progress", "report"];

export async function readStageFile(file: string): Promise<CommentStage> {
  let stage: { stage?: unknown; project?: unknown; scenario?: unknown };
  try {
    stage = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new Error(
      `${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "not found" : `not JSON (${(e as Error).message})`}`,
    );
  }
  if (!STAGES.includes(String(stage.stage)))
    throw new Error(
      `${file}: \`stage\` is ${JSON.stringify(stage.stage)}; expected one of ${STAGES.join(", ")}`,
    );
  if (typeof stage.project !== "string" || typeof stage.scenario !== "string")
    throw new Error(`${file}: \`project\` and \`scenario\` must be strings`);
  return stage as CommentStage;
}

export async function postStage(
  s: { readonly stage: CommentStage; readonly issue?: number; readonly env: WorkflowEnvironment },
  d: { readonly client: GitHubClient; readonly log: (line: string) => void },
): Promise<string | undefined> {
  const issue = s.issue ?? s.env.pullRequest?.number ?? (await findPullRequest(d.client, s.env.sha))?.number;
  if (issue === undefined) {
    d.log(`no pull request for ${s.env.sha.slice(0, 12)}: nothing to comment on`);
    return undefined;
  }
  const done = await upsertComment({
    client: d.client,
    issue,
    marker: commentMarker(s.stage.project, s.stage.scenario),
    body: renderComment(s.stage),
  });
  d.log(`${s.stage.project}/${s.stage.scenario}: comment ${done.action} (${done.comment.url})`);
  return done.comment.url;
}
