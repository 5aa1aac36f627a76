// Following a run set from a workflow job: a look every `pollMs` (the CLI's watch), the
// comment's progress edited at most every `progressEveryMs`, until the run set settles or the
// job's time runs out, when the client this job started is ended (the run set goes on, and the
// scheduled watch takes over). Pure apart from what it is given.
import type { Clock } from "../engine/clock.ts";
import type { ProgressSample } from "../report/comment-stage.ts";
import type { BackgroundRun } from "./cli-runner.ts";
import type { RunSetState } from "./cli-state.ts";

export type Running = Extract<RunSetState, { kind: "running" }>;

export interface FollowOptions {
  readonly look: () => Promise<RunSetState>;
  /** The run client this job started, if it did. */
  readonly client?: BackgroundRun;
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
  | { readonly kind: "settled"; readonly state: Exclude<RunSetState, Running> }
  | { readonly kind: "handed-over"; readonly state: Running | undefined };

export interface FollowResult {
  readonly end: FollowEnd;
  readonly history: readonly ProgressSample[];
}

export async function followRunSet(o: FollowOptions): Promise<FollowResult> {
  const history: ProgressSample[] = [...(o.history ?? [])];
  let lastPublished = o.lastPublished ?? Number.NEGATIVE_INFINITY;
  let clientEnded: RunSetState | undefined;
  let clientFailed: unknown;
  const clientDone = o.client?.done.then(
    (s) => {
      clientEnded = s;
    },
    (e: unknown) => {
      clientFailed = e;
    },
  );
  let last: Running | undefined;
  for (;;) {
    if (clientFailed !== undefined) throw clientFailed;
    // The client's own end counts when it settles the run set; one that only ended itself
    // (the run set goes on) leaves the following to the watch.
    if (
      clientEnded &&
      (clientEnded.kind === "finished" || (clientEnded.kind === "ended" && !clientEnded.goesOn))
    ) {
      return { end: { kind: "settled", state: clientEnded }, history };
    }
    const state = await o.look();
    if (state.kind !== "running") {
      o.client?.stop();
      return { end: { kind: "settled", state }, history };
    }
    last = state;
    const now = o.clock.now();
    history.push({ at: new Date(now).toISOString(), done: state.done });
    if (now - lastPublished >= o.progressEveryMs) {
      await o.publishProgress(state, history);
      lastPublished = now;
    }
    if (now + o.pollMs >= o.deadline) {
      o.client?.stop();
      return { end: { kind: "handed-over", state: last }, history };
    }
    const wait = new AbortController();
    clientDone?.then(() => wait.abort());
    await o.clock.sleep(o.pollMs, wait.signal);
  }
}
