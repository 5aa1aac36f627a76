// The full report of a run set as one self-contained HTML file: the PR comment's content
// (headline, alerts, observations, failures) without its length limit, plus charts as inline
// SVG. Nothing is fetched when it opens, so it can be attached to a build, mailed or served
// from S3 as it is.
import type { RunSetMatrices } from "../results/matrix.ts";
import type {
  AlertResult,
  FailureSummary,
  ObservationStats,
  RunSetSummary,
  SeriesBand,
} from "../results/summary.ts";
import { incompleteNote, quantileKey, unfinishedCount } from "../results/summary.ts";
import { formatDuration } from "../spec/duration.ts";
import { buildCharts, type Chart, type ChartKind, type ChartOptions } from "./charts.ts";
import { escapeHtml } from "./escape-html.ts";
import {
  formatCount,
  formatHours,
  formatNumber,
  formatPercent,
  formatRho,
  formatTimestamp,
  keyObservations,
  orderedAlerts,
  quantileLabel,
} from "./format.ts";
import { sensitivityScopeNote } from "./markdown.ts";
import { renderSvg } from "./svg.ts";

export interface HtmlReportOptions extends ChartOptions {
  /** Replaces "<project> / <scenario>" as the page heading. */
  readonly title?: string;
  /** A line for the footer, e.g. where summary.json and the CSV files are. */
  readonly footerNote?: string;
  /** Receives chart rendering warnings. */
  readonly onWarning?: (message: string) => void;
}

const LOG_TAIL_CHARS = 20_000;
const IDS_SHOWN = 50;

const h = escapeHtml;

