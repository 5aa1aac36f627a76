// Following a cloud run set from a workflow job and keeping its pull-request comment current:
// start it (the run workflow) or pick it up from its state in S3 (the scheduled watch), edit
// the progress at a sensible rate, and once it settles post the report with lasting links,
// fail a check on fired alerts and tell the project's SNS topic. The comment's id and the
// progress seen go beside the run set's results (run-link.ts), so a job killed at any point
// is carried on by the next one.
import type { SNSClient } from "@aws-sdk/client-sns";
import { parseRunRecord, RUN_RECORD_FILE } from "../cloud/run-record.ts";
import type { RunSetCost } from "../cost/run-set-cost.ts";
import type { Clock } from "../engine/clock.ts";
import { renderComment } from "../report/comment.ts";
import { s3ConsoleUrl } from "../report/comment-parts.ts";
import type {
  CommentLinks,
  CommentStage,
  ProgressSample,
  ProgressStage,
  ReportStage,
} from "../report/comment-stage.ts";
import { commentMarker } from "../report/markdown.ts";
import type { ProjectSpec } from "../spec/schema.ts";
import type { ResultStore, RunSetRef } from "../store/result-store.ts";
import { handleAlerts } from "./alerts-flow.ts";
import type { Running, RunSetStatus } from "./cli-state.ts";
import type { GitHubClient } from "./client.ts";
import { upsertComment } from "./comment-upsert.ts";
import type { WorkflowEnvironment } from "./environment.ts";
import { type FollowEnd, followRunSet } from "./follow.ts";
import { findPullRequest } from "./pull-request.ts";
import { fetchReportFiles } from "./report-files.ts";
import { type RunLink, readRunLink, writeRunLink } from "./run-link.ts";

export interface WatchSettings {
  readonly spec: ProjectSpec;
  /** The infrastructure outputs: where the results are, the alerts topic. */
  readonly infra: {
    readonly region: string;
    readonly bucket: string;
    readonly prefix?: string;
    readonly alertsTopicArn?: string;
  };
  /** Start the run set (the run workflow) rather than pick it up (the scheduled watch). */
  readonly start: boolean;
  readonly pollMs: number;
  readonly progressEveryMs: number;
  /** Clock time by which this job stops following. */
  readonly deadline: number;
  /** The pull request, when the workflow knows it. */
  readonly issue?: number;
  readonly env: WorkflowEnvironment;
  /** Where the report files go, for the workflow's artifact. */
  readonly reportDir: string;
  readonly artifactName: string;
  readonly alertsCheckName: string;
}

export interface WatchDeps {
  readonly client?: GitHubClient;
  readonly store: ResultStore;
  readonly sns?: SNSClient;
  readonly clock: Clock;
  /** One look at the run set (`modelfleet watch --once --json`). */
  readonly look: () => Promise<RunSetStatus>;
  /** Starts the run set (`modelfleet run --detach --json`). */
  readonly startRun: () => Promise<RunSetStatus>;
  readonly log: (line: string) => void;
}

export interface WatchOutcome {
  /** finished, handed-over, nothing (no run to follow, or its report is already posted), or
   * how it ended: stopped, failed, lost, replaced. */
  readonly state: string;
  readonly commentUrl?: string;
  readonly firedAlerts: number;
  readonly reportFiles: readonly string[];
}

const NOTHING: WatchOutcome = { state: "nothing", firedAlerts: 0, reportFiles: [] };

