// Calibrating a scenario from the run workflow: `modelfleet calibrate --executor ecs` run to its
// end in the job (the client computes each update between iterations), its progress in the
// scenario's pull-request comment ("calibrating", the iteration on the workers, the mean phi of
// those finished), then the calibration's report.md there and its files for the artifact. The
// comment's id and pull request go beside the calibration's files (run-link.ts), so when a job
// is killed, the next dispatch of the workflow, whose command resumes the calibration, edits the
// same comment.
import { calibrationRunSet } from "../calibrate/iteration-run-set.ts";
import type { Clock } from "../engine/clock.ts";
import { errorMessage } from "../errors.ts";
import { renderComment } from "../report/comment.ts";
import { s3ConsoleUrl } from "../report/comment-parts.ts";
import type { CommentLinks } from "../report/comment-stage.ts";
import { commentMarker } from "../report/markdown.ts";
import type { ProjectSpec } from "../spec/schema.ts";
import type { ResultStore } from "../store/result-store.ts";
import { type CalibratingStage, renderCalibratingComment } from "./calibration-comment.ts";
import { fetchCalibrationFiles } from "./calibration-files.ts";
import { type CalibrationProgress, nextProgress } from "./calibration-progress.ts";
import type { CalibrationExit } from "./cli-runner.ts";
import type { GitHubClient } from "./client.ts";
import { upsertComment } from "./comment-upsert.ts";
import type { WorkflowEnvironment } from "./environment.ts";
import { findPullRequest } from "./pull-request.ts";
import { type RunLink, readRunLink, writeRunLink } from "./run-link.ts";

export interface CalibrateSettings {
  readonly spec: ProjectSpec;
  readonly infra: { readonly region: string; readonly bucket: string; readonly prefix?: string };
  /** The pull request, when the workflow knows it. */
  readonly issue?: number;
  readonly env: WorkflowEnvironment;
  readonly progressEveryMs: number;
  /** Where the calibration's files go, for the workflow's artifact. */
  readonly reportDir: string;
  readonly artifactName: string;
}

export interface CalibrateDeps {
  readonly client?: GitHubClient;
  readonly store: ResultStore;
  readonly clock: Clock;
  /** Runs `modelfleet calibrate --executor ecs` to its end, each stderr line to `onLine`. */
  readonly calibrate: (onLine: (line: string) => void) => Promise<CalibrationExit>;
  readonly log: (line: string) => void;
}

export interface CalibrateOutcome {
  /** calibrated, stopped (run again to resume) or failed. */
  readonly state: "calibrated" | "stopped" | "failed";
  readonly commentUrl?: string;
  readonly reportFiles: readonly string[];
  /** Why it stopped or failed. */
  readonly message?: string;
}

export async function calibrateScenario(s: CalibrateSettings, d: CalibrateDeps): Promise<CalibrateOutcome> {
  const { project, scenario } = s.spec;
  const label = `${project}/${scenario}`;
  const folder = calibrationRunSet({ project, scenario });
  const earlier = await readRunLink(d.store, folder);
  // A merge brings its own pull request; a dispatch carries on the calibration's comment.
  const issue =
    s.issue ??
    (s.env.eventName !== "push" ? earlier?.pullRequest : undefined) ??
    (d.client ? (await findPullRequest(d.client, s.env.sha))?.number : undefined);
  if (issue === undefined)
    d.log(
      `${label}: no pull request to comment on (none given, none recorded, none found for ${s.env.sha.slice(0, 12)})`,
    );
  let link: RunLink | undefined = earlier?.pullRequest === issue ? earlier : undefined;
  const key = `${s.infra.prefix ?? ""}${project}/${folder.scenario}/`;
  const links: CommentLinks = {
    workflowRun: s.env.runUrl,
    resultsConsole: s3ConsoleUrl(s.infra.bucket, key, s.infra.region),
    resultsS3: `s3://${s.infra.bucket}/${key}`,
  };
  const startedAt = (link?.stage === "progress" ? link.startedAt : undefined) ?? iso(d.clock.now());
  let commentUrl: string | undefined;

  const post = async (body: string, stage: RunLink["stage"]) => {
    if (issue === undefined || !d.client) return;
    const done = await upsertComment({
      client: d.client,
      issue,
      marker: commentMarker(project, scenario),
      body,
      ...(link?.commentId !== undefined ? { knownId: link.commentId } : {}),
    });
    link = {
      schema: 1,
      repository: `${s.env.repository.owner}/${s.env.repository.repo}`,
      pullRequest: issue,
      commentId: done.comment.id,
      stage,
      history: [],
      workflowRun: s.env.runUrl,
      updatedAt: iso(d.clock.now()),
      startedAt,
      commit: s.env.sha,
    };
    await writeRunLink(d.store, folder, link);
    commentUrl = done.comment.url;
    d.log(`${label}: comment ${done.action} (${done.comment.url})`);
  };
  let progress: CalibrationProgress = { done: [] };
  const calibrating = (stopped?: string): string => {
    const stage: CalibratingStage = {
      project,
      scenario,
      iterations: s.spec.calibration?.iterations ?? 4,
      progress,
      startedAt,
      updatedAt: iso(d.clock.now()),
      ...(stopped ? { stopped } : {}),
      links,
    };
    return renderCalibratingComment(stage);
  };

  await post(calibrating(), "progress");
  // Edits go one after another, at most every progressEveryMs, from the lines as they come.
  let lastPosted = d.clock.now();
  let posting: Promise<void> = Promise.resolve();
  const exit = await d.calibrate((line) => {
    const next = nextProgress(progress, line);
    if (next === progress) return;
    progress = next;
    const now = d.clock.now();
    if (now - lastPosted < s.progressEveryMs) return;
    lastPosted = now;
    posting = posting
      .then(() => post(calibrating(), "progress"))
      .catch((e: unknown) => {
        d.log(`${label}: the comment's progress was not edited: ${errorMessage(e)}`);
      });
  });
  await posting;

  if (exit.code !== 0) {
    const state = exit.code === 130 ? "stopped" : "failed";
    const why =
      exit.code === 130
        ? "this job's time ran out (it stops the calibration before the workflow's time limit)."
        : `\`modelfleet calibrate\` exited with ${exit.code}:\n\n${exit.tail.slice(-3).join("\n")}`;
    await post(calibrating(why), "progress");
    return { state, ...(commentUrl ? { commentUrl } : {}), reportFiles: [], message: why };
  }
  if (exit.summary)
    d.log(
      `${label}: calibrated in ${exit.summary.iterations} iteration(s), ${exit.summary.modelRuns} model runs, ${Math.round(exit.summary.wallSeconds)} s`,
    );
  const fetched = await fetchCalibrationFiles({
    store: d.store,
    folder,
    caseName: scenario,
    outDir: s.reportDir,
  });
  await post(
    renderComment({
      stage: "report",
      project,
      scenario,
      markdown: fetched.markdown ?? "",
      alerts: [],
      spent: { unknown: "the calibration's worker tasks are not counted" },
      links: { ...links, ...(fetched.files.length > 0 ? { artifact: s.artifactName } : {}) },
    }),
    "report",
  );
  return { state: "calibrated", ...(commentUrl ? { commentUrl } : {}), reportFiles: fetched.files };
}

const iso = (ms: number) => new Date(ms).toISOString();
