// The pull-request comment for a run set: headline, alerts, key observations, failures and
// series bands as GitHub-flavoured markdown, kept under GitHub's comment limit by leaving out
// detail (and saying so) rather than being cut off mid-table.
import type { FailureSummary, ObservationStats, RunSetSummary, SeriesBand } from "../results/summary.ts";
import { incompleteNote, quantileKey } from "../results/summary.ts";
import { formatDuration } from "../spec/duration.ts";
import {
  failedCount,
  formatCount,
  formatHours,
  formatNumber,
  formatRho,
  formatTimestamp,
  keyObservations,
  quantileLabel,
  strongestSensitivities,
} from "./format.ts";

export interface MarkdownReportOptions {
  /** Observations to lead the table with; default: those that alerts watch. */
  readonly keyObservations?: readonly string[];
  /** Where the full (HTML) report is, named whenever something is left out. */
  readonly fullReportLink?: string;
  /** Longest text returned; GitHub refuses comments over 65,536 characters. */
  readonly maxChars?: number;
  /** Replaces "modelfleet: <project> / <scenario>" in the heading. */
  readonly title?: string;
}

const DEFAULT_MAX_CHARS = 60_000;
const EXAMPLES_PER_GROUP = 3;
const IDS_PER_GROUP = 10;
const SERIES_ROWS = 25;
const SENSITIVITIES = 5;
const LOG_TAIL_LINES = 25;

/** The hidden line that identifies a run set's comment, so a re-run edits it instead of adding one. */
export function commentMarker(project: string, scenario: string): string {
  // "--" would end the HTML comment early; names are slugs in practice, so this rarely bites.
  const safe = (s: string) => s.replace(/-{2,}/g, "-").replace(/[<>\s]/g, "_");
  return `<!-- modelfleet:${safe(project)}/${safe(scenario)} -->`;
}

/** How much detail one rendering includes; shortening lowers these step by step. */
interface Detail {
  otherRows: number;
  logTails: boolean;
  examples: boolean;
  sensitivities: boolean;
  series: number;
  keyRows: number;
  quietAlerts: boolean;
}

export function renderMarkdownReport(summary: RunSetSummary, options: MarkdownReportOptions = {}): string {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  const keys = keyObservations(summary, options.keyObservations);
  const keyNames = new Set(keys.map((o) => o.name));
  const others = summary.observations.filter((o) => !keyNames.has(o.name));
  const ctx: Context = { summary, options, keys, others };

  const full: Detail = {
    otherRows: others.length,
    logTails: true,
    examples: true,
    sensitivities: true,
    series: summary.series.length,
    keyRows: keys.length,
    quietAlerts: true,
  };
  let detail = full;
  const fits = (d: Detail) => compose(ctx, d).length <= maxChars;
  if (fits(detail)) return compose(ctx, detail);

  // Least useful detail goes first; counts are searched so as much as fits is kept.
  detail = { ...detail, otherRows: largestFitting(others.length, (n) => fits({ ...detail, otherRows: n })) };
  const steps: Array<(d: Detail) => Detail> = [
    (d) => ({ ...d, logTails: false }),
    (d) => ({ ...d, examples: false }),
    (d) => ({ ...d, sensitivities: false }),
    (d) => ({ ...d, series: largestFitting(d.series, (n) => fits({ ...d, series: n })) }),
    (d) => ({ ...d, quietAlerts: false }),
    (d) => ({ ...d, keyRows: largestFitting(d.keyRows, (n) => fits({ ...d, keyRows: n })) }),
  ];
  for (const step of steps) {
    if (fits(detail)) break;
    detail = step(detail);
  }
  const text = compose(ctx, detail);
  return text.length <= maxChars ? text : hardCut(text, maxChars, ctx);
}

