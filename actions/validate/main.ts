// The validate action: inputs → settings → src/github/validate-flow.ts → outputs.
import * as core from "@actions/core";
import { errorMessage } from "../../src/errors.ts";
import { annotateWithCommand, choiceInput, githubClient, input } from "../../src/github/action-io.ts";
import { readWorkflowEnvironment } from "../../src/github/environment.ts";
import { writeJobSummary } from "../../src/github/job-summary.ts";
import { affectedProjectFiles, listProjectFiles, parsePathList } from "../../src/github/project-files.ts";
import { type ValidateSettings, validateProjects } from "../../src/github/validate-flow.ts";

export async function run(): Promise<void> {
  try {
    const env = await readWorkflowEnvironment();
    const root = process.env["GITHUB_WORKSPACE"] ?? process.cwd();
    const settings: ValidateSettings = {
      root,
      files: affectedProjectFiles(await listProjectFiles(root), parsePathList(input("files"))),
      annotate: choiceInput("annotate", ["check-run", "commands"], "commands"),
      checkName: input("check-name") || "modelfleet validate",
      headSha: env.pullRequest?.headSha ?? env.sha,
    };
    const client = settings.annotate === "check-run" ? githubClient(input("token"), env) : undefined;
    const outcome = await validateProjects(settings, {
      ...(client ? { client } : {}),
      command: annotateWithCommand,
    });
    core.setOutput("problems", outcome.problems.length);
    core.setOutput("files", JSON.stringify(settings.files));
    await writeJobSummary([`## modelfleet validate\n\n${outcome.summary}`]);
    if (outcome.problems.length > 0) {
      core.setFailed(
        `${outcome.problems.length} problem(s) in the project files${outcome.checkRunUrl ? ` (see ${outcome.checkRunUrl})` : ""}`,
      );
    } else core.info(`${settings.files.length} project file(s) valid`);
  } catch (e) {
    core.setFailed(errorMessage(e));
  }
}
