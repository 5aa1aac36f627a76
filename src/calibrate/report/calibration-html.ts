// The calibration's report.html: one self-contained page, the markdown report's tables and
// its charts (inline SVG, no external resources).
import { escapeHtml as h } from "../../report/escape-html.ts";
import { formatCount, formatNumber } from "../../report/format.ts";
import { renderSvg } from "../../report/svg.ts";
import { type CalibrationChart, oneToOneChart, parameterCharts, phiChart } from "./calibration-charts.ts";
import { methodName } from "./calibration-markdown.ts";
import type { CalibrationSummary } from "./calibration-summary.ts";

export async function renderCalibrationHtml(s: CalibrationSummary): Promise<string> {
  const figure = async (c: CalibrationChart) =>
    `<figure class="chart" id="${h(c.id)}">${await renderSvg(c.spec, { idPrefix: `${c.id}-` })}</figure>`;
  const first = s.iterations[0]!;
  const last = s.iterations.at(-1)!;
  const table = (head: string[], rows: string[][]) =>
    `<table><thead><tr>${head.map((c) => `<th>${h(c)}</th>`).join("")}</tr></thead><tbody>${rows
      .map((r) => `<tr>${r.map((c) => `<td>${h(c)}</td>`).join("")}</tr>`)
      .join("")}</tbody></table>`;
  const range = (x: { p10: number; p90: number }) => `${formatNumber(x.p10)} – ${formatNumber(x.p90)}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="modelfleet"><title>${h(`${s.project} / ${s.scenario}`)} · calibration</title>
<style>${CSS}</style></head><body>
<h1>${h(`${s.project} / ${s.scenario}`)}: calibration</h1>
<p>${h(methodName(s.method))}, ${h(s.engine)}: ${last.iteration} iteration(s), ${h(formatCount(s.totalRuns))} model runs, ${h(formatNumber(s.wallSeconds))} s.
Mean measured phi ${h(formatNumber(first.measured.mean))} → ${h(formatNumber(last.measured.mean))}; ${h(formatCount(last.realisations))} of ${h(formatCount(s.realisations))} realisations in the posterior (<code>${h(s.files.posterior)}</code>).</p>
<section><h2>Phi</h2>${await figure(phiChart(s))}
${table(
  ["iteration", "runs", "realisations", "mean", "std", "min", "max", "actual mean"],
  s.iterations.map((it) => [
    String(it.iteration),
    formatCount(it.totalRuns),
    formatCount(it.realisations),
    ...[it.measured.mean, it.measured.std, it.measured.min, it.measured.max, it.actual.mean].map((v) =>
      formatNumber(v),
    ),
  ]),
)}</section>
<section><h2>Parameters: prior and posterior</h2><div class="grid">${(await Promise.all(parameterCharts(s).map(figure))).join("")}</div>
${table(
  ["group", "parameter", "prior mean", "prior P10–P90", "posterior mean", "posterior P10–P90"],
  s.parameters.map((p) => [
    p.group,
    p.name + (p.log ? " (log)" : ""),
    formatNumber(p.prior.mean),
    range(p.prior),
    formatNumber(p.posterior.mean),
    range(p.posterior),
  ]),
)}</section>
<section><h2>Simulated vs observed</h2>${await figure(oneToOneChart(s))}
${table(
  ["group", "observation", "weight", "observed", "prior P10–P90", "posterior mean", "posterior P10–P90"],
  s.observations.map((o) => [
    o.group,
    o.name,
    formatNumber(o.weight),
    formatNumber(o.observed),
    range(o.prior),
    formatNumber(o.posterior.mean),
    range(o.posterior),
  ]),
)}</section>
<section><h2>Realisations dropped</h2>${
    s.dropped.length === 0
      ? "<p>None.</p>"
      : table(
          ["realisation", "iteration", "why"],
          s.dropped.map((d) => [d.real, String(d.iteration), d.why]),
        )
  }</section>
<footer>modelfleet · calibration.json and PEST++'s files are beside this page.</footer>
</body></html>
`;
}

const CSS = `body { font-family: Helvetica, Arial, sans-serif; color: #111827; background: #f7f8fa; max-width: 1100px; margin: 0 auto; padding: 16px 24px; }
section { background: #fff; border: 1px solid #e5e7eb; border-radius: 12px; padding: 16px 20px; margin: 16px 0; }
table { border-collapse: collapse; font-size: 13px; margin-top: 10px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #e5e7eb; text-align: left; }
th { background: #f3f4f6; }
.grid { display: grid; gap: 12px; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); }
figure.chart { margin: 0; } figure.chart svg { max-width: 100%; height: auto; }
code { background: #f3f4f6; padding: 1px 5px; border-radius: 4px; }
footer { color: #6b7280; font-size: 12px; }`;