export async function renderHtmlReport(
  summary: RunSetSummary,
  matrices: RunSetMatrices,
  options: HtmlReportOptions = {},
): Promise<string> {
  const charts = buildCharts(summary, matrices, options);
  const svgs = await Promise.all(
    charts.map((c) =>
      renderSvg(c.spec, {
        idPrefix: `${c.id}-`,
        onWarning: (w) => options.onWarning?.(`${c.id}: ${w}`),
      }),
    ),
  );
  const rendered = charts.map((chart, i) => ({ chart, svg: svgs[i]! }));
  const ofKind = (...kinds: ChartKind[]) => rendered.filter((r) => kinds.includes(r.chart.kind));
  const keys = keyObservations(summary, options.keyObservations);
  const title = options.title ?? `${summary.project} / ${summary.scenario}`;

  const sections: Array<{ id: string; label: string; html: string }> = [];
  const add = (id: string, label: string, html: string) => sections.push({ id, label, html });
  if (summary.alerts.length > 0) add("alerts", "Alerts", alertsSection(summary));
  add("key", "Key observations", keySection(summary, keys));
  if (summary.failures.length > 0) add("failures", "Failures", failuresSection(summary));
  if (ofKind("fan").length > 0 || summary.series.length > 0) {
    add("series", "Series", seriesSection(summary, ofKind("fan")));
  }
  if (ofKind("histogram").length > 0) {
    add("distributions", "Distributions", chartsSection("Distributions", ofKind("histogram"), "grid-3"));
  }
  if (ofKind("scatter").length > 0 || summary.sensitivities.length > 0) {
    add("sensitivity", "Sensitivity", sensitivitySection(summary, ofKind("scatter")));
  }
  if (ofKind("runtime", "timeline").length > 0) {
    add("runs", "Run times", chartsSection("Run times and timeline", ofKind("runtime", "timeline"), "stack"));
  }
  add("observations", "All observations", allObservationsSection(summary, keys));

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="modelfleet">
<title>${h(title)} · modelfleet report</title>
<style>${CSS}</style>
</head>
<body>
${header(summary, title)}
<nav class="toc">${sections.map((s) => `<a href="#${s.id}">${h(s.label)}</a>`).join("")}</nav>
<main>
${sections.map((s) => `<section id="${s.id}">\n${s.html}\n</section>`).join("\n")}
</main>
<footer>Generated ${h(formatTimestamp(summary.generatedAt))} by modelfleet${options.footerNote ? ` · ${h(options.footerNote)}` : ""}</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function header(s: RunSetSummary, title: string): string {
  const fired = s.alerts.filter((a) => a.fired).length;
  const unfinished = unfinishedCount(s.counts);
  const incomplete = incompleteNote(s.counts);
  const plural = (n: number, what: string) => `${formatCount(n)} ${what}${n === 1 ? "" : "s"}`;
  const pills = [
    fired > 0 ? `<span class="pill pill-bad">${plural(fired, "alert")} fired</span>` : "",
    unfinished > 0
      ? `<span class="pill pill-warn">Incomplete: ${formatCount(unfinished)} of ${formatCount(s.counts.realisations)} without a final result</span>`
      : "",
    s.counts.failedModel > 0
      ? `<span class="pill pill-warn">${plural(s.counts.failedModel, "model failure")}</span>`
      : "",
  ].filter(Boolean);
  const status =
    pills.length > 0
      ? pills.join("")
      : `<span class="pill pill-good">All realisations succeeded${s.alerts.length > 0 ? ", no alert fired" : ""}</span>`;
  const median = s.runtime.quantiles[quantileKey(0.5)] ?? s.runtime.mean;
  const card = (label: string, value: string, cls = "") =>
    `<div class="card${cls ? ` ${cls}` : ""}"><div class="card-value">${value}</div><div class="card-label">${label}</div></div>`;
  const cards = [
    card("realisations", formatCount(s.counts.realisations)),
    card("ok", formatCount(s.counts.ok), "card-good"),
    card("failed (model)", formatCount(s.counts.failedModel), s.counts.failedModel > 0 ? "card-bad" : ""),
    card(
      "failed (infrastructure)",
      formatCount(s.counts.failedInfrastructure),
      s.counts.failedInfrastructure > 0 ? "card-warn" : "",
    ),
    s.counts.notRun > 0 ? card("not run", formatCount(s.counts.notRun), "card-warn") : "",
    card("wall time", h(formatDuration(s.wallSeconds))),
    card("CPU hours", h(formatHours(s.cpuHours))),
    median !== null && median !== undefined ? card("median model run", h(formatDuration(median))) : "",
  ].join("");
  return `<header class="top">
<div class="eyebrow">modelfleet run-set report</div>
<h1>${h(title)}</h1>
<div class="status">${status}<span class="generated">generated ${h(formatTimestamp(s.generatedAt))}</span></div>
${incomplete ? `<p class="incomplete" role="note">${h(incomplete)}</p>\n` : ""}<div class="cards">${cards}</div>
</header>`;
}

function alertsSection(summary: RunSetSummary): string {
  const alerts = orderedAlerts(summary);
  const fired = alerts.filter((a) => a.fired);
  const quiet = alerts.filter((a) => !a.fired);
  const box = (a: AlertResult) => `<div class="alert alert-fired" role="alert">
<div class="alert-head"><span class="badge badge-bad">fired</span><strong>${h(a.name)}</strong></div>
<p class="alert-message">${h(a.message)}</p>
<p class="muted">Rule: ${h(a.rule)} · value ${h(alertValue(a))}</p>
</div>`;
  const quietTable = quiet.length
    ? `<table class="data compact"><thead><tr><th>Alert</th><th>Rule</th><th class="num">Value</th><th>Message</th></tr></thead><tbody>${quiet
        .map(
          (a) =>
            `<tr><td><span class="badge badge-quiet">quiet</span> ${h(a.name)}</td><td>${h(a.rule)}</td><td class="num">${h(alertValue(a))}</td><td>${h(a.message)}</td></tr>`,
        )
        .join("")}</tbody></table>`
    : "";
  return `<h2>Alerts <span class="count">${fired.length} of ${alerts.length} fired</span></h2>
${fired.map(box).join("\n")}
${quietTable}`;
}

function alertValue(a: AlertResult): string {
  return a.kind === "probability" ? formatPercent(a.value) : formatNumber(a.value);
}

function observationTable(
  summary: RunSetSummary,
  rows: readonly ObservationStats[],
  options: { id?: string; std?: boolean; keys?: ReadonlySet<string> } = {},
): string {
  const qs = summary.quantiles;
  const watched = new Set(summary.alerts.map((a) => a.observation));
  const firedOn = new Set(summary.alerts.filter((a) => a.fired).map((a) => a.observation));
  const head = [
    "<th>Observation</th>",
    "<th>Group</th>",
    ...qs.map((q) => `<th class="num">${h(quantileLabel(q))}</th>`),
    '<th class="num">Mean</th>',
    options.std ? '<th class="num">Std</th>' : "",
    '<th class="num">Min</th>',
    '<th class="num">Max</th>',
    '<th class="num">n</th>',
  ].join("");
  const body = rows
    .map((o) => {
      const marks = [
        options.keys?.has(o.name) ? '<span class="badge badge-key">key</span>' : "",
        firedOn.has(o.name)
          ? '<span class="badge badge-bad">alert</span>'
          : watched.has(o.name)
            ? '<span class="badge badge-quiet">alert</span>'
            : "",
      ].join("");
      const cells = [
        `<td class="name">${h(o.name)}${marks ? ` <span class="tags">${marks}</span>` : ""}</td>`,
        `<td>${h(o.group)}</td>`,
        ...qs.map((q) => `<td class="num">${h(formatNumber(o.quantiles[quantileKey(q)]))}</td>`),
        `<td class="num">${h(formatNumber(o.mean))}</td>`,
        options.std ? `<td class="num">${h(formatNumber(o.std))}</td>` : "",
        `<td class="num">${h(formatNumber(o.min))}</td>`,
        `<td class="num">${h(formatNumber(o.max))}</td>`,
        `<td class="num">${h(formatCount(o.count))}</td>`,
      ].join("");
      return `<tr data-name="${h(`${o.name} ${o.group}`.toLowerCase())}"${firedOn.has(o.name) ? ' class="row-fired"' : ""}>${cells}</tr>`;
    })
    .join("\n");
  return `<table class="data"${options.id ? ` id="${options.id}"` : ""}><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table>`;
}

function keySection(summary: RunSetSummary, keys: readonly ObservationStats[]): string {
  return `<h2>Key observations</h2>
<div class="table-wrap">${observationTable(summary, keys, { std: true })}</div>`;
}

function failuresSection(summary: RunSetSummary): string {
  const total = summary.failures.reduce((n, f) => n + f.count, 0);
  return `<h2>Failures <span class="count">${formatCount(total)}</span></h2>
${summary.failures.map(failureGroup).join("\n")}`;
}

function failureGroup(f: FailureSummary): string {
  const ids = f.ids
    .slice(0, IDS_SHOWN)
    .map((id) => `<code>${h(id)}</code>`)
    .join(" ");
  const more =
    f.ids.length > IDS_SHOWN
      ? ` <span class="muted">and ${formatCount(f.ids.length - IDS_SHOWN)} more</span>`
      : "";
  const retry =
    f.kind === "infrastructure"
      ? '<p class="muted">Infrastructure failures are retried by the next run.</p>'
      : "";
  const examples = f.examples
    .map((e) => {
      const tail = e.logTail.trim()
        ? `<details class="log"><summary>Log tail</summary><pre>${h(clip(e.logTail))}</pre></details>`
        : "";
      return `<tr><td><code>${h(e.id)}</code></td><td>${h(e.message)}${tail}</td></tr>`;
    })
    .join("\n");
  return `<div class="failure failure-${f.kind === "model" ? "model" : "infra"}">
<h3><span class="badge ${f.kind === "model" ? "badge-bad" : "badge-warn"}">${h(f.kind)}</span> ${h(f.reason)} <span class="count">${formatCount(f.count)} realisation${f.count === 1 ? "" : "s"}</span></h3>
${retry}<p class="ids">${ids}${more}</p>
${examples ? `<table class="data compact examples"><thead><tr><th>Realisation</th><th>Message</th></tr></thead><tbody>${examples}</tbody></table>` : ""}
</div>`;
}

function clip(text: string): string {
  const clean = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  return clean.length > LOG_TAIL_CHARS ? `…${clean.slice(-LOG_TAIL_CHARS)}` : clean;
}

function figure(r: { chart: Chart; svg: string }): string {
  const note = r.chart.note ? `<figcaption>${h(r.chart.note)}</figcaption>` : "";
  return `<figure class="chart chart-${r.chart.kind}" id="chart-${r.chart.id}">${r.svg}${note}</figure>`;
}

function chartsSection(
  heading: string,
  charts: ReadonlyArray<{ chart: Chart; svg: string }>,
  layout: string,
): string {
  return `<h2>${h(heading)}</h2>
<div class="${layout}">${charts.map(figure).join("\n")}</div>`;
}

function seriesSection(summary: RunSetSummary, charts: ReadonlyArray<{ chart: Chart; svg: string }>): string {
  const tables = summary.series.map((band) => seriesTable(summary, band)).join("\n");
  return `<h2>Series</h2>
<div class="stack">${charts.map(figure).join("\n")}</div>
<details class="more"><summary>Band values (${formatCount(summary.series.length)} series)</summary>${tables}</details>`;
}

function seriesTable(summary: RunSetSummary, band: SeriesBand): string {
  const qs = summary.quantiles;
  const rows = band.steps
    .map(
      (s) =>
        `<tr><td class="num">${h(formatNumber(s.step))}</td><td>${h(s.observation)}</td>${qs
          .map((q) => `<td class="num">${h(formatNumber(s.quantiles[quantileKey(q)]))}</td>`)
          .join("")}<td class="num">${h(formatNumber(s.mean))}</td></tr>`,
    )
    .join("");
  return `<h3>${h(band.name)} <span class="count">by ${h(band.stepLabel || "step")}</span></h3>
<div class="table-wrap scroll"><table class="data compact"><thead><tr><th class="num">${h(band.stepLabel || "step")}</th><th>Observation</th>${qs
    .map((q) => `<th class="num">${h(quantileLabel(q))}</th>`)
    .join("")}<th class="num">Mean</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function sensitivitySection(
  summary: RunSetSummary,
  charts: ReadonlyArray<{ chart: Chart; svg: string }>,
): string {
  const rows = [...summary.sensitivities]
    .sort((a, b) => Math.abs(b.rho) - Math.abs(a.rho))
    .map(
      (s) =>
        `<tr><td>${h(s.parameter)}</td><td>${h(s.observation)}</td><td class="num">${h(formatRho(s.rho))}</td><td><span class="rho-bar" style="width:${Math.round(Math.abs(s.rho) * 100)}px;background:${s.rho >= 0 ? "#3b82f6" : "#f97316"}"></span></td></tr>`,
    )
    .join("");
  return `<h2>Sensitivity</h2>
<p class="muted">Spearman rank correlation between parameters and observations across successful realisations; the strongest pairs are plotted.${summary.sensitivityScope ? ` ${h(sensitivityScopeNote(summary.sensitivityScope))}` : ""}</p>
<div class="grid-3">${charts.map(figure).join("\n")}</div>
${rows ? `<details class="more"><summary>Strongest correlations (${formatCount(summary.sensitivities.length)})</summary><div class="table-wrap"><table class="data compact"><thead><tr><th>Parameter</th><th>Observation</th><th class="num">ρ</th><th></th></tr></thead><tbody>${rows}</tbody></table></div></details>` : ""}`;
}

