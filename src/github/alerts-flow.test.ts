import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { buildSummary } from "../../test/helpers/summary-builder.ts";
import { handleAlerts } from "./alerts-flow.ts";
import { FakeGitHub } from "./fake-github.ts";

const sns = mockClient(SNSClient);
beforeEach(() => sns.reset());

const { summary } = buildSummary();
const topicArn = "arn:aws:sns:us-east-1:123456789012:modelfleet-demo-alerts";
const base = {
  project: "demo",
  scenario: "base",
  alerts: summary.alerts,
  alertsTo: ["ops@acme.example"],
  topicArn,
  reportLink: "https://github.com/acme/models/pull/12",
};

describe("handleAlerts", () => {
  it("fails a check and tells the project's topic when an alert fired", async () => {
    sns.on(PublishCommand).resolves({ MessageId: "m-1" });
    const github = new FakeGitHub();
    const out = await handleAlerts({
      ...base,
      sns: new SNSClient({}),
      check: { client: github, name: "modelfleet alerts: demo/base", headSha: "abc" },
    });
    expect(out).toMatchObject({
      published: "m-1",
      fired: [expect.objectContaining({ name: "w3_high_water" })],
    });
    const input = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(input).toMatchObject({ TopicArn: topicArn, Subject: "modelfleet: 1 alert(s) fired in demo/base" });
    expect(input.Message).toContain("- w3_high_water: h_well3_t012: p90 is 101.39, above 101");
    expect(input.Message).toContain("Report: https://github.com/acme/models/pull/12");
    expect(github.checkRun("modelfleet alerts: demo/base")).toMatchObject({
      conclusion: "failure",
      title: "1 alert(s) fired in demo/base",
    });
  });

  it("publishes nothing, and says why, when the project names no one", async () => {
    const out = await handleAlerts({ ...base, alertsTo: [], sns: new SNSClient({}) });
    expect(out.notPublished).toBe("the project file names no one in cloud.alerts_to");
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it("passes the check and publishes nothing when no alert fired", async () => {
    const github = new FakeGitHub();
    const quiet = summary.alerts.map((a) => ({ ...a, fired: false }));
    const out = await handleAlerts({
      ...base,
      alerts: quiet,
      sns: new SNSClient({}),
      check: { client: github, name: "a", headSha: "h" },
    });
    expect(out.fired).toEqual([]);
    expect(github.checkRun("a")?.conclusion).toBe("success");
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it("says which permission a refused publish needs", async () => {
    sns
      .on(PublishCommand)
      .rejects(Object.assign(new Error("denied"), { name: "AuthorizationErrorException" }));
    await expect(handleAlerts({ ...base, sns: new SNSClient({}) })).rejects.toThrow(
      `not allowed to publish to ${topicArn} (sns:Publish): use the run workflow's role`,
    );
  });
});