export async function watchRunSet(s: WatchSettings, d: WatchDeps): Promise<WatchOutcome> {
  const runSet: RunSetRef = { project: s.spec.project, scenario: s.spec.scenario };
  const label = `${runSet.project}/${runSet.scenario}`;
  const marker = commentMarker(runSet.project, runSet.scenario);
  let link: RunLink | undefined;
  let issue: number | undefined;
  let started: RunSetStatus | undefined;
  if (s.start) {
    // A new run: it belongs to the pull request that brought its commit.
    started = await d.startRun();
    issue = s.issue ?? (d.client ? (await findPullRequest(d.client, s.env.sha))?.number : undefined);
  } else {
    // A run picked up: it belongs to the pull request recorded with it, if it is the same run.
    link = await readRunLink(d.store, runSet);
    const current = await currentRunId(d.store, runSet);
    if (current === undefined) return NOTHING;
    if (link?.runId !== undefined && link.runId !== current) {
      d.log(
        `${label}: the run set's run (${current}) is not the one its comment follows (run ${link.runId}, pull request #${link.pullRequest}); that comment is left alone`,
      );
      link = undefined;
    } else if (link?.stage === "report") return NOTHING;
    issue = s.issue ?? link?.pullRequest;
    if (link && link.pullRequest !== issue) link = undefined;
  }
  if (issue === undefined)
    d.log(
      `${label}: no pull request to comment on (none given, none recorded, none found for ${s.env.sha.slice(0, 12)})`,
    );
  const key = `${s.infra.prefix ?? ""}${runSet.project}/${runSet.scenario}/`;
  const links: CommentLinks = {
    workflowRun: s.env.runUrl,
    resultsConsole: s3ConsoleUrl(s.infra.bucket, key, s.infra.region),
    resultsS3: `s3://${s.infra.bucket}/${key}`,
  };
  const startedAt = link?.startedAt ?? new Date(d.clock.now()).toISOString();

  const post = async (stage: CommentStage, linkStage: RunLink["stage"], extra: Partial<RunLink> = {}) => {
    if (issue === undefined || !d.client) return undefined;
    const done = await upsertComment({
      client: d.client,
      issue,
      marker,
      body: renderComment(stage),
      ...(link?.commentId !== undefined ? { knownId: link.commentId } : {}),
    });
    link = {
      schema: 1,
      repository: `${s.env.repository.owner}/${s.env.repository.repo}`,
      pullRequest: issue,
      commentId: done.comment.id,
      stage: linkStage,
      history: link?.history ?? [],
      workflowRun: s.env.runUrl,
      updatedAt: new Date(d.clock.now()).toISOString(),
      startedAt,
      ...(link?.runId ? { runId: link.runId } : {}),
      // The alerts check goes on the commit the run was started from.
      commit: link?.commit ?? s.env.sha,
      ...extra,
    };
    await writeRunLink(d.store, runSet, link);
    d.log(`${label}: comment ${done.action} (${done.comment.url})`);
    return done.comment.url;
  };
  const progressStage = (
    state: Running,
    history: readonly ProgressSample[],
    handedOver?: string,
  ): CommentStage => ({
    stage: "progress",
    project: runSet.project,
    scenario: runSet.scenario,
    total: state.queued,
    done: state.queued - state.pending,
    running: state.queue?.inFlight ?? 0,
    waiting: state.queue?.visible ?? 0,
    workers: state.regions.reduce((n, r) => n + r.running, 0),
    regions: state.regions,
    startedAt,
    updatedAt: new Date(d.clock.now()).toISOString(),
    history,
    ...costFigures(state.cost),
    ...(handedOver ? { handedOver } : {}),
    links,
  });

  let commentUrl: string | undefined;
  const followed = await followRunSet({
    look: d.look,
    ...(started ? { first: started } : {}),
    clock: d.clock,
    pollMs: s.pollMs,
    progressEveryMs: s.progressEveryMs,
    deadline: s.deadline,
    ...(link ? { history: link.history, lastPublished: Date.parse(link.updatedAt) } : {}),
    publishProgress: async (state, history) => {
      commentUrl =
        (await post(progressStage(state, history), "progress", { history, runId: state.run })) ?? commentUrl;
    },
  });
  const end: FollowEnd = followed.end;
  if (end.kind === "handed-over") {
    commentUrl =
      (await post(
        progressStage(
          end.state,
          followed.history,
          "This job has followed the run set for as long as it may; the scheduled watch workflow takes over and keeps this comment current.",
        ),
        "progress",
        { history: followed.history, runId: end.state.run },
      )) ?? commentUrl;
    return { state: "handed-over", ...(commentUrl ? { commentUrl } : {}), firedAlerts: 0, reportFiles: [] };
  }
  const state = end.state;
  if (state.state === "none" || state.state === "unknown") return NOTHING;
  // Another job posted the report meanwhile.
  if (!s.start && link?.stage === "report" && link.runId === state.run) return NOTHING;
  // Only a run that wrote its reports has any: an older run's are not this one's.
  const reported = state.state === "finished" || state.state === "lost" ? state : undefined;
  const report = reported
    ? await fetchReportFiles({ store: d.store, runSet, outDir: s.reportDir })
    : { markdown: undefined, summary: undefined, files: [] };
  const alerts = report.summary?.alerts ?? reported?.alerts ?? [];
  const stage: ReportStage = {
    stage: "report",
    project: runSet.project,
    scenario: runSet.scenario,
    markdown: report.markdown ?? "",
    ...(reported ? { counts: report.summary?.counts ?? reported.counts } : {}),
    alerts,
    spent: state.tasks.length > 0 ? state.cost.spent : { unknown: "no worker task of the run was seen" },
    ...(state.cost.estimate ? { estimate: state.cost.estimate } : {}),
    ...(state.state !== "finished" ? { ended: { state: state.state, text: state.text } } : {}),
    links: { ...links, ...(report.files.length > 0 ? { artifact: s.artifactName } : {}) },
  };
  commentUrl = (await post(stage, "report", { runId: state.run })) ?? commentUrl;
  let firedAlerts = 0;
  if (state.state === "finished") {
    const outcome = await handleAlerts({
      project: runSet.project,
      scenario: runSet.scenario,
      alerts,
      alertsTo: s.spec.cloud.alerts_to,
      ...(s.infra.alertsTopicArn ? { topicArn: s.infra.alertsTopicArn } : {}),
      ...(commentUrl ? { reportLink: commentUrl } : { reportLink: s.env.runUrl }),
      // On the commit the run was started from, not today's head of the branch.
      ...(d.client
        ? { check: { client: d.client, name: s.alertsCheckName, headSha: link?.commit ?? s.env.sha } }
        : {}),
      ...(d.sns ? { sns: d.sns } : {}),
    });
    firedAlerts = outcome.fired.length;
    if (outcome.published !== undefined) d.log(`${label}: alerts sent to ${s.infra.alertsTopicArn}`);
    if (outcome.notPublished)
      d.log(`${label}: ${firedAlerts} alert(s) fired; not sent: ${outcome.notPublished}`);
  }
  return {
    state: state.state,
    ...(commentUrl ? { commentUrl } : {}),
    firedAlerts,
    reportFiles: report.files,
  };
}

/** The cost the progress shows: spent once a worker task was seen, and what was planned. */
function costFigures(cost: RunSetCost): Pick<ProgressStage, "spent" | "estimate"> {
  return {
    ...(cost.spent.tasks > 0 ? { spent: cost.spent } : {}),
    ...(cost.estimate ? { estimate: cost.estimate } : {}),
  };
}

/** The run the run set's record names now, if any. */
async function currentRunId(store: ResultStore, runSet: RunSetRef): Promise<string | undefined> {
  const bytes = await store.getRunSetFile(runSet, RUN_RECORD_FILE);
  return bytes === undefined ? undefined : parseRunRecord(Buffer.from(bytes).toString("utf8"))?.run;
}
