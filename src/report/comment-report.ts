// The report stage of the pull-request comment: the run set's report.md (with its own marker
// line replaced by ours; it leads with the fired alerts), what it cost, how a run that did not finish
// ended, and links that outlive the workflow's credentials.

import { fitSections, linksSection, type Section } from "./comment-parts.ts";
import { plannedText, spentText } from "./comment-progress.ts";
import type { ReportStage } from "./comment-stage.ts";
import { formatCount } from "./format.ts";
import { commentMarker } from "./markdown.ts";

export function renderReportComment(s: ReportStage): string {
  const marker = commentMarker(s.project, s.scenario);
  const fired = s.alerts.filter((a) => a.fired);
  const sections: Section[] = [{ name: "marker", text: marker, keep: Number.POSITIVE_INFINITY }];
  if (s.ended) {
    sections.push({
      name: "how the run ended",
      text: `> [!WARNING]\n> The run ${s.ended.state === "failed" ? "was given up" : `ended (${s.ended.state})`}: ${s.ended.text.replace(/\n/g, "\n> ")}`,
      keep: Number.POSITIVE_INFINITY,
    });
  }
  const body = stripMarker(s.markdown, marker).trim();
  sections.push({
    name: LEFT_OUT_REPORT,
    text:
      body.length > 0
        ? body
        : s.counts
          ? `No report was written (${formatCount(s.counts.realisations)} realisations).`
          : "No report was written for this run.",
    keep: 1,
  });
  sections.push({
    name: "the cost",
    text: `**Cost:** ${"unknown" in s.spent ? `not known (${s.spent.unknown})` : spentText(s.spent)}${s.estimate ? `; planned ${plannedText(s.estimate)}` : ""}`,
    keep: 8,
  });
  const links = linksSection(s.links);
  if (links) sections.push({ name: "links", text: links, keep: Number.POSITIVE_INFINITY });
  const where = "The full report is report.html, linked below.";
  const text = fitSections(sections, undefined, where);
  // report.md leads with the fired alerts; when it had to be left out, they are listed here.
  if (fired.length === 0 || !text.includes(LEFT_OUT_REPORT)) return text;
  const alerts: Section = {
    name: "fired alerts",
    text: `> [!CAUTION]\n> ${fired.length} alert${fired.length === 1 ? "" : "s"} fired:\n${fired.map((a) => `> - **${a.name}**: ${a.message}`).join("\n")}`,
    keep: Number.POSITIVE_INFINITY,
  };
  return fitSections([sections[0]!, alerts, ...sections.slice(1)], undefined, where);
}

const LEFT_OUT_REPORT = "the report (report.md)";

function stripMarker(markdown: string, marker: string): string {
  const lines = markdown.split("\n");
  return lines[0]?.startsWith("<!-- modelfleet:") || lines[0] === marker
    ? lines.slice(1).join("\n")
    : markdown;
}
