// What a pull-request comment shows at each stage of a run set, as plain JSON: the plan (before
// the run), the progress (while it runs) and the report (when it is done). The actions build
// these from the plan, from `modelfleet watch --json` and `run --json`, and from the run set's
// report files; comment-*.ts render them. Stored beside the run set, they let any later job
// pick the comment up where an earlier one was killed.
import type { RegionStatus } from "../cloud/run-set-status.ts";
import type { CostEstimate } from "../cost/estimate.ts";
import type { CostSpent } from "../cost/spent.ts";
import type { AlertResult, RunSetSummary } from "../results/summary.ts";

/** Links that still work next month: the workflow run (its artifacts) and the S3 console. */
export interface CommentLinks {
  /** The workflow run that wrote the comment. */
  readonly workflowRun?: string;
  /** The name of the artifact holding report.html and the CSVs, on that run's page. */
  readonly artifact?: string;
  /** The run set's folder in the S3 console. */
  readonly resultsConsole?: string;
  /** The same folder as s3://bucket/prefix, for the AWS CLI. */
  readonly resultsS3?: string;
}

export interface PlanChanges {
  /** Ids with no result yet. */
  readonly new: number;
  /** Results made with other inputs of the run set (model folder, command, templates,
   * instruction files, success check, worker image), same parameter values. */
  readonly inputsChanged: number;
  /** Results made with other parameter values. */
  readonly parametersChanged: number;
  readonly infrastructureRetries: number;
  readonly longerTimeout: number;
  readonly retryFailed: number;
  /** Results of ids the project file no longer names (kept, not reported). */
  readonly removed: number;
}

export interface SmokeRun {
  readonly id: string;
  readonly status: "ok" | "failed" | "skipped";
  readonly wallSeconds?: number;
  /** Why it failed or was skipped. */
  readonly message?: string;
  /** The observations it read, a few of them. */
  readonly observations?: Readonly<Record<string, number>>;
}

export interface ValidationProblem {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly key: string;
  readonly message: string;
}

export interface PlanStage {
  readonly stage: "plan";
  readonly project: string;
  readonly scenario: string;
  readonly file: string;
  /** The commit planned. */
  readonly commit?: string;
  /** Problems that stop the plan; when there are any, nothing else is planned. */
  readonly problems: readonly ValidationProblem[];
  readonly realisations?: number;
  readonly done?: { readonly ok: number; readonly modelFailed: number };
  readonly toRun?: number;
  readonly changes?: PlanChanges;
  /** Where "done" was read: the run set's results in S3, or nowhere (with why). */
  readonly results?: { readonly source: "s3" } | { readonly source: "none"; readonly reason: string };
  /** The worker image: whether its tag is built, which changes every realisation's key. */
  readonly image?: { readonly tag: string; readonly status: "present" | "build" | "unknown" };
  readonly estimate?: CostEstimate;
  /** A scenario that calibrates: what runs on merge is its iterations, not one run set. */
  readonly calibration?: PlannedCalibrationRuns;
  readonly smoke?: SmokeRun;
  readonly links?: CommentLinks;
}

/** A calibration's method, iterations, ensemble size and model runs at most (the prior's too). */
export interface PlannedCalibrationRuns {
  readonly method: string;
  readonly iterations: number;
  readonly ensemble: number;
  readonly runs: number;
}

export interface ProgressSample {
  /** ISO time. */
  readonly at: string;
  readonly done: number;
}

export interface ProgressStage {
  readonly stage: "progress";
  readonly project: string;
  readonly scenario: string;
  /** Realisations the run queued. */
  readonly total: number;
  readonly done: number;
  /** Failed among the done, when known. */
  readonly failed?: number;
  /** Being run now (messages held by workers). */
  readonly running: number;
  readonly waiting: number;
  readonly workers: number;
  /** Each region's workers, home first: asked for, running, and whether it can start them. */
  readonly regions?: ReadonlyArray<
    Pick<RegionStatus, "region" | "desired" | "running"> & Partial<Pick<RegionStatus, "health" | "why">>
  >;
  readonly startedAt?: string;
  readonly updatedAt: string;
  /** Earlier figures, oldest first: the rate and the sparkline. */
  readonly history: readonly ProgressSample[];
  /** Cost so far, when the run's JSON lists its worker tasks. */
  readonly spent?: CostSpent;
  /** The estimate of the plan the run started from: what was planned. */
  readonly estimate?: CostEstimate;
  /** Set when this job stops following and a later one takes over. */
  readonly handedOver?: string;
  readonly links?: CommentLinks;
}

export interface ReportStage {
  readonly stage: "report";
  readonly project: string;
  readonly scenario: string;
  /** report.md as the run set wrote it (at most 60,000 characters). */
  readonly markdown: string;
  /** Absent when the run ended without writing its reports (stopped, given up). */
  readonly counts?: RunSetSummary["counts"];
  readonly alerts: readonly AlertResult[];
  /** What it cost, from the worker tasks' start and stop times; a reason when not known. */
  readonly spent: CostSpent | { readonly unknown: string };
  /** The estimate of the plan the run started from: what was planned. */
  readonly estimate?: CostEstimate;
  /** How the run ended when it did not finish: stopped, given up, realisations lost. */
  readonly ended?: { readonly state: string; readonly text: string };
  readonly links?: CommentLinks;
}

export type CommentStage = PlanStage | ProgressStage | ReportStage;
