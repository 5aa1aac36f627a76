// Concurrency: every workflow says what may run at once; a job that starts or follows a run
// set (./actions/watch) is never cancelled by the next one, which would orphan its comment.
import type { Finding, WorkflowRule } from "../workflow.ts";

function cancels(c: unknown): boolean {
  return typeof c === "object" && c !== null && (c as Record<string, unknown>)["cancel-in-progress"] === true;
}

export const concurrency: WorkflowRule = {
  id: "concurrency",
  description:
    "Every workflow (or each of its jobs) has a `concurrency:` group; jobs that start or follow run sets do not cancel in progress.",
  check: (w) => {
    const out: Finding[] = [];
    const add = (line: number, message: string) =>
      out.push({ rule: "concurrency", file: w.file, line, message });
    if (w.concurrency === undefined) {
      for (const job of w.jobs)
        if (job.concurrency === undefined)
          add(job.line, `job \`${job.id}\` has no \`concurrency:\` group (nor has the workflow)`);
    }
    for (const job of w.jobs) {
      const drivesRuns = job.steps.some((s) => s.uses?.startsWith("./actions/watch"));
      if (
        drivesRuns &&
        (cancels(job.concurrency) || (job.concurrency === undefined && cancels(w.concurrency)))
      )
        add(
          job.line,
          `job \`${job.id}\` follows a run set: its concurrency group must not cancel in progress`,
        );
    }
    return out;
  },
};
