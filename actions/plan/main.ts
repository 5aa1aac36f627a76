// The plan action: inputs → settings → src/github/plan-flow.ts → outputs, comments, summary.
import * as core from "@actions/core";
import { createEcrClient } from "../../src/cloud/ecr-images.ts";
import { errorMessage } from "../../src/errors.ts";
import { booleanInput, githubClient, input } from "../../src/github/action-io.ts";
import { readWorkflowEnvironment } from "../../src/github/environment.ts";
import { decideImage } from "../../src/github/image-decision.ts";
import { writeJobSummary } from "../../src/github/job-summary.ts";
import { type PlanSettings, planProjects } from "../../src/github/plan-flow.ts";
import { affectedProjectFiles, listProjectFiles, parsePathList } from "../../src/github/project-files.ts";
import { scrubSecrets, smokeRun } from "../../src/github/smoke-run.ts";

export async function run(): Promise<void> {
  try {
    const env = await readWorkflowEnvironment();
    const root = process.env["GITHUB_WORKSPACE"] ?? process.cwd();
    const aws = booleanInput("aws", false);
    const ecrRegion = input("ecr-region") || "us-east-1";
    const settings: PlanSettings = {
      root,
      files: affectedProjectFiles(await listProjectFiles(root), parsePathList(input("files"))),
      commit: env.pullRequest?.headSha ?? env.sha,
      results: aws
        ? { kind: "s3", infraDir: input("infra-dir") || ".modelfleet/infra" }
        : { kind: "none", reason: input("no-aws-reason") },
      image: await decideImage({
        root,
        repository: input("ecr-repository") || "modelfleet-agent",
        region: ecrRegion,
        ...(aws ? { ecr: createEcrClient({ region: ecrRegion }) } : {}),
      }),
      pricesFile: input("prices") || undefined,
      smoke: booleanInput("smoke", true),
      ...(booleanInput("comment", true) && env.pullRequest ? { issue: env.pullRequest.number } : {}),
      links: { workflowRun: env.runUrl },
    };
    const client = settings.issue !== undefined ? githubClient(input("token"), env) : undefined;
    const planned = await planProjects(settings, {
      ...(client ? { client } : {}),
      smoke: (o) => {
        scrubSecrets();
        return smokeRun(o);
      },
      log: (line) => core.info(line),
    });
    const problems = planned.reduce((n, p) => n + p.stage.problems.length, 0);
    core.setOutput(
      "plans",
      JSON.stringify(
        planned.map(({ stage: s }) => ({
          project: s.project,
          scenario: s.scenario,
          file: s.file,
          problems: s.problems.length,
          toRun: s.toRun ?? null,
          cost: s.estimate?.cost ?? null,
        })),
      ),
    );
    core.setOutput("problems", problems);
    await writeJobSummary(
      planned.length === 0 ? ["No project file changed."] : planned.map((p) => p.comment),
    );
    if (problems > 0) core.setFailed(`${problems} problem(s) in the project files; the comments list them`);
  } catch (e) {
    core.setFailed(errorMessage(e));
  }
}
