// `modelfleet report <spec>`: aggregates the run set's results and writes summary files and
// reports; with --fail-on-alert, exits 4 when an alert fired (so CI can mark a pull request).
import { relative, resolve } from "node:path";
import { DEFAULT_RESULTS_ROOT } from "../../engine/local-run.ts";
import { planRun } from "../../plan/plan.ts";
import { REPORT_FILES, reportRunSet } from "../../report/report-run-set.ts";
import { formatTextReport } from "../../report/text-report.ts";
import { loadSpec } from "../../spec/load.ts";
import { createFsResultStore } from "../../store/fs-store.ts";
import { parseCommandArgs, singleArgument } from "../args.ts";
import type { CliIO } from "../io.ts";

const USAGE = `usage: modelfleet report <project.yaml> [--results DIR] [--fail-on-alert] [--json]

Aggregates every published result of the run set (P10/P50/P90 and more per observation,
groups, series, failures, alerts) and writes ${REPORT_FILES.join(", ")}.
Exit codes: 0 done; 4 an alert fired and --fail-on-alert was given.`;

export const ALERT_EXIT_CODE = 4;

export async function reportCommand(args: string[], io: CliIO): Promise<number> {
  const { values: o, positionals } = parseCommandArgs(
    "report",
    args,
    { results: { type: "string" }, "fail-on-alert": { type: "boolean" }, json: { type: "boolean" } },
    USAGE,
  );
  if (o.help) {
    io.out(USAGE);
    return 0;
  }
  const specFile = singleArgument(positionals, USAGE);
  const resolved = await loadSpec(specFile);
  const store = createFsResultStore(resolve(io.cwd, o.results ?? DEFAULT_RESULTS_ROOT));
  const plan = await planRun(resolved, store);
  const report = await reportRunSet({
    spec: resolved.spec,
    store,
    plannedIds: plan.all.map((p) => p.id),
    currentKeys: new Map(plan.all.map((p) => [p.id, p.key])),
  });
  const fired = report.summary.alerts.filter((a) => a.fired);
  if (o.json)
    io.out(
      JSON.stringify(
        { counts: report.summary.counts, alerts: report.summary.alerts, location: report.location },
        null,
        2,
      ),
    );
  else {
    io.out(formatTextReport(report.summary, { keyObservations: resolved.spec.report.key_observations }));
    io.out(
      `\nreport: ${relative(io.cwd, `${report.location}/report.html`)} (also report.md, summary.json, summary.csv, observations.csv, parameters.csv)`,
    );
  }
  return o["fail-on-alert"] && fired.length > 0 ? ALERT_EXIT_CODE : 0;
}
