// Each workflow policy rule on a compliant and a non-compliant workflow.
import { describe, expect, it } from "vitest";
import { checkWorkflow } from "./check.ts";
import { concurrency } from "./rules/concurrency.ts";
import { jobPermissions } from "./rules/job-permissions.ts";
import { noPullRequestTarget } from "./rules/no-pull-request-target.ts";
import { noUntrustedInRun } from "./rules/no-untrusted-in-run.ts";
import { isPinned, pinnedActions } from "./rules/pinned-actions.ts";

const SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1";
const ok = `on:
  pull_request:
permissions: {}
concurrency: { group: x, cancel-in-progress: true }
jobs:
  a:
    runs-on: ubuntu-latest
    permissions: { contents: read }
    steps:
      - uses: actions/checkout@${SHA} # v7.0.1
      - uses: ./actions/validate
      - env:
          TITLE: \${{ github.event.pull_request.title }}
        run: echo "$TITLE \${{ github.sha }}"
`;
const findings = (text: string, rule: Parameters<typeof checkWorkflow>[2]) =>
  checkWorkflow(text, "w.yml", rule).map((f) => `${f.line}: ${f.message}`);

describe("workflow policy rules", () => {
  it("pass a compliant workflow", () => {
    expect(checkWorkflow(ok, "w.yml")).toEqual([]);
  });

  it("no-pull-request-target", () => {
    expect(findings(ok.replace("pull_request:", "pull_request_target:"), [noPullRequestTarget])).toEqual([
      "2: triggered by `pull_request_target`, which runs a pull request's changes with the repository's secrets; use `pull_request`",
    ]);
    expect(findings("on: [push, workflow_run]\njobs: {}\n", [noPullRequestTarget])).toHaveLength(1);
  });

  it("job-permissions", () => {
    expect(findings(ok.replace("    permissions: { contents: read }\n", ""), [jobPermissions])).toEqual([
      "6: job `a` has no `permissions:`: list what its token needs (`contents: read` at least)",
    ]);
    expect(
      findings(ok.replace("permissions: { contents: read }", "permissions: write-all"), [jobPermissions]),
    ).toEqual(["8: job `a` asks for `write-all`"]);
  });

  it("pinned-actions", () => {
    expect(findings(ok.replace(`@${SHA}`, "@v7"), [pinnedActions])).toEqual([
      "10: `actions/checkout@v7` is not pinned: use owner/repo@<40-hex commit SHA> with the version in a comment",
    ]);
    expect(isPinned("docker://alpine:3")).toBe(false);
    expect(isPinned(`docker://alpine@sha256:${"a".repeat(64)}`)).toBe(true);
    expect(isPinned(`octo/repo/.github/workflows/x.yml@${SHA}`)).toBe(true);
    expect(isPinned(`octo/repo@${SHA.slice(0, 12)}`)).toBe(false);
  });

  it("no-untrusted-in-run", () => {
    for (const value of [
      "github.event.pull_request.title",
      "inputs.ids",
      "github.head_ref",
      "github.event.inputs.x",
    ]) {
      expect(findings(ok.replace("$TITLE", `\${{ ${value} }}`), [noUntrustedInRun])).toEqual([
        `12: \`\${{ ${value} }}\` is pasted into a shell script: set it in the step's \`env:\` and use "$NAME"`,
      ]);
    }
  });

  it("concurrency", () => {
    expect(
      findings(ok.replace("concurrency: { group: x, cancel-in-progress: true }\n", ""), [concurrency]),
    ).toEqual(["5: job `a` has no `concurrency:` group (nor has the workflow)"]);
    expect(findings(ok.replace("./actions/validate", "./actions/watch"), [concurrency])).toEqual([
      "6: job `a` follows a run set: its concurrency group must not cancel in progress",
    ]);
    const perJob = ok
      .replace("concurrency: { group: x, cancel-in-progress: true }\n", "")
      .replace(
        "    permissions: { contents: read }\n",
        "    permissions: { contents: read }\n    concurrency: { group: y }\n",
      )
      .replace("./actions/validate", "./actions/watch");
    expect(findings(perJob, [concurrency])).toEqual([]);
  });
});
