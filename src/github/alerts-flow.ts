// Fired alerts beyond the comment: a check run on the commit that fails when any fired, and,
// when the project asks (`cloud.alerts_to`), a message to the project's SNS topic, which
// notifies those addresses.
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { errorMessage } from "../errors.ts";
import type { AlertResult } from "../results/summary.ts";
import type { GitHubClient } from "./client.ts";

export interface AlertsInput {
  readonly project: string;
  readonly scenario: string;
  readonly alerts: readonly AlertResult[];
  /** cloud.alerts_to: who the project wants told; nothing is published when empty. */
  readonly alertsTo: readonly string[];
  /** The project's topic (the infrastructure outputs' alertsTopicArn). */
  readonly topicArn?: string;
  /** Why the topic is not known (the infrastructure outputs could not be read). */
  readonly noTopic?: string;
  /** Where the report is, for the message. */
  readonly reportLink?: string;
  readonly check?: { readonly client: GitHubClient; readonly name: string; readonly headSha: string };
  readonly sns?: SNSClient;
}

export interface AlertsOutcome {
  readonly fired: readonly AlertResult[];
  /** The SNS message id, when one was published. */
  readonly published?: string;
  /** Why nothing was published though alerts fired. */
  readonly notPublished?: string;
  readonly checkUrl?: string;
}

export async function handleAlerts(input: AlertsInput): Promise<AlertsOutcome> {
  const fired = input.alerts.filter((a) => a.fired);
  const label = `${input.project}/${input.scenario}`;
  let checkUrl: string | undefined;
  if (input.check) {
    const run = await input.check.client.createCheckRun({
      name: input.check.name,
      headSha: input.check.headSha,
      conclusion: fired.length > 0 ? "failure" : "success",
      title: fired.length > 0 ? `${fired.length} alert(s) fired in ${label}` : `no alert fired in ${label}`,
      summary:
        input.alerts.length === 0
          ? "The project file sets no alerts."
          : input.alerts.map((a) => `- ${a.fired ? "🔴" : "🟢"} **${a.name}**: ${a.message}`).join("\n"),
      annotations: [],
    });
    checkUrl = run.url;
  }
  if (fired.length === 0) return { fired, ...(checkUrl ? { checkUrl } : {}) };
  const why =
    input.alertsTo.length === 0
      ? "the project file names no one in cloud.alerts_to"
      : !input.topicArn
        ? (input.noTopic ??
          "the infrastructure outputs name no alerts topic (alertsTopicArn): apply the project's stack")
        : !input.sns
          ? "no AWS credentials"
          : undefined;
  if (why) return { fired, notPublished: why, ...(checkUrl ? { checkUrl } : {}) };
  try {
    const out = await input.sns!.send(
      new PublishCommand({
        TopicArn: input.topicArn,
        Subject: `modelfleet: ${fired.length} alert(s) fired in ${label}`.slice(0, 100),
        Message: alertMessage(label, fired, input.reportLink),
      }),
    );
    return { fired, published: out.MessageId ?? "", ...(checkUrl ? { checkUrl } : {}) };
  } catch (e) {
    const name = (e as { name?: string }).name ?? "";
    throw new Error(
      name === "AuthorizationErrorException" || name === "AccessDenied"
        ? `not allowed to publish to ${input.topicArn} (sns:Publish): use the run workflow's role`
        : name === "NotFoundException"
          ? `the alerts topic ${input.topicArn} does not exist: apply the project's stack`
          : `publishing the alerts of ${label} to ${input.topicArn} failed: ${errorMessage(e)}`,
      { cause: e },
    );
  }
}

export function alertMessage(label: string, fired: readonly AlertResult[], reportLink?: string): string {
  return [
    `${fired.length} alert(s) fired in ${label}:`,
    "",
    ...fired.map((a) => `- ${a.name}: ${a.message}`),
    ...(reportLink ? ["", `Report: ${reportLink}`] : []),
  ].join("\n");
}
