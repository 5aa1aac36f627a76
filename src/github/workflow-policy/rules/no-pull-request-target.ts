// `pull_request_target` runs with the base repository's secrets and a write token on code a
// fork controls; modelfleet's workflows use `pull_request`, which gives a fork neither.
import type { WorkflowRule } from "../workflow.ts";

export const noPullRequestTarget: WorkflowRule = {
  id: "no-pull-request-target",
  description:
    "Triggers: pull_request, never pull_request_target (nor workflow_run, which runs with secrets after it).",
  check: (w) =>
    w.triggers
      .filter((t) => t === "pull_request_target" || t === "workflow_run")
      .map((t) => ({
        rule: "no-pull-request-target",
        file: w.file,
        line: w.lineOf(["on", t]),
        message: `triggered by \`${t}\`, which runs a pull request's changes with the repository's secrets; use \`pull_request\``,
      })),
};
