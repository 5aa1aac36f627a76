// Following a run set from a workflow job: a look every `pollMs` (the CLI's `watch --once`,
// which also moves the run set on and finishes it), the comment's progress edited at most every
// `progressEveryMs`, until the run set settles or the job's time runs out; then a later job (the
// scheduled watch) carries on. Pure apart from what it is given.
import type { Clock } from "../engine/clock.ts";
import type { ProgressSample } from "../report/comment-stage.ts";
import type { Running, RunSetStatus, Settled } from "./cli-state.ts";

export interface FollowOptions {
  readonly look: () => Promise<RunSetStatus>;
  /** What is already known, taken as the first look (the status `run --detach` printed). */
  readonly first?: RunSetStatus;
  readonly publishProgress: (state: Running, history: readonly ProgressSample[]) => Promise<void>;
  readonly clock: Clock;
  readonly pollMs: number;
  readonly progressEveryMs: number;
  /** When this job must stop following (its time limit less a margin), as clock time. */
  readonly deadline: number;
  /** Samples from an earlier job, to carry on the rate and the sparkline. */
  readonly history?: readonly ProgressSample[];
  /** When the progress was last published, by an earlier job too. */
  readonly lastPublished?: number;
}

export type FollowEnd =
  | { readonly kind: "settled"; readonly state: Settled }
  | { readonly kind: "handed-over"; readonly state: Running };

export interface FollowResult {
  readonly end: FollowEnd;
  readonly history: readonly ProgressSample[];
}

export async function followRunSet(o: FollowOptions): Promise<FollowResult> {
  const history: ProgressSample[] = [...(o.history ?? [])];
  let lastPublished = o.lastPublished ?? Number.NEGATIVE_INFINITY;
  let next = o.first;
  for (;;) {
    const state = next ?? (await o.look());
    next = undefined;
    if (state.state !== "running") return { end: { kind: "settled", state }, history };
    const now = o.clock.now();
    history.push({ at: new Date(now).toISOString(), done: state.queued - state.pending });
    if (now - lastPublished >= o.progressEveryMs) {
      await o.publishProgress(state, history);
      lastPublished = now;
    }
    if (now + o.pollMs >= o.deadline) return { end: { kind: "handed-over", state }, history };
    await o.clock.sleep(o.pollMs);
  }
}
