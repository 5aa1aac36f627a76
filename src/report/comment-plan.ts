// The plan stage of the pull-request comment: what a merge would run, what it should cost, what
// changed since the last run and why, and the smoke run; or the problems that stop the plan.

import {
  estimateLines,
  estimateNotes,
  fitSections,
  formatSeconds,
  linksSection,
  type Section,
} from "./comment-parts.ts";
import type { PlanChanges, PlanStage } from "./comment-stage.ts";
import { formatCount, formatNumber } from "./format.ts";
import { commentMarker } from "./markdown.ts";

const MAX_PROBLEMS = 200;

export function renderPlanComment(s: PlanStage): string {
  const sections: Section[] = [
    { name: "marker", text: commentMarker(s.project, s.scenario), keep: Number.POSITIVE_INFINITY },
  ];
  const commit = s.commit ? ` at ${s.commit.slice(0, 7)}` : "";
  if (s.problems.length > 0) {
    sections.push({
      name: "heading",
      text: `### 🔴 modelfleet plan: ${s.project} / ${s.scenario}\n\n\`${s.file}\`${commit} has ${s.problems.length} problem${s.problems.length === 1 ? "" : "s"}; nothing can be planned until ${s.problems.length === 1 ? "it is" : "they are"} fixed.`,
      keep: Number.POSITIVE_INFINITY,
    });
    sections.push({ name: "the problems", text: problemsList(s), keep: 1 });
    return fitSections(sections);
  }
  const toRun = s.toRun ?? 0;
  const icon = s.smoke?.status === "failed" ? "🟡" : "🟢";
  sections.push({
    name: "heading",
    text: `### ${icon} modelfleet plan: ${s.project} / ${s.scenario}\n\n\`${s.file}\`${commit}: on merge, ${
      s.calibration
        ? `a calibration runs on AWS: ${s.calibration.method}, ${s.calibration.iterations} iterations of ${formatCount(s.calibration.ensemble)} realisations, at most **${formatCount(s.calibration.runs)}** model runs.`
        : `**${formatCount(toRun)}** of ${formatCount(s.realisations ?? 0)} realisations run on AWS.`
    }`,
    keep: Number.POSITIVE_INFINITY,
  });
  sections.push({ name: "the plan", text: planTable(s), keep: 10 });
  // A calibration's runs are its iterations': what an earlier run set did does not carry over.
  const changes = s.changes && !s.calibration ? changesList(s.changes, s) : undefined;
  if (changes) sections.push({ name: "what changed", text: changes, keep: 8 });
  if (s.smoke) sections.push({ name: "the smoke run", text: smokeSection(s), keep: 9 });
  if (s.estimate) {
    sections.push({
      name: "how the cost is estimated",
      text: `<details><summary>How the cost is estimated</summary>\n\n${estimateNotes(s.estimate)
        .map((n) => `- ${n}`)
        .join("\n")}\n</details>`,
      keep: 5,
    });
  }
  const links = linksSection(s.links);
  if (links) sections.push({ name: "links", text: links, keep: 4 });
  return fitSections(sections);
}

function planTable(s: PlanStage): string {
  const done = s.done ?? { ok: 0, modelFailed: 0 };
  const c = s.calibration;
  const rows = c
    ? [
        "| | |",
        "| --- | --- |",
        `| calibration | ${c.method}: the prior and ${c.iterations} iterations of ${formatCount(c.ensemble)} realisations |`,
        `| model runs | at most **${formatCount(c.runs)}** |`,
      ]
    : [
        "| | |",
        "| --- | --- |",
        `| realisations | ${formatCount(s.realisations ?? 0)} |`,
        `| done | ${formatCount(done.ok)} ok, ${formatCount(done.modelFailed)} model failures |`,
        `| to run | **${formatCount(s.toRun ?? 0)}** |`,
      ];
  if (s.estimate && (c ? c.runs : (s.toRun ?? 0)) > 0) {
    rows.push(
      `| estimated wall time | ${formatSeconds(s.estimate.wallSeconds)} on ${formatCount(s.estimate.workers)} worker(s)${s.estimate.basis === "timeout" ? " (at most: the timeout)" : ""} |`,
    );
    rows.push(...estimateLines(s.estimate));
  }
  if (s.image) {
    rows.push(
      `| worker image | \`${s.image.tag}\` ${s.image.status === "present" ? "(built)" : s.image.status === "build" ? "(new: built on merge)" : "(not checked)"} |`,
    );
  }
  const notes: string[] = [];
  if (s.results?.source === "none")
    notes.push(`> [!NOTE]\n> Planned against no earlier results: ${s.results.reason}.`);
  return [rows.join("\n"), ...notes].join("\n\n");
}

function changesList(c: PlanChanges, s: PlanStage): string | undefined {
  const items: string[] = [];
  if (c.new > 0) items.push(`${formatCount(c.new)} new (no result yet)`);
  if (c.inputsChanged > 0)
    items.push(
      `${formatCount(c.inputsChanged)} because the model changed (model folder, command, templates, instruction files, success check${s.image?.status === "build" ? "; the worker image is new" : " or worker image"})`,
    );
  if (c.parametersChanged > 0)
    items.push(`${formatCount(c.parametersChanged)} because their parameter values changed`);
  if (c.infrastructureRetries > 0)
    items.push(`${formatCount(c.infrastructureRetries)} infrastructure failures to run again`);
  if (c.longerTimeout > 0)
    items.push(`${formatCount(c.longerTimeout)} timeouts, now with a longer \`model.timeout\``);
  if (c.retryFailed > 0) items.push(`${formatCount(c.retryFailed)} model failures run again`);
  if (c.removed > 0)
    items.push(
      `${formatCount(c.removed)} result(s) of ids the project file no longer names: kept, not reported`,
    );
  if (items.length === 0)
    return "**What runs again:** nothing; every realisation has a result with today's inputs.";
  return `**What runs, and why**\n\n${items.map((i) => `- ${i}`).join("\n")}`;
}

function smokeSection(s: PlanStage): string {
  const smoke = s.smoke!;
  if (smoke.status === "skipped") return `**Smoke run:** skipped (${smoke.message ?? "no reason given"}).`;
  const time = smoke.wallSeconds === undefined ? "" : ` in ${formatSeconds(smoke.wallSeconds)}`;
  if (smoke.status === "failed") {
    return `**Smoke run of realisation \`${smoke.id}\` on the runner: failed**${time}\n\n\`\`\`\n${(smoke.message ?? "").slice(0, 3000)}\n\`\`\``;
  }
  const obs = Object.entries(smoke.observations ?? {}).slice(0, 8);
  const read = obs.length === 0 ? "" : `: ${obs.map(([k, v]) => `\`${k}\` = ${formatNumber(v)}`).join(", ")}`;
  return `**Smoke run of realisation \`${smoke.id}\` on the runner: ok**${time}${read}`;
}

function problemsList(s: PlanStage): string {
  const shown = s.problems.slice(0, MAX_PROBLEMS).map((p) => {
    const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
    return `- \`${where}\`${p.key ? ` \`${p.key}\`` : ""}: ${p.message}`;
  });
  const more =
    s.problems.length > MAX_PROBLEMS
      ? `\n- … and ${s.problems.length - MAX_PROBLEMS} more (see the check's annotations)`
      : "";
  return `${shown.join("\n")}${more}`;
}
