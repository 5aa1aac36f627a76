// The validate step: every project file checked, every problem put on the pull request's diff
// at its file and line (a check run's annotations, or workflow commands where the token cannot
// write checks), and a verdict that fails the check when there is any problem.
import { join } from "node:path";
import { type Diagnostic, formatDiagnostic } from "../spec/diagnostics.ts";
import { type SpecValidation, validateSpecFile } from "../spec/load.ts";
import { annotationOf, repoPath } from "./annotations.ts";
import { type CheckAnnotation, type GitHubClient, MAX_CHECK_SUMMARY_CHARS } from "./client.ts";

export interface ValidateSettings {
  /** The repository's folder; project files are relative to it. */
  readonly root: string;
  readonly files: readonly string[];
  /** "check-run": through the API (needs `checks: write`); "commands": workflow commands. */
  readonly annotate: "check-run" | "commands";
  readonly checkName: string;
  readonly headSha: string;
}

export interface ValidateDeps {
  readonly client?: GitHubClient;
  /** Emits one workflow-command annotation (core.error with its properties). */
  readonly command: (a: CheckAnnotation) => void;
}

export interface ValidateOutcome {
  readonly results: readonly SpecValidation[];
  readonly problems: readonly Diagnostic[];
  readonly summary: string;
  readonly checkRunUrl?: string;
}

export async function validateProjects(s: ValidateSettings, deps: ValidateDeps): Promise<ValidateOutcome> {
  const results: SpecValidation[] = [];
  for (const file of s.files) results.push(await validateSpecFile(join(s.root, file)));
  const problems = results.flatMap((r) => r.diagnostics);
  const annotations = problems.map((d) => annotationOf(d, s.root));
  const summary = validationSummary(results, s.root);
  let checkRunUrl: string | undefined;
  if (s.annotate === "check-run" && deps.client) {
    const run = await deps.client.createCheckRun({
      name: s.checkName,
      headSha: s.headSha,
      conclusion: problems.length > 0 ? "failure" : "success",
      title:
        problems.length > 0
          ? `${problems.length} problem${problems.length === 1 ? "" : "s"} in the project files`
          : `${results.length} project file${results.length === 1 ? "" : "s"} valid`,
      summary,
      annotations,
    });
    checkRunUrl = run.url;
  } else {
    for (const a of annotations) deps.command(a);
  }
  return { results, problems, summary, ...(checkRunUrl ? { checkRunUrl } : {}) };
}

function validationSummary(results: readonly SpecValidation[], root: string): string {
  const lines: string[] = [];
  for (const r of results) {
    const file = repoPath(r.file, root);
    if (r.diagnostics.length === 0) {
      const res = r.resolved!;
      lines.push(
        `- ✅ \`${file}\`: ${res.spec.project}/${res.spec.scenario}, ${res.realisations.realisations.length} realisations`,
      );
    } else {
      lines.push(`- ❌ \`${file}\`: ${r.diagnostics.length} problem${r.diagnostics.length === 1 ? "" : "s"}`);
      for (const d of r.diagnostics)
        lines.push(`  - \`${formatDiagnostic({ ...d, file: repoPath(d.file, root) })}\``);
    }
  }
  const text = lines.length === 0 ? "No project files to check." : lines.join("\n");
  return text.length <= MAX_CHECK_SUMMARY_CHARS
    ? text
    : `${text.slice(0, MAX_CHECK_SUMMARY_CHARS - 60)}\n… (the annotations list every problem)`;
}
