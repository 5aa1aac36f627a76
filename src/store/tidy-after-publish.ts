// What both stores do once a publish is decided: remove the files no result refers to any more
// (best effort: they are never read again either way). An attempt that lost leaves its own
// files; a result that was replaced leaves the files of its attempt.
import type { RealisationResult } from "../results/realisation-result.ts";
import { attemptOf } from "./result-rules.ts";
import type { PublishOutcome } from "./result-store.ts";

export type PublishAttemptOutcome =
  | { readonly published: true; readonly replaced: RealisationResult | undefined }
  | { readonly published: false; readonly current: RealisationResult | undefined };

export async function tidyAfterPublish(
  result: RealisationResult,
  outcome: PublishAttemptOutcome,
  discardFilesOf: (r: RealisationResult) => Promise<void>,
): Promise<PublishOutcome> {
  // A retried write of the same attempt that had in fact succeeded is "already published" by
  // itself: its files are the published ones.
  if (!outcome.published && outcome.current?.attempt !== result.attempt) {
    await discardFilesOf(result).catch(() => {});
  }
  if (outcome.published && outcome.replaced && attemptOf(outcome.replaced) !== attemptOf(result)) {
    await discardFilesOf(outcome.replaced).catch(() => {});
  }
  return outcome.published ? "published" : "already-published";
}
