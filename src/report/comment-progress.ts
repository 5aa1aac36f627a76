// The progress stage of the pull-request comment: done, failed, running and waiting, workers,
// the rate and an estimated end, a bar and a sparkline of realisations finished per interval.
import type { CostEstimate } from "../cost/estimate.ts";
import type { CostSpent } from "../cost/spent.ts";
import {
  fitSections,
  formatHoursFigure,
  formatMoney,
  formatSeconds,
  linksSection,
  progressBar,
  type Section,
  sparkline,
} from "./comment-parts.ts";
import type { ProgressSample, ProgressStage } from "./comment-stage.ts";
import { formatCount, formatTimestamp } from "./format.ts";
import { commentMarker } from "./markdown.ts";

export function renderProgressComment(s: ProgressStage): string {
  const sections: Section[] = [
    { name: "marker", text: commentMarker(s.project, s.scenario), keep: Number.POSITIVE_INFINITY },
    {
      name: "heading",
      text: `### ⏳ modelfleet run: ${s.project} / ${s.scenario}\n\n\`${progressBar(s.done, s.total)}\` ${formatCount(s.done)} of ${formatCount(s.total)} realisations have a result.`,
      keep: Number.POSITIVE_INFINITY,
    },
    { name: "the figures", text: figures(s), keep: 10 },
  ];
  const rate = rateOf(s.history);
  const spark = perInterval(s.history);
  if (spark.length >= 2) {
    sections.push({
      name: "the sparkline",
      text: `Finished per interval: \`${sparkline(spark)}\`${rate ? ` (${formatRate(rate)} lately)` : ""}`,
      keep: 3,
    });
  }
  if (s.handedOver) sections.push({ name: "hand-over", text: `> [!NOTE]\n> ${s.handedOver}`, keep: 9 });
  const links = linksSection(s.links);
  if (links) sections.push({ name: "links", text: links, keep: 4 });
  return fitSections(sections);
}

function figures(s: ProgressStage): string {
  const rows = ["| | |", "| --- | --- |"];
  rows.push(
    `| done | ${formatCount(s.done)}${s.failed === undefined ? "" : ` (${formatCount(s.failed)} failed)`} |`,
  );
  rows.push(`| running | ${formatCount(s.running)} |`);
  rows.push(`| waiting | ${formatCount(s.waiting)} |`);
  const regions =
    s.regions && s.regions.length > 1
      ? ` (${s.regions.map((r) => `${r.region}: ${r.running}`).join(", ")})`
      : "";
  rows.push(`| workers | ${formatCount(s.workers)}${regions} |`);
  const eta = estimatedEnd(s);
  rows.push(`| estimated end | ${eta ?? "not known yet (no realisation finished since the last look)"} |`);
  if (s.spent) rows.push(`| spent so far | ${spentText(s.spent)} |`);
  if (s.estimate) rows.push(`| planned | ${plannedText(s.estimate)} |`);
  if (s.startedAt) rows.push(`| started | ${formatTimestamp(s.startedAt)} |`);
  rows.push(`| updated | ${formatTimestamp(s.updatedAt)} |`);
  return rows.join("\n");
}

export function spentText(spent: CostSpent): string {
  const hours = `${formatHoursFigure(spent.vcpuHours)} vCPU-hours, ${formatHoursFigure(spent.gbHours)} GB-hours on ${formatCount(spent.tasks)} worker task(s)`;
  return spent.cost === undefined || !spent.prices
    ? `${hours} (no prices for the region)`
    : `**${formatMoney(spent.cost, spent.prices.currency)}** (${hours}; prices dated ${spent.prices.date})`;
}

/** The plan's estimate, for setting beside what was spent. */
export function plannedText(e: CostEstimate): string {
  const work = `${formatCount(e.realisations)} realisations on up to ${formatCount(e.workers)} workers, ${formatHoursFigure(e.vcpuHours)} vCPU-hours`;
  return e.cost === undefined || !e.prices
    ? `${work} (no prices for the region)`
    : `${formatMoney(e.cost, e.prices.currency)} (${work})`;
}

/** Realisations finished per second over the recent samples (the last half hour at most). */
export function rateOf(history: readonly ProgressSample[]): number | undefined {
  if (history.length < 2) return undefined;
  const last = history[history.length - 1]!;
  const lastAt = Date.parse(last.at);
  const first = history.find((h) => lastAt - Date.parse(h.at) <= 30 * 60_000) ?? history[0]!;
  const seconds = (lastAt - Date.parse(first.at)) / 1000;
  const done = last.done - first.done;
  return seconds > 0 && done > 0 ? done / seconds : undefined;
}

function estimatedEnd(s: ProgressStage): string | undefined {
  if (s.done >= s.total) return "now";
  const rate = rateOf(s.history);
  if (!rate) return undefined;
  const seconds = (s.total - s.done) / rate;
  return `in about ${formatSeconds(seconds)} (${formatTimestamp(new Date(Date.parse(s.updatedAt) + seconds * 1000).toISOString())})`;
}

function perInterval(history: readonly ProgressSample[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < history.length; i++) out.push(Math.max(0, history[i]!.done - history[i - 1]!.done));
  return out.slice(-30);
}

function formatRate(perSecond: number): string {
  const perMinute = perSecond * 60;
  return perMinute >= 1
    ? `${formatCount(Math.round(perMinute))} a minute`
    : `${formatCount(Math.round(perMinute * 60))} an hour`;
}
