// Values a pull request's author, a dispatcher or a file name chooses (titles, branch names,
// inputs, matrix entries made from paths, step outputs) reach a shell only through `env:`:
// pasted into `run:` by an expression they are shell code. Only the run's own identifiers,
// which nobody outside can choose, may be pasted.
import type { Finding, WorkflowRule } from "../workflow.ts";

const EXPRESSION = /\$\{\{\s*([^}]*?)\s*\}\}/g;
const SAFE = new Set([
  "github.sha",
  "github.run_id",
  "github.run_attempt",
  "github.run_number",
  "github.workspace",
  "runner.temp",
  "runner.os",
]);

export const noUntrustedInRun: WorkflowRule = {
  id: "no-untrusted-in-run",
  description:
    "No expression inside `run:` but the run's own identifiers (github.sha, github.run_id…); github.event.*, inputs.*, github.head_ref, matrix and step outputs go through `env:`.",
  check: (w) => {
    const out: Finding[] = [];
    for (const job of w.jobs) {
      for (const step of job.steps) {
        for (const m of step.run?.matchAll(EXPRESSION) ?? []) {
          if (SAFE.has(m[1]!)) continue;
          out.push({
            rule: "no-untrusted-in-run",
            file: w.file,
            line: step.line,
            message: `\`${m[0]}\` is pasted into a shell script: set it in the step's \`env:\` and use "$NAME"`,
          });
        }
      }
    }
    return out;
  },
};
