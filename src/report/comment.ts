// A stage of a run set's pull-request comment as markdown, starting with the marker that finds
// the comment again (markdown.ts commentMarker) and never longer than GitHub accepts.
import { renderPlanComment } from "./comment-plan.ts";
import { renderProgressComment } from "./comment-progress.ts";
import { renderReportComment } from "./comment-report.ts";
import type { CommentStage } from "./comment-stage.ts";

export function renderComment(stage: CommentStage): string {
  switch (stage.stage) {
    case "plan":
      return renderPlanComment(stage);
    case "progress":
      return renderProgressComment(stage);
    case "report":
      return renderReportComment(stage);
  }
}
