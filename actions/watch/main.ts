// The watch action: inputs → settings → src/github/watch-flow.ts → outputs.
import { resolve } from "node:path";
import * as core from "@actions/core";
import { SNSClient } from "@aws-sdk/client-sns";
import { systemClock } from "../../src/engine/clock.ts";
import { errorMessage } from "../../src/errors.ts";
import { booleanInput, githubClient, input, numberInput } from "../../src/github/action-io.ts";
import { type CliTarget, startRun, watchOnce } from "../../src/github/cli-runner.ts";
import { readWorkflowEnvironment } from "../../src/github/environment.ts";
import { readScenarioInputs } from "../../src/github/scenario-inputs.ts";
import { type WatchSettings, watchRunSet } from "../../src/github/watch-flow.ts";
import { createS3Client, createS3ResultStore } from "../../src/store/s3-store.ts";

export async function run(): Promise<void> {
  try {
    const env = await readWorkflowEnvironment();
    const root = process.env["GITHUB_WORKSPACE"] ?? process.cwd();
    const { specFile, spec, name, infraFile, infra } = await readScenarioInputs(root);
    const pricesFile = input("prices");
    const pr = input("pull-request");
    const settings: WatchSettings = {
      spec,
      infra,
      start: booleanInput("start", false),
      pollMs: numberInput("poll-seconds", 30) * 1000,
      progressEveryMs: numberInput("progress-minutes", 5) * 60_000,
      deadline: Date.now() + numberInput("minutes", 50) * 60_000,
      ...(pr ? { issue: numberInput("pull-request", 0, 1) } : {}),
      env,
      reportDir: resolve(root, input("report-dir") || `.modelfleet/report/${name}`),
      artifactName: input("artifact-name") || `modelfleet-report-${name}`,
      alertsCheckName: `modelfleet alerts: ${spec.project}/${spec.scenario}`,
    };
    const target: CliTarget = {
      cli: [process.execPath, resolve(root, input("cli") || "src/cli/bin.ts")],
      specFile,
      infraFile,
      ...(pricesFile ? { pricesFile } : {}),
      cwd: root,
      log: (line) => core.info(line),
    };
    const client = githubClient(input("token"), env);
    const image = input("image");
    const ids = input("ids");
    const outcome = await watchRunSet(settings, {
      ...(client ? { client } : {}),
      store: createS3ResultStore({
        client: createS3Client({ region: infra.region }),
        bucket: infra.bucket,
        ...(infra.prefix !== undefined ? { prefix: infra.prefix } : {}),
      }),
      sns: new SNSClient({ region: infra.region }),
      clock: systemClock,
      look: () => watchOnce(target),
      startRun: () => startRun(target, { ...(image ? { image } : {}), ...(ids ? { ids } : {}) }),
      log: (line) => core.info(line),
    });
    core.setOutput("state", outcome.state);
    core.setOutput("comment-url", outcome.commentUrl ?? "");
    core.setOutput("alerts-fired", outcome.firedAlerts);
    core.setOutput("report-dir", outcome.reportFiles.length > 0 ? settings.reportDir : "");
    core.setOutput("artifact-name", settings.artifactName);
    core.info(`${spec.project}/${spec.scenario}: ${outcome.state}`);
  } catch (e) {
    core.setFailed(errorMessage(e));
  }
}
