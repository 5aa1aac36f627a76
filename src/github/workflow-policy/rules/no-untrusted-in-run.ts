// Values a pull request's author or a dispatcher chooses (titles, branch names, inputs) reach
// a shell only through `env:`: pasted into `run:` by `${{ }}` they are shell code.
import type { Finding, WorkflowRule } from "../workflow.ts";

const UNTRUSTED = /\$\{\{[^}]*\b(github\.event\.|inputs\.|github\.head_ref|github\.event_path)[^}]*\}\}/;

export const noUntrustedInRun: WorkflowRule = {
  id: "no-untrusted-in-run",
  description:
    "No expression of github.event.*, inputs.* or github.head_ref inside `run:`; pass them through `env:`.",
  check: (w) => {
    const out: Finding[] = [];
    for (const job of w.jobs) {
      for (const step of job.steps) {
        const m = step.run === undefined ? null : UNTRUSTED.exec(step.run);
        if (m)
          out.push({
            rule: "no-untrusted-in-run",
            file: w.file,
            line: step.line,
            message: `\`${m[0]}\` is pasted into a shell script: set it in the step's \`env:\` and use "$NAME"`,
          });
      }
    }
    return out;
  },
};
