// The alerts action: inputs → settings → src/github/alerts-flow.ts → outputs.
import { readFile } from "node:fs/promises";
import * as core from "@actions/core";
import { SNSClient } from "@aws-sdk/client-sns";
import { infraOutputsFile, readInfrastructureOutputs } from "../../src/cloud/aws-wiring.ts";
import { errorMessage } from "../../src/errors.ts";
import { booleanInput, githubClient, input } from "../../src/github/action-io.ts";
import { type AlertsInput, handleAlerts } from "../../src/github/alerts-flow.ts";
import { readWorkflowEnvironment } from "../../src/github/environment.ts";
import type { RunSetSummary } from "../../src/results/summary.ts";
import { loadSpec } from "../../src/spec/load.ts";

export async function run(): Promise<void> {
  try {
    const env = await readWorkflowEnvironment();
    const specFile = input("spec");
    const summaryFile = input("summary");
    if (!specFile || !summaryFile) throw new Error("inputs `spec` and `summary` are required");
    const { spec } = await loadSpec(specFile);
    const summary = JSON.parse(await readFile(summaryFile, "utf8")) as RunSetSummary;
    // The topic is the scenario's, in the outputs the workflow wrote when it applied the stack;
    // they are read only when the project names someone to tell.
    const infra =
      spec.cloud.alerts_to.length === 0
        ? undefined
        : await readInfrastructureOutputs(input("infra") || infraOutputsFile(spec)).catch((e: unknown) =>
            errorMessage(e),
          );
    const client = githubClient(input("token"), env);
    const settings: AlertsInput = {
      project: spec.project,
      scenario: spec.scenario,
      alerts: summary.alerts ?? [],
      alertsTo: spec.cloud.alerts_to,
      ...(typeof infra === "object" && infra.alertsTopicArn ? { topicArn: infra.alertsTopicArn } : {}),
      reportLink: input("report-link") || env.runUrl,
      ...(client
        ? { check: { client, name: `modelfleet alerts: ${spec.project}/${spec.scenario}`, headSha: env.sha } }
        : {}),
      ...(typeof infra === "object" ? { sns: new SNSClient({ region: infra.region }) } : {}),
      ...(typeof infra === "string" ? { noTopic: infra } : {}),
    };
    const outcome = await handleAlerts(settings);
    if (outcome.published !== undefined)
      core.info(`alerts sent to ${settings.topicArn} (message ${outcome.published})`);
    core.setOutput("fired", outcome.fired.length);
    for (const a of outcome.fired) core.warning(`${a.name}: ${a.message}`, { title: "alert fired" });
    if (outcome.notPublished) core.info(`not sent to SNS: ${outcome.notPublished}`);
    if (outcome.fired.length > 0 && booleanInput("fail-on-alert", true))
      core.setFailed(`${outcome.fired.length} alert(s) fired in ${spec.project}/${spec.scenario}`);
  } catch (e) {
    core.setFailed(errorMessage(e));
  }
}
