// Pieces every stage of the pull-request comment shares: the progress bar and sparkline,
// money and hours, the links section, and the rule that keeps a comment under GitHub's limit
// by leaving out whole sections (and saying which) rather than cutting text mid-table.
import type { CostEstimate } from "../cost/estimate.ts";
import type { PricesUsed } from "../cost/price-table.ts";
import type { CommentLinks } from "./comment-stage.ts";
import { formatNumber } from "./format.ts";

/** GitHub refuses comment bodies over 65,536 characters; a little is kept in hand. */
export const COMMENT_LIMIT = 65_000;

/** `████████░░░░░░░░░░░░ 40%`: done out of total, `width` cells. */
export function progressBar(done: number, total: number, width = 20): string {
  const share = total <= 0 ? 1 : Math.min(1, Math.max(0, done / total));
  const full = Math.round(share * width);
  return `${"█".repeat(full)}${"░".repeat(width - full)} ${Math.floor(share * 100)}%`;
}

const SPARKS = "▁▂▃▄▅▆▇█";

/** One character per value, scaled to the largest: `▁▃▇█▅`. */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values
    .map((v) =>
      max <= 0 ? SPARKS[0] : SPARKS[Math.min(SPARKS.length - 1, Math.floor((v / max) * (SPARKS.length - 1)))],
    )
    .join("");
}

export function formatMoney(amount: number, currency = "USD"): string {
  const symbol = currency === "USD" ? "$" : `${currency} `;
  if (amount > 0 && amount < 0.01) return `< ${symbol}0.01`;
  return `${symbol}${amount.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

export function formatHoursFigure(hours: number): string {
  return formatNumber(hours, 3);
}

/** "Fargate prices of us-east-1 from https://…, 2026-03-10: $0.04048/vCPU-h …". */
export function pricesLine(p: PricesUsed): string {
  const rate = (r: { vcpuHour: number; gbHour: number }) =>
    `${formatMoneyRate(r.vcpuHour, p.currency)}/vCPU-h, ${formatMoneyRate(r.gbHour, p.currency)}/GB-h`;
  return `Prices of ${p.region} dated ${p.date} (${p.source}): on-demand ${rate(p.onDemand)}${
    p.spot ? `; Spot ${rate(p.spot)}` : "; no Spot price"
  }.`;
}

function formatMoneyRate(v: number, currency: string): string {
  return `${currency === "USD" ? "$" : `${currency} `}${formatNumber(v, 4)}`;
}

/** The cost estimate as a few table rows and notes. */
export function estimateLines(e: CostEstimate): string[] {
  const lines = [
    `| compute | ${formatHoursFigure(e.vcpuHours)} vCPU-hours, ${formatHoursFigure(e.gbHours)} GB-hours (${formatHoursFigure(e.taskHours)} worker-hours on ${e.workers} worker(s)) |`,
  ];
  if (e.cost !== undefined && e.prices) {
    const where = e.spotShare === 1 && !e.spotPricedOnDemand ? "on Fargate Spot" : "on-demand";
    const compare =
      e.spotShare === 1 && e.onDemandCost !== undefined && !e.spotPricedOnDemand
        ? ` (${formatMoney(e.onDemandCost, e.prices.currency)} on-demand)`
        : "";
    lines.push(`| **estimated cost** | **${formatMoney(e.cost, e.prices.currency)}** ${where}${compare} |`);
  } else {
    lines.push("| **estimated cost** | not known: the price table has no prices for this region |");
  }
  return lines;
}

export function estimateNotes(e: CostEstimate): string[] {
  const notes: string[] = [];
  notes.push(
    e.basis === "median"
      ? `Each realisation is taken to run ${formatSeconds(e.secondsPerRealisation)}, the median of the earlier successful runs.`
      : `Nothing has run yet, so each realisation is taken to run its full timeout (${formatSeconds(e.secondsPerRealisation)}): an upper bound.`,
  );
  notes.push("Each worker adds a minute to start and `cloud.idle_timeout` of waiting before it exits.");
  if (e.spotPricedOnDemand)
    notes.push("The price table has no Spot price for this region: priced on-demand, an upper bound.");
  if (e.spotShare === 1)
    notes.push("Spot interruptions re-run realisations, which the estimate does not count.");
  if (e.prices) notes.push(pricesLine(e.prices));
  return notes;
}

export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${formatNumber(seconds, 2)} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 2 * 86400) return `${formatNumber(seconds / 3600, 2)} h`;
  return `${formatNumber(seconds / 86400, 2)} days`;
}

/** The links section; links that expire (presigned URLs) are never made. */
export function linksSection(links: CommentLinks | undefined): string | undefined {
  if (!links) return undefined;
  const items: string[] = [];
  if (links.workflowRun) {
    items.push(
      links.artifact
        ? `- HTML report and CSV files: artifact \`${links.artifact}\` of [this workflow run](${links.workflowRun}) (kept for the repository's artifact retention)`
        : `- [The workflow run](${links.workflowRun})`,
    );
  }
  if (links.resultsConsole) {
    items.push(
      `- Results in S3: [${links.resultsS3 ?? "the run set's folder"}](${links.resultsConsole}) (AWS console; sign in to the account)`,
    );
  } else if (links.resultsS3) items.push(`- Results in S3: \`${links.resultsS3}\``);
  return items.length === 0 ? undefined : `**Links**\n\n${items.join("\n")}`;
}

/** The S3 console's page of a folder: stable, unlike a presigned URL. */
export function s3ConsoleUrl(bucket: string, key: string, region: string): string {
  const prefix = key.endsWith("/") ? key : `${key}/`;
  return `https://${region}.console.aws.amazon.com/s3/buckets/${encodeURIComponent(bucket)}?region=${region}&prefix=${encodeURIComponent(prefix)}&showversions=false`;
}

export interface Section {
  readonly name: string;
  readonly text: string;
  /** Higher is kept longer; sections at Infinity are never left out. */
  readonly keep: number;
}

/** Joins the sections; while the text is over `limit`, leaves out the section that matters
 * least and says so in a note after the first section. */
export function fitSections(sections: readonly Section[], limit = COMMENT_LIMIT, where?: string): string {
  let kept = [...sections];
  const leftOut: string[] = [];
  const compose = () => {
    const parts = kept.map((s) => s.text);
    if (leftOut.length > 0) {
      parts.splice(
        Math.min(2, parts.length),
        0,
        `> [!NOTE]\n> Left out to stay under GitHub's comment limit: ${leftOut.join(", ")}.${where ? ` ${where}` : ""}`,
      );
    }
    return `${parts.join("\n\n")}\n`;
  };
  let text = compose();
  while (text.length > limit) {
    const candidates = kept.filter((s) => Number.isFinite(s.keep));
    if (candidates.length === 0) break;
    const drop = candidates.reduce((a, b) => (b.keep < a.keep ? b : a));
    kept = kept.filter((s) => s !== drop);
    leftOut.push(drop.name);
    text = compose();
  }
  return text.length <= limit ? text : `${text.slice(0, limit - 40)}\n\n… (cut at GitHub's limit)\n`;
}