function allObservationsSection(summary: RunSetSummary, keys: readonly ObservationStats[]): string {
  const keyNames = new Set(keys.map((o) => o.name));
  const groups = summary.groups
    .map(
      (g) =>
        `<tr><td>${h(g.group)}</td><td class="num">${formatCount(g.observations.length)}</td>${summary.quantiles
          .map((q) => `<td class="num">${h(formatNumber(g.quantiles[quantileKey(q)]))}</td>`)
          .join(
            "",
          )}<td class="num">${h(formatNumber(g.mean))}</td><td class="num">${h(formatNumber(g.min))}</td><td class="num">${h(formatNumber(g.max))}</td></tr>`,
    )
    .join("");
  const groupTable = groups
    ? `<h3>Groups</h3><div class="table-wrap"><table class="data compact"><thead><tr><th>Group</th><th class="num">Observations</th>${summary.quantiles
        .map((q) => `<th class="num">${h(quantileLabel(q))}</th>`)
        .join(
          "",
        )}<th class="num">Mean</th><th class="num">Min</th><th class="num">Max</th></tr></thead><tbody>${groups}</tbody></table></div>`
    : "";
  const n = summary.observations.length;
  return `<h2>All observations <span class="count">${formatCount(n)}</span></h2>
<details class="more"${n <= 60 ? " open" : ""}><summary>Every observation, in the order of the spec</summary>
<div class="filter"><input type="search" placeholder="Filter by name or group" aria-label="Filter observations" data-filter="all-observations"><span class="muted" data-filter-count="all-observations"></span></div>
<div class="table-wrap scroll tall">${observationTable(summary, summary.observations, { id: "all-observations", std: true, keys: keyNames })}</div>
</details>
${groupTable}`;
}

