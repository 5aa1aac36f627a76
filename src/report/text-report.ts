// The aggregated results as the terminal shows them at the end of `run` and in `report`:
// a headline (and, for an incomplete run set, a line saying so), the alerts (fired first), and a
// table of key observations.
import { formatAlertLine } from "../results/alerts.ts";
import { incompleteNote, quantileKey, type RunSetSummary } from "../results/summary.ts";
import { formatDuration } from "../spec/duration.ts";
import { formatNumber, keyObservations, orderedAlerts, quantileLabel } from "./format.ts";

export function formatTextReport(
  summary: RunSetSummary,
  options: { keyObservations?: readonly string[]; maxRows?: number } = {},
): string {
  const c = summary.counts;
  const lines = [
    `${summary.project}/${summary.scenario}: ${c.ok} ok, ${c.failedModel} model failures, ${c.failedInfrastructure} infrastructure failures${
      c.notRun ? `, ${c.notRun} not run` : ""
    } of ${c.realisations}; wall ${formatDuration(summary.wallSeconds)}, model CPU ${summary.cpuHours === null ? "not measured" : formatDuration(summary.cpuHours * 3600)}`,
  ];
  const incomplete = incompleteNote(c);
  if (incomplete) lines.push(incomplete);
  const alerts = orderedAlerts(summary);
  const fired = alerts.filter((a) => a.fired).length;
  if (alerts.length > 0) {
    lines.push(
      "",
      `alerts: ${fired} of ${alerts.length} fired`,
      ...alerts.map((a) => `  ${formatAlertLine(a)}`),
    );
  }
  const rows = keyObservations(summary, options.keyObservations).slice(0, options.maxRows ?? 15);
  if (rows.length > 0) {
    const headers = ["observation", ...summary.quantiles.map(quantileLabel), "mean", "n"];
    const table = rows.map((o) => [
      o.name,
      ...summary.quantiles.map((q) => formatNumber(o.quantiles[quantileKey(q)])),
      formatNumber(o.mean),
      String(o.count),
    ]);
    const widths = headers.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
    const fmt = (r: string[]) =>
      r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
    lines.push("", fmt(headers), ...table.map((r) => `  ${fmt(r)}`.slice(2)));
    if (summary.observations.length > rows.length) {
      lines.push(`(${summary.observations.length - rows.length} more observations in the report)`);
    }
  }
  return lines.join("\n");
}
