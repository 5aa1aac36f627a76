// `modelfleet report <spec>`: aggregates the run set's results and writes summary files and
// reports; with --fail-on-alert, exits 4 when an alert fired (so CI can mark a pull request),
// and 5 when the run set is incomplete, so alerts judged on part of it pass nothing.
import { relative } from "node:path";
import { DEFAULT_RESULTS_ROOT } from "../../engine/local-run.ts";
import { parameterTableOf, planRun } from "../../plan/plan.ts";
import { REPORT_FILES, reportRunSet } from "../../report/report-run-set.ts";
import { formatTextReport } from "../../report/text-report.ts";
import { unfinishedCount } from "../../results/summary.ts";
import { parseCommandArgs, singleArgument } from "../args.ts";
import type { CliIO } from "../io.ts";
import { EXECUTOR_OPTIONS, runSetSource } from "../run-set-source.ts";

export const ALERT_EXIT_CODE = 4;
export const INCOMPLETE_EXIT_CODE = 5;

const USAGE = `usage: modelfleet report <project.yaml> [options]

Aggregates every published result of the run set (P10/P50/P90 and more per observation,
groups, series, failures, alerts) and writes ${REPORT_FILES.join(", ")}
into the run set's results folder. A run set with realisations not run yet (or infrastructure
failures to run again) is incomplete: every report says so at the top, and every alert says on
how many realisations it was judged.

options:
  --results DIR      results root (default ${DEFAULT_RESULTS_ROOT})
  --executor ecs     the run set on AWS: results read from S3, reports written back there
  --infra FILE       with ecs: the infrastructure outputs (default .modelfleet/infra/<project>-<scenario>.json)
  --fail-on-alert    exit ${ALERT_EXIT_CODE} when an alert fired, ${INCOMPLETE_EXIT_CODE} when the run set is incomplete (for CI)
  --json             print counts, completeness and alerts as JSON

Exit codes: 0 reports written; ${ALERT_EXIT_CODE} an alert fired (with --fail-on-alert); ${INCOMPLETE_EXIT_CODE} the run set is
incomplete, so its alerts could not be judged (with --fail-on-alert; run again to finish it);
1 a problem with the project file or the results; 2 bad command line.`;

export async function reportCommand(args: string[], io: CliIO): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(
    "report",
    args,
    {
      results: { type: "string" },
      "fail-on-alert": { type: "boolean" },
      json: { type: "boolean" },
      ...EXECUTOR_OPTIONS,
    },
    USAGE,
  );
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const specFile = singleArgument(positionals, USAGE);
  const { resolved, store, planOptions } = await runSetSource("report", specFile, o, io);
  const plan = await planRun(resolved, store, planOptions);
  const report = await reportRunSet({
    spec: resolved.spec,
    store,
    plannedIds: plan.all.map((p) => p.id),
    currentKeys: new Map(plan.all.map((p) => [p.id, p.key])),
    parameters: parameterTableOf(resolved),
  });
  const fired = report.summary.alerts.filter((a) => a.fired);
  const unfinished = unfinishedCount(report.summary.counts);
  if (o.json)
    io.out(
      JSON.stringify(
        {
          counts: report.summary.counts,
          complete: unfinished === 0,
          alerts: report.summary.alerts,
          location: report.location,
        },
        null,
        2,
      ),
    );
  else {
    io.out(formatTextReport(report.summary, { keyObservations: resolved.spec.report.key_observations }));
    io.out(
      `\nreport: ${report.location.startsWith("s3://") ? `${report.location}/report.html` : relative(io.cwd, `${report.location}/report.html`)} (also report.md, summary.json, summary.csv, observations.csv, parameters.csv)`,
    );
  }
  if (!o["fail-on-alert"]) return 0;
  if (unfinished > 0) {
    const { realisations } = report.summary.counts;
    io.err(
      `report --fail-on-alert: ${unfinished} of ${realisations} realisations have no final result, so the alerts cannot be judged on the run set (exit ${INCOMPLETE_EXIT_CODE}); run it again to finish it`,
    );
    return INCOMPLETE_EXIT_CODE;
  }
  return fired.length > 0 ? ALERT_EXIT_CODE : 0;
}
