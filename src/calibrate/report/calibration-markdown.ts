// The calibration's report.md: the headline, phi per iteration, prior and posterior of each
// parameter by group, how well each observation is matched, and the realisations dropped.

import { formatCount, formatNumber } from "../../report/format.ts";
import { cell } from "../../report/markdown.ts";
import type { CalibrationSummary } from "./calibration-summary.ts";

const DROPPED_SHOWN = 50;

export function calibrationMarker(project: string, scenario: string): string {
  return `<!-- modelfleet:${project}/${scenario}/calibration -->`;
}

export function renderCalibrationMarkdown(s: CalibrationSummary): string {
  const first = s.iterations[0]!;
  const last = s.iterations.at(-1)!;
  const lines: string[] = [
    calibrationMarker(s.project, s.scenario),
    `## modelfleet calibration: ${s.project} / ${s.scenario}`,
    "",
    `**${methodName(s.method)}**, ${s.engine}: ${last.iteration} iteration(s), ${formatCount(s.totalRuns)} model runs, ${formatNumber(s.wallSeconds)} s. ` +
      `Mean phi ${formatNumber(first.measured.mean)} → ${formatNumber(last.measured.mean)} (measured, against observations plus noise); ` +
      `${formatCount(last.realisations)} of ${formatCount(s.realisations)} realisations in the posterior.`,
    "",
    `The posterior ensemble is \`${s.files.posterior}\` beside this report: use it as \`parameters: { csv: ... }\` of a later run.`,
    "",
    "### Phi per iteration",
    "",
    "| iteration | runs | realisations | mean | std | min | max | actual mean | step |",
    "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ...s.iterations.map(
      (it) =>
        `| ${it.iteration} | ${formatCount(it.totalRuns)} | ${formatCount(it.realisations)} | ${formatNumber(it.measured.mean)} | ${formatNumber(it.measured.std)} | ${formatNumber(it.measured.min)} | ${formatNumber(it.measured.max)} | ${formatNumber(it.actual.mean)} | ${stepOf(it)} |`,
    ),
    "",
    "### Parameters: prior and posterior",
    "",
    "| group | parameter | prior mean | prior P10–P90 | posterior mean | posterior P10–P90 |",
    "| --- | --- | ---: | ---: | ---: | ---: |",
    ...[...s.parameters]
      .sort((a, b) => a.group.localeCompare(b.group))
      .map(
        (p) =>
          `| ${cell(p.group)} | ${cell(p.name)}${p.log ? " (log)" : ""} | ${formatNumber(p.prior.mean)} | ${formatNumber(p.prior.p10)} – ${formatNumber(p.prior.p90)} | ${formatNumber(p.posterior.mean)} | ${formatNumber(p.posterior.p10)} – ${formatNumber(p.posterior.p90)} |`,
      ),
    "",
    "### Observations: observed and simulated",
    "",
    "| group | observation | weight | observed | prior P10–P90 | posterior mean | posterior P10–P90 |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ...s.observations.map(
      (o) =>
        `| ${cell(o.group)} | ${cell(o.name)} | ${formatNumber(o.weight)} | ${formatNumber(o.observed)} | ${formatNumber(o.prior.p10)} – ${formatNumber(o.prior.p90)} | ${formatNumber(o.posterior.mean)} | ${formatNumber(o.posterior.p10)} – ${formatNumber(o.posterior.p90)} |`,
    ),
    "",
    "### Realisations dropped",
    "",
  ];
  if (s.dropped.length === 0) lines.push("None.");
  else {
    lines.push("| realisation | iteration | why |", "| --- | ---: | --- |");
    for (const d of s.dropped.slice(0, DROPPED_SHOWN))
      lines.push(`| ${cell(d.real)} | ${d.iteration} | ${cell(d.why)} |`);
    if (s.dropped.length > DROPPED_SHOWN)
      lines.push("", `... and ${s.dropped.length - DROPPED_SHOWN} more (calibration.json lists them all).`);
  }
  return `${lines.join("\n")}\n`;
}

export function methodName(method: CalibrationSummary["method"]): string {
  return method === "esmda"
    ? "ES-MDA (Emerick & Reynolds 2013)"
    : "iterative ensemble smoother, GLM form (PEST++'s pestpp-ies)";
}

function stepOf(it: CalibrationSummary["iterations"][number]): string {
  if (it.iteration === 0) return "prior";
  if (it.alpha !== undefined) return `α = ${formatNumber(it.alpha)}`;
  if (it.lambda === undefined) return it.accepted ? "" : "no lambda worked";
  return `λ = ${formatNumber(it.lambda)}, scale ${formatNumber(it.scale ?? 1)}${it.accepted ? "" : ", not accepted (improved realisations only)"}`;
}
