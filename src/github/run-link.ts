// The run set's link to its pull request, kept beside its results (`github-comment.json`): the
// pull request, the comment's id, the progress seen so far and whether the report is posted.
// Whatever job follows the run set next (the run job, or any scheduled watch after it was
// killed) reads it and carries on with the same comment.
import type { ProgressSample } from "../report/comment-stage.ts";
import type { ResultStore, RunSetRef } from "../store/result-store.ts";

export const RUN_LINK_FILE = "github-comment.json";
/** Progress samples kept: enough for a sparkline and a rate. */
const HISTORY = 60;

export interface RunLink {
  readonly schema: 1;
  readonly repository: string;
  readonly pullRequest: number;
  readonly commentId?: number;
  /** The run the comment is about (the run record's id, when the CLI gives it). */
  readonly runId?: string;
  readonly stage: "progress" | "report";
  /** The commit the run was started from: the alerts check goes on it. */
  readonly commit?: string;
  readonly startedAt?: string;
  readonly history: readonly ProgressSample[];
  readonly workflowRun: string;
  readonly updatedAt: string;
}

export async function readRunLink(store: ResultStore, runSet: RunSetRef): Promise<RunLink | undefined> {
  const bytes = await store.getRunSetFile(runSet, RUN_LINK_FILE);
  if (!bytes) return undefined;
  try {
    const link = JSON.parse(Buffer.from(bytes).toString("utf8")) as RunLink;
    return link.schema === 1 && typeof link.pullRequest === "number" ? link : undefined;
  } catch {
    return undefined;
  }
}

export async function writeRunLink(store: ResultStore, runSet: RunSetRef, link: RunLink): Promise<void> {
  const trimmed = { ...link, history: link.history.slice(-HISTORY) };
  await store.putRunSetFile(runSet, RUN_LINK_FILE, `${JSON.stringify(trimmed, null, 2)}\n`);
}
