// Third-party actions by full commit SHA: a tag can be moved to other code, a SHA cannot.
// Actions of this repository (`./actions/...`) are the checked-out code itself.
import type { Finding, WorkflowRule } from "../workflow.ts";

const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;
const DOCKER_PINNED = /^docker:\/\/[^@]+@sha256:[0-9a-f]{64}$/;

export function isPinned(uses: string): boolean {
  return uses.startsWith("./") || PINNED.test(uses) || DOCKER_PINNED.test(uses);
}

export const pinnedActions: WorkflowRule = {
  id: "pinned-actions",
  description: "Every `uses:` of another repository's action or workflow is pinned by full commit SHA.",
  check: (w) => {
    const out: Finding[] = [];
    for (const job of w.jobs) {
      const uses = [
        ...(job.uses ? [{ uses: job.uses, line: job.line }] : []),
        ...job.steps.filter((s) => s.uses),
      ];
      for (const u of uses) {
        if (!isPinned(u.uses!))
          out.push({
            rule: "pinned-actions",
            file: w.file,
            line: u.line,
            message: `\`${u.uses}\` is not pinned: use owner/repo@<40-hex commit SHA> with the version in a comment`,
          });
      }
    }
    return out;
  },
};
