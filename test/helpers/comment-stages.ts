// Sample stages of a run set's pull-request comment, as the actions build them: for the
// renderers' tests and the samples in docs/pr-comment-samples.md.
import { estimateCost } from "../../src/cost/estimate.ts";
import { type PriceTable, pricesFor } from "../../src/cost/price-table.ts";
import { costSpent } from "../../src/cost/spent.ts";
import type { PlanStage, ProgressStage, ReportStage } from "../../src/report/comment-stage.ts";
import { renderMarkdownReport } from "../../src/report/markdown.ts";
import { buildSummary } from "./summary-builder.ts";

export const SAMPLE_PRICES: PriceTable = {
  date: "2026-03-10",
  source: "https://aws.amazon.com/fargate/pricing/",
  currency: "USD",
  regions: {
    "us-east-1": {
      onDemand: { vcpuHour: 0.04048, gbHour: 0.004445 },
      spot: { vcpuHour: 0.01264, gbHour: 0.001388 },
      storageGbHour: 0.000111,
    },
  },
};

const links = {
  workflowRun: "https://github.com/acme/models/actions/runs/123456789",
  artifact: "modelfleet-report-demo-base",
  resultsConsole:
    "https://us-east-1.console.aws.amazon.com/s3/buckets/modelfleet-demo-us-east-1-123456789012?region=us-east-1&prefix=results%2Fdemo%2Fbase%2F&showversions=false",
  resultsS3: "s3://modelfleet-demo-us-east-1-123456789012/results/demo/base/",
};

/** The plan's estimate, which the run's progress and report set beside what was spent. */
function sampleEstimate() {
  return estimateCost({
    realisations: 48,
    resources: { cpu: 1, memory_gb: 2, disk_gb: 21, spot: true },
    medianWallSeconds: 94,
    timeoutSeconds: 600,
    maxWorkers: 20,
    idleSeconds: 120,
    prices: pricesFor("us-east-1", [SAMPLE_PRICES]),
  });
}

export function samplePlanStage(overrides: Partial<PlanStage> = {}): PlanStage {
  return {
    stage: "plan",
    project: "demo",
    scenario: "base",
    file: "projects/demo/base.yaml",
    commit: "4f9c2a1e0b7d",
    problems: [],
    realisations: 200,
    done: { ok: 150, modelFailed: 2 },
    toRun: 48,
    changes: {
      new: 20,
      inputsChanged: 0,
      parametersChanged: 25,
      infrastructureRetries: 3,
      longerTimeout: 0,
      retryFailed: 0,
      removed: 0,
    },
    results: { source: "s3" },
    image: { tag: "agent-3f1d5c0e9a7b4c2d8e6f1a0b9c8d7e6f", status: "present" },
    estimate: sampleEstimate(),
    smoke: {
      id: "1",
      status: "ok",
      wallSeconds: 1.9,
      observations: { h_w1: 101.82, h_w2: 99.315, q_river: -1234.5 },
    },
    links: { workflowRun: links.workflowRun },
    ...overrides,
  };
}

export function sampleProgressStage(overrides: Partial<ProgressStage> = {}): ProgressStage {
  const start = Date.parse("2026-03-14T09:00:00Z");
  const done = [0, 3, 9, 15, 22, 27, 31];
  return {
    stage: "progress",
    project: "demo",
    scenario: "base",
    total: 48,
    done: 31,
    running: 17,
    waiting: 0,
    workers: 20,
    startedAt: new Date(start).toISOString(),
    updatedAt: new Date(start + 6 * 60_000).toISOString(),
    history: done.map((d, i) => ({ at: new Date(start + i * 60_000).toISOString(), done: d })),
    spent: costSpent(
      Array.from({ length: 20 }, () => ({
        startedAt: new Date(start).toISOString(),
        cpu: 1,
        memoryGb: 2,
        capacity: "FARGATE_SPOT" as const,
      })),
      () => pricesFor("us-east-1", [SAMPLE_PRICES]),
      new Date(start + 6 * 60_000),
    ),
    estimate: sampleEstimate(),
    links: {
      workflowRun: links.workflowRun,
      resultsConsole: links.resultsConsole,
      resultsS3: links.resultsS3,
    },
    ...overrides,
  };
}

export function sampleReportStage(overrides: Partial<ReportStage> = {}): ReportStage {
  const { summary } = buildSummary();
  const end = Date.parse(summary.generatedAt);
  return {
    stage: "report",
    project: "demo",
    scenario: "base",
    markdown: renderMarkdownReport(summary, { fullReportLink: "report.html" }),
    counts: summary.counts,
    alerts: summary.alerts,
    spent: costSpent(
      Array.from({ length: 20 }, () => ({
        startedAt: new Date(end - 9 * 60_000).toISOString(),
        stoppedAt: new Date(end).toISOString(),
        cpu: 1,
        memoryGb: 2,
        capacity: "FARGATE_SPOT" as const,
      })),
      () => pricesFor("us-east-1", [SAMPLE_PRICES]),
      new Date(end),
    ),
    estimate: sampleEstimate(),
    links,
    ...overrides,
  };
}
