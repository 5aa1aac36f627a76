// The pull-request comment of a scenario being calibrated from the run workflow: which
// iteration is on the workers, the mean phi of those finished, and what to do when the job
// stops before the calibration does. Once calibrated, the comment is the report stage
// (report/comment-report.ts) with the calibration's report.md. Built from the report module's
// parts, so it has the same marker, links and length limit as every other stage.
import { fitSections, linksSection, type Section } from "../report/comment-parts.ts";
import type { CommentLinks } from "../report/comment-stage.ts";
import { formatCount, formatTimestamp } from "../report/format.ts";
import { commentMarker } from "../report/markdown.ts";
import type { CalibrationProgress } from "./calibration-progress.ts";

export interface CalibratingStage {
  readonly project: string;
  readonly scenario: string;
  /** The iterations the project file asks for (calibration.iterations). */
  readonly iterations: number;
  readonly progress: CalibrationProgress;
  readonly startedAt: string;
  readonly updatedAt: string;
  /** Set when the calibration stopped before its end: why. */
  readonly stopped?: string;
  readonly links?: CommentLinks;
}

export function renderCalibratingComment(s: CalibratingStage): string {
  const resume = `run the \`run\` workflow again for ${s.project} / ${s.scenario} (Actions → run → Run workflow, project \`${s.project}\`, scenario \`${s.scenario}\`): the calibration resumes from its last published realisation, and this comment carries on.`;
  const sections: Section[] = [
    { name: "marker", text: commentMarker(s.project, s.scenario), keep: Number.POSITIVE_INFINITY },
    {
      name: "heading",
      text: `### ${s.stopped ? "⏸️" : "⏳"} modelfleet calibration: ${s.project} / ${s.scenario}\n\n${state(s)}`,
      keep: Number.POSITIVE_INFINITY,
    },
  ];
  if (s.progress.done.length > 0)
    sections.push({ name: "the iterations", text: iterationTable(s.progress), keep: 5 });
  sections.push({
    name: "what to do",
    text: s.stopped
      ? `> [!WARNING]\n> The calibration stopped: ${s.stopped.replace(/\n/g, "\n> ")}\n>\n> To resume, ${resume}`
      : `> [!NOTE]\n> This job runs the calibration to its end (the client computes each update between iterations). If the job is stopped or runs out of time, ${resume}`,
    keep: Number.POSITIVE_INFINITY,
  });
  sections.push({
    name: "the times",
    text: `Started ${formatTimestamp(s.startedAt)}; updated ${formatTimestamp(s.updatedAt)}.`,
    keep: 2,
  });
  const links = linksSection(s.links);
  if (links) sections.push({ name: "links", text: links, keep: 4 });
  return fitSections(sections);
}

function state(s: CalibratingStage): string {
  const finished = s.progress.done.at(-1)?.iteration;
  const of = `of ${formatCount(s.iterations)}`;
  const running = s.progress.running;
  if (running) {
    const what = running.iteration === 0 ? "The prior ensemble" : `Iteration ${running.iteration} ${of}`;
    return `${what} is on the ECS workers: ${formatCount(running.runs)} model run(s)${running.doneAlready > 0 ? `, ${formatCount(running.doneAlready)} of them done already` : ""}.`;
  }
  if (finished === undefined) return "Calibrating: the prior ensemble is being set up.";
  return finished === 0
    ? "Calibrating: the prior ensemble is run."
    : `Calibrating: iteration ${finished} ${of} is done.`;
}

function iterationTable(p: CalibrationProgress): string {
  return [
    "| iteration | mean phi | realisations | model runs so far |",
    "| ---: | ---: | ---: | ---: |",
    ...p.done.map(
      (d) =>
        `| ${d.iteration === 0 ? "0 (prior)" : d.iteration} | ${d.meanPhi} | ${formatCount(d.realisations)} | ${formatCount(d.modelRuns)} |`,
    ),
  ].join("\n");
}