const SCRIPT = `
for (const input of document.querySelectorAll("input[data-filter]")) {
  const table = document.getElementById(input.dataset.filter);
  const count = document.querySelector('[data-filter-count="' + input.dataset.filter + '"]');
  if (!table) continue;
  input.addEventListener("input", () => {
    const q = input.value.trim().toLowerCase();
    let shown = 0;
    for (const row of table.tBodies[0].rows) {
      row.hidden = q !== "" && !row.dataset.name.includes(q);
      if (!row.hidden) shown++;
    }
    if (count) count.textContent = q === "" ? "" : shown + " shown";
  });
}
`;

const CSS = `
:root {
  --fg: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f6f7f9; --card: #ffffff;
  --accent: #1d4ed8; --bad: #b91c1c; --bad-bg: #fef2f2; --bad-line: #fca5a5;
  --warn: #b45309; --warn-bg: #fffbeb; --good: #047857; --good-bg: #ecfdf5;
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "Liberation Sans", sans-serif;
}
header.top, nav.toc, main, footer { max-width: 1120px; margin: 0 auto; padding: 0 24px; }
header.top { padding-top: 28px; padding-bottom: 8px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); font-weight: 600; }
h1 { font-size: 32px; line-height: 1.2; margin: 4px 0 10px; letter-spacing: -.01em; overflow-wrap: anywhere; }
h2 { font-size: 20px; margin: 0 0 14px; }
h3 { font-size: 16px; margin: 18px 0 8px; }
.count { font-weight: 400; color: var(--muted); font-size: .85em; margin-left: 6px; }
.status { display: flex; align-items: center; gap: 14px; flex-wrap: wrap; }
.generated { color: var(--muted); font-size: 13px; }
.pill { display: inline-block; padding: 4px 12px; border-radius: 999px; font-weight: 600; font-size: 14px; }
.pill-bad { background: var(--bad); color: #fff; }
.pill-warn { background: #fde68a; color: #78350f; }
.pill-good { background: #a7f3d0; color: #064e3b; }
.incomplete { margin: 12px 0 0; padding: 8px 12px; border: 1px solid #fcd34d; border-left: 5px solid var(--warn); border-radius: 8px; background: var(--warn-bg); color: #78350f; font-weight: 500; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(128px, 1fr)); gap: 10px; margin-top: 18px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 10px 14px; }
.card-value { font-size: 22px; font-weight: 700; font-variant-numeric: tabular-nums; }
.card-label { font-size: 12px; color: var(--muted); }
.card-good .card-value { color: var(--good); }
.card-bad { border-color: var(--bad-line); background: var(--bad-bg); }
.card-bad .card-value { color: var(--bad); }
.card-warn { border-color: #fcd34d; background: var(--warn-bg); }
.card-warn .card-value { color: var(--warn); }
nav.toc { position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; gap: 4px 18px; padding-top: 10px; padding-bottom: 10px; background: var(--bg); border-bottom: 1px solid var(--line); font-size: 14px; }
nav.toc a { color: var(--accent); text-decoration: none; }
nav.toc a:hover { text-decoration: underline; }
main section { background: var(--card); border: 1px solid var(--line); border-radius: 12px; padding: 20px 22px; margin: 18px 0; scroll-margin-top: 56px; }
.muted { color: var(--muted); font-size: 13px; margin: 4px 0 10px; }
.alert { border-radius: 8px; padding: 10px 14px; margin: 0 0 12px; }
.alert-fired { background: var(--bad-bg); border: 1px solid var(--bad-line); border-left: 5px solid var(--bad); }
.alert-head { display: flex; align-items: center; gap: 8px; font-size: 16px; }
.alert-message { margin: 4px 0 0; font-weight: 500; overflow-wrap: anywhere; }
.alert .muted { margin: 2px 0 0; }
.badge { display: inline-block; font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; padding: 1px 7px; border-radius: 4px; vertical-align: 1px; }
.badge-bad { background: var(--bad); color: #fff; }
.badge-warn { background: #f59e0b; color: #fff; }
.badge-quiet { background: #e5e7eb; color: #374151; }
.badge-key { background: #dbeafe; color: #1e40af; }
.table-wrap { overflow-x: auto; }
.scroll { max-height: 420px; overflow-y: auto; border: 1px solid var(--line); border-radius: 8px; }
.scroll.tall { max-height: 70vh; }
table.data { border-collapse: separate; border-spacing: 0; width: 100%; font-size: 14px; }
table.data th, table.data td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.data th { position: sticky; top: 0; z-index: 1; background: #f3f4f6; font-weight: 600; font-size: 13px; color: #374151; white-space: nowrap; }
table.data tbody tr:nth-child(even) td { background: #fafbfc; }
table.data tbody tr:hover td { background: #eff6ff; }
table.data tr.row-fired td { background: var(--bad-bg); }
table.data .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.data td.name { font-weight: 500; overflow-wrap: anywhere; min-width: 12em; }
table.data td.name .tags { white-space: nowrap; }
table.compact th, table.compact td { padding: 4px 8px; font-size: 13px; }
table.examples td:first-child { white-space: nowrap; width: 1%; }
.failure { border-top: 1px solid var(--line); padding-top: 4px; }
.failure:first-of-type { border-top: none; }
.ids { line-height: 1.9; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 12.5px; }
code { background: #f3f4f6; border-radius: 4px; padding: 1px 5px; }
details.log { margin-top: 6px; }
details.log summary, details.more > summary { cursor: pointer; color: var(--accent); font-size: 13px; }
details.more { margin-top: 14px; }
details.more > summary { font-size: 14px; font-weight: 600; margin-bottom: 10px; }
pre { background: #111827; color: #e5e7eb; padding: 10px 12px; border-radius: 6px; overflow-x: auto; max-height: 360px; white-space: pre; margin: 6px 0 0; }
.grid-2, .grid-3 { display: grid; gap: 16px; }
.grid-2 { grid-template-columns: repeat(auto-fill, minmax(470px, 1fr)); }
.grid-3 { grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); }
.stack { display: grid; gap: 18px; }
figure.chart { margin: 0; padding: 8px; border: 1px solid var(--line); border-radius: 8px; background: #fff; overflow-x: auto; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; }
.filter { display: flex; align-items: center; gap: 10px; margin-bottom: 8px; }
.filter input { font: inherit; font-size: 14px; padding: 6px 10px; border: 1px solid #d1d5db; border-radius: 6px; width: 320px; max-width: 100%; }
.rho-bar { display: inline-block; height: 8px; border-radius: 2px; }
footer { color: var(--muted); font-size: 12px; padding-top: 8px; padding-bottom: 32px; }
@media print { nav.toc { position: static; } .scroll, .scroll.tall { max-height: none; } }
`;
