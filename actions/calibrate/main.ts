// The calibrate action: inputs → settings → src/github/calibrate-flow.ts → outputs.
import { resolve } from "node:path";
import * as core from "@actions/core";
import { systemClock } from "../../src/engine/clock.ts";
import { errorMessage } from "../../src/errors.ts";
import { githubClient, input, numberInput } from "../../src/github/action-io.ts";
import { type CalibrateSettings, calibrateScenario } from "../../src/github/calibrate-flow.ts";
import { type CliTarget, calibrateOnEcs } from "../../src/github/cli-runner.ts";
import { readWorkflowEnvironment } from "../../src/github/environment.ts";
import { readScenarioInputs } from "../../src/github/scenario-inputs.ts";
import { createS3Client, createS3ResultStore } from "../../src/store/s3-store.ts";

export async function run(): Promise<void> {
  try {
    const env = await readWorkflowEnvironment();
    const root = process.env["GITHUB_WORKSPACE"] ?? process.cwd();
    const { specFile, spec, name, infraFile, infra } = await readScenarioInputs(root);
    const pr = input("pull-request");
    const settings: CalibrateSettings = {
      spec,
      infra,
      ...(pr ? { issue: numberInput("pull-request", 0, 1) } : {}),
      env,
      progressEveryMs: numberInput("progress-minutes", 5) * 60_000,
      reportDir: resolve(root, input("report-dir") || `.modelfleet/report/${name}`),
      artifactName: input("artifact-name") || `modelfleet-calibration-${name}`,
    };
    const target: CliTarget = {
      cli: [process.execPath, resolve(root, input("cli") || "src/cli/bin.ts")],
      specFile,
      infraFile,
      cwd: root,
      log: (line) => core.info(line),
    };
    const client = githubClient(input("token"), env);
    const stop = AbortSignal.timeout(numberInput("minutes", 340) * 60_000);
    const outcome = await calibrateScenario(settings, {
      ...(client ? { client } : {}),
      store: createS3ResultStore({
        client: createS3Client({ region: infra.region }),
        bucket: infra.bucket,
        ...(infra.prefix !== undefined ? { prefix: infra.prefix } : {}),
      }),
      clock: systemClock,
      calibrate: (onLine) => calibrateOnEcs(target, { onLine, stop }),
      log: (line) => core.info(line),
    });
    core.setOutput("state", outcome.state);
    core.setOutput("comment-url", outcome.commentUrl ?? "");
    core.setOutput("report-dir", outcome.reportFiles.length > 0 ? settings.reportDir : "");
    core.setOutput("artifact-name", settings.artifactName);
    core.info(`${spec.project}/${spec.scenario}: ${outcome.state}`);
    if (outcome.state !== "calibrated")
      core.setFailed(`${spec.project}/${spec.scenario}: ${outcome.message}`);
  } catch (e) {
    core.setFailed(errorMessage(e));
  }
}