/** The largest n in 0..max for which ok(n) holds, assuming ok is monotone (fewer rows, shorter). */
function largestFitting(max: number, ok: (n: number) => boolean): number {
  if (ok(max)) return max;
  let lo = 0;
  let hi = max;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

interface Context {
  readonly summary: RunSetSummary;
  readonly options: MarkdownReportOptions;
  readonly keys: readonly ObservationStats[];
  readonly others: readonly ObservationStats[];
}

function compose(ctx: Context, d: Detail): string {
  const { summary } = ctx;
  const parts: string[] = [commentMarker(summary.project, summary.scenario), headline(ctx)];
  const incomplete = incompleteNote(summary.counts);
  if (incomplete) parts.push(`> [!WARNING]\n> ${inline(incomplete)}`);
  const left = leftOut(ctx, d);
  if (left.length > 0) parts.push(shortenedNote(ctx, left));
  if (summary.alerts.length > 0) parts.push(alertsSection(summary, d.quietAlerts));
  parts.push(observationsSection(ctx, d));
  if (summary.failures.length > 0) parts.push(failuresSection(summary, d));
  if (d.sensitivities && summary.sensitivities.length > 0) parts.push(sensitivitiesSection(summary));
  if (summary.series.length > 0) parts.push(seriesSection(summary, d.series));
  parts.push(footer(ctx));
  return `${parts.join("\n\n")}\n`;
}

function headline(ctx: Context): string {
  const { summary: s, options } = ctx;
  const fired = s.alerts.filter((a) => a.fired).length;
  const failed = failedCount(s);
  const icon = fired > 0 ? "🔴" : failed > 0 || s.counts.notRun > 0 ? "🟡" : "🟢";
  const title = options.title ?? `modelfleet: ${s.project} / ${s.scenario}`;
  const counts = [`${formatCount(s.counts.ok)} ok`];
  if (s.counts.failedModel > 0) counts.push(`${formatCount(s.counts.failedModel)} failed (model)`);
  if (s.counts.failedInfrastructure > 0) {
    counts.push(`${formatCount(s.counts.failedInfrastructure)} failed (infrastructure)`);
  }
  if (s.counts.notRun > 0) counts.push(`${formatCount(s.counts.notRun)} not run`);
  const median = s.runtime.quantiles[quantileKey(0.5)] ?? s.runtime.mean;
  const timing = [
    `wall time ${formatDuration(s.wallSeconds)}`,
    s.cpuHours === null ? "model CPU not measured" : `${formatHours(s.cpuHours)} CPU hours`,
  ];
  if (median !== null && median !== undefined) timing.push(`median model run ${formatDuration(median)}`);
  const alertText = fired > 0 ? ` · **${fired} alert${fired === 1 ? "" : "s"} fired**` : "";
  return [
    `## ${icon} ${inline(title)}`,
    `**${formatCount(s.counts.realisations)} realisations:** ${counts.join(" · ")}${alertText}  `,
    `${capitalise(timing.join(" · "))}`,
  ].join("\n");
}

function alertsSection(summary: RunSetSummary, showQuiet: boolean): string {
  const fired = summary.alerts.filter((a) => a.fired);
  const quiet = summary.alerts.filter((a) => !a.fired);
  const lines: string[] = ["### Alerts"];
  if (fired.length > 0) {
    lines.push(
      "",
      "> [!CAUTION]",
      `> **${fired.length} of ${summary.alerts.length} alert${summary.alerts.length === 1 ? "" : "s"} fired**`,
      ...fired.map((a) => `> - **${inline(a.name)}**: ${inline(a.message)}`),
    );
  }
  if (quiet.length > 0) {
    lines.push("");
    lines.push(
      showQuiet
        ? `Not fired: ${quiet.map((a) => `${inline(a.name)} (${inline(a.message)})`).join("; ")}.`
        : `${quiet.length} other alert${quiet.length === 1 ? "" : "s"} did not fire.`,
    );
  }
  return lines.join("\n");
}

function observationsSection(ctx: Context, d: Detail): string {
  const { summary, keys, others } = ctx;
  const parts: string[] = [];
  const shownKeys = keys.slice(0, d.keyRows);
  if (summary.observations.length === 0) return "### Key observations\n\nNo observations were read.";
  // With every key row left out an empty table would only look broken; the note lists them.
  if (shownKeys.length > 0) parts.push(`### Key observations\n\n${observationTable(summary, shownKeys)}`);
  if (others.length > 0 && d.otherRows > 0) {
    const label =
      d.otherRows < others.length
        ? `Other observations (first ${formatCount(d.otherRows)} of ${formatCount(others.length)})`
        : `All other observations (${formatCount(others.length)})`;
    parts.push(
      `<details><summary>${label}</summary>\n\n${observationTable(summary, others.slice(0, d.otherRows))}\n\n</details>`,
    );
  }
  return parts.join("\n\n");
}

function observationTable(summary: RunSetSummary, rows: readonly ObservationStats[]): string {
  const qs = summary.quantiles;
  const header = ["Observation", "Group", ...qs.map(quantileLabel), "Mean", "Min", "Max", "n"];
  const align = [":--", ":--", ...qs.map(() => "--:"), "--:", "--:", "--:", "--:"];
  const body = rows.map((o) =>
    [
      cell(o.name),
      cell(o.group),
      ...qs.map((q) => formatNumber(o.quantiles[quantileKey(q)])),
      formatNumber(o.mean),
      formatNumber(o.min),
      formatNumber(o.max),
      formatCount(o.count),
    ].join(" | "),
  );
  return [header.join(" | "), align.join(" | "), ...body].map((r) => `| ${r} |`).join("\n");
}

function failuresSection(summary: RunSetSummary, d: Detail): string {
  const total = summary.failures.reduce((n, f) => n + f.count, 0);
  const parts = [`### Failures (${formatCount(total)})`];
  for (const f of summary.failures) parts.push(failureGroup(f, d));
  return parts.join("\n\n");
}

function failureGroup(f: FailureSummary, d: Detail): string {
  const shownIds = f.ids.slice(0, IDS_PER_GROUP).map(inline).join(", ");
  const more = f.ids.length > IDS_PER_GROUP ? ` and ${formatCount(f.ids.length - IDS_PER_GROUP)} more` : "";
  const retry = f.kind === "infrastructure" ? " (retried by the next run)" : "";
  const lines = [`**${formatCount(f.count)} × ${f.kind} / ${inline(f.reason)}**${retry}: ${shownIds}${more}`];
  const examples = f.examples.slice(0, EXAMPLES_PER_GROUP);
  if (d.examples && examples.length > 0) {
    lines.push(
      "",
      "| Realisation | Message |",
      "| :-- | :-- |",
      ...examples.map((e) => `| ${cell(e.id)} | ${cell(e.message)} |`),
    );
    const tails = examples.filter((e) => e.logTail.trim() !== "");
    if (d.logTails && tails.length > 0) {
      lines.push("", "<details><summary>Log tails</summary>", "");
      for (const e of tails) lines.push(`${inline(e.id)}:`, "", codeBlock(lastLines(e.logTail)), "");
      lines.push("</details>");
    }
  }
  return lines.join("\n");
}

function sensitivitiesSection(summary: RunSetSummary): string {
  const top = strongestSensitivities(summary, SENSITIVITIES);
  return [
    "### Strongest sensitivities",
    "",
    "| Parameter | Observation | Spearman ρ |",
    "| :-- | :-- | --: |",
    ...top.map((s) => `| ${cell(s.parameter)} | ${cell(s.observation)} | ${formatRho(s.rho)} |`),
    ...(summary.sensitivityScope ? ["", sensitivityScopeNote(summary.sensitivityScope)] : []),
  ].join("\n");
}

/** What a run set too large for every pair was correlated over. */
export function sensitivityScopeNote(scope: NonNullable<RunSetSummary["sensitivityScope"]>): string {
  return `Every parameter was correlated with ${formatCount(scope.observations)} of the ${formatCount(scope.ofObservations)} observations (the key observations, those with alerts, then others spread evenly): too many realisations × parameters × observations to correlate every pair.`;
}

function seriesSection(summary: RunSetSummary, shown: number): string {
  const parts = ["### Series"];
  for (const band of summary.series.slice(0, shown)) parts.push(seriesTable(summary, band));
  if (shown < summary.series.length) {
    const rest = summary.series.slice(shown).map((b) => inline(b.name));
    parts.push(`Not shown here: ${rest.join(", ")}.`);
  }
  return parts.join("\n\n");
}

function seriesTable(summary: RunSetSummary, band: SeriesBand): string {
  const qs = summary.quantiles;
  const steps = sampleSteps(band.steps, SERIES_ROWS);
  const note =
    steps.length < band.steps.length
      ? ` (${steps.length} of ${formatCount(band.steps.length)} steps shown, evenly spaced)`
      : "";
  const stepHeader = capitalise(band.stepLabel || "step");
  return [
    `**${inline(band.name)}** by ${inline(band.stepLabel || "step")}${note}`,
    "",
    `| ${[cell(stepHeader), "Observation", ...qs.map(quantileLabel), "Mean"].join(" | ")} |`,
    `| ${["--:", ":--", ...qs.map(() => "--:"), "--:"].join(" | ")} |`,
    ...steps.map(
      (s) =>
        `| ${[
          formatNumber(s.step),
          cell(s.observation),
          ...qs.map((q) => formatNumber(s.quantiles[quantileKey(q)])),
          formatNumber(s.mean),
        ].join(" | ")} |`,
    ),
  ].join("\n");
}

/** At most `max` steps, evenly spaced, always keeping the first and the last. */
export function sampleSteps<T>(steps: readonly T[], max: number): T[] {
  if (steps.length <= max) return [...steps];
  const picked = new Set<number>();
  for (let i = 0; i < max; i++) picked.add(Math.round((i * (steps.length - 1)) / (max - 1)));
  return [...picked].sort((a, b) => a - b).map((i) => steps[i]!);
}

function leftOut(ctx: Context, d: Detail): string[] {
  const { summary, keys, others } = ctx;
  const out: string[] = [];
  const some = (dropped: number, total: number, what: string) =>
    dropped === total
      ? `${total === 1 ? "the" : `all ${formatCount(total)}`} ${what}`
      : `${formatCount(dropped)} of ${formatCount(total)} ${what}`;
  if (d.otherRows < others.length) {
    out.push(some(others.length - d.otherRows, others.length, "other observations"));
  }
  const hasTails = summary.failures.some((f) => f.examples.some((e) => e.logTail.trim() !== ""));
  if (!d.examples && summary.failures.some((f) => f.examples.length > 0))
    out.push("failure examples and logs");
  else if (!d.logTails && hasTails) out.push("failure log tails");
  if (!d.sensitivities && summary.sensitivities.length > 0) out.push("sensitivities");
  if (d.series < summary.series.length) {
    out.push(some(summary.series.length - d.series, summary.series.length, "series"));
  }
  if (!d.quietAlerts && summary.alerts.some((a) => !a.fired)) out.push("alerts that did not fire");
  if (d.keyRows < keys.length) out.push(some(keys.length - d.keyRows, keys.length, "key observations"));
  return out;
}

function shortenedNote(ctx: Context, left: readonly string[]): string {
  const max = ctx.options.maxChars ?? DEFAULT_MAX_CHARS;
  return [
    "> [!NOTE]",
    `> Shortened to fit a comment (${formatCount(max)} characters). Left out: ${left.join("; ")}.`,
    `> ${fullReportPointer(ctx.options.fullReportLink)}`,
  ].join("\n");
}

function fullReportPointer(link: string | undefined): string {
  return link
    ? `Everything is in the ${linkTo(link, "full report")}.`
    : "Everything is in the full HTML report.";
}

/** A markdown link for URLs; a path (an artifact, a file in the results) is shown as code. */
function linkTo(link: string, text: string): string {
  if (!/^https?:\/\//.test(link)) return `${text} (\`${link.replace(/`/g, "'")}\`)`;
  const url = link.replace(/[()\s<>]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  return `[${text}](${url})`;
}

function footer(ctx: Context): string {
  const { summary, options } = ctx;
  const parts = [`<sub>Generated ${inline(formatTimestamp(summary.generatedAt))} by modelfleet`];
  if (options.fullReportLink) parts.push(` · ${linkTo(options.fullReportLink, "Full report")}`);
  return `${parts.join("")}</sub>`;
}

/** Last resort when even the least detail is too long (thousands of key observations): cut at a
 * line boundary and still say where the rest is. */
function hardCut(text: string, maxChars: number, ctx: Context): string {
  const tail = `\n\n> [!NOTE]\n> Cut off here to fit a comment. ${fullReportPointer(ctx.options.fullReportLink)}\n`;
  const room = Math.max(0, maxChars - tail.length);
  const cut = text.slice(0, room);
  const atLine = cut.lastIndexOf("\n");
  return (atLine > 0 ? cut.slice(0, atLine) : cut) + tail.slice(0, maxChars);
}

/** Text that stays text in GFM: HTML and markdown punctuation neutralised. */
export function inline(text: string): string {
  return text
    .replace(/\\/g, "\\\\")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([*`[\]~])/g, "\\$1")
    .replace(/(^|[^A-Za-z0-9])_|_(?=[^A-Za-z0-9]|$)/g, (m) => m.replace("_", "\\_"))
    .replace(/\r?\n|\r/g, " ");
}

/** A table cell: inline text with pipes escaped (GFM splits cells on them even inside code). */
export function cell(text: string): string {
  return inline(text).replace(/\|/g, "\\|");
}

function codeBlock(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}text\n${text}\n${fence}`;
}

function lastLines(text: string): string {
  // ANSI colour codes from model output are noise in a comment.
  const clean = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").replace(/\s+$/, "");
  const lines = clean.split(/\r?\n/);
  const kept = lines.slice(-LOG_TAIL_LINES).map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l));
  return (lines.length > LOG_TAIL_LINES ? ["…", ...kept] : kept).join("\n");
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
