// Every workflow policy rule over every workflow file.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { concurrency } from "./rules/concurrency.ts";
import { jobPermissions } from "./rules/job-permissions.ts";
import { noPullRequestTarget } from "./rules/no-pull-request-target.ts";
import { noUntrustedInRun } from "./rules/no-untrusted-in-run.ts";
import { pinnedActions } from "./rules/pinned-actions.ts";
import { type Finding, parseWorkflow, type WorkflowRule } from "./workflow.ts";

export const WORKFLOW_RULES: readonly WorkflowRule[] = [
  noPullRequestTarget,
  jobPermissions,
  pinnedActions,
  noUntrustedInRun,
  concurrency,
];

export function checkWorkflow(text: string, file: string, rules = WORKFLOW_RULES): Finding[] {
  const workflow = parseWorkflow(text, file);
  return rules.flatMap((r) => r.check(workflow));
}

export async function checkWorkflowFolder(dir: string): Promise<Finding[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const out: Finding[] = [];
  for (const f of files) out.push(...checkWorkflow(await readFile(join(dir, f), "utf8"), join(dir, f)));
  return out;
}
