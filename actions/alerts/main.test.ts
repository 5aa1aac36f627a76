// The alerts action as GitHub runs it: the check, and the project's SNS topic (a small fake
// of SNS's Publish) found in the scenario's infrastructure outputs.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHubApi } from "../../test/fake-github/fake-github-api.ts";
import { demoRepository, runAction } from "../../test/helpers/run-action.ts";
import { buildSummary } from "../../test/helpers/summary-builder.ts";

let api: FakeGitHubApi;
let server: { url: string; close(): Promise<void> };
let repo: string;
beforeAll(async () => {
  api = new FakeGitHubApi();
  server = await api.listen();
  repo = await demoRepository();
});
afterAll(() => server.close());

/** The demo repository whose project names someone to tell of alerts, with a run set's summary. */
async function repositoryTellingOps(): Promise<string> {
  const own = await demoRepository();
  const spec = join(own, "projects/demo/base.yaml");
  await writeFile(
    spec,
    (await readFile(spec, "utf8")).replace(
      "cloud: { region: us-east-1, max_workers: 50 }",
      "cloud: { region: us-east-1, max_workers: 50, alerts_to: [ops@example.com] }",
    ),
  );
  await writeFile(join(own, "summary.json"), JSON.stringify(buildSummary().summary));
  return own;
}

describe("actions/alerts", () => {
  it("fails a check and the step when an alert fired", async () => {
    await writeFile(join(repo, "summary.json"), JSON.stringify(buildSummary().summary));
    const run = await runAction("alerts", {
      workspace: repo,
      inputs: { spec: "projects/demo/base.yaml", summary: "summary.json", token: "t0ken" },
      env: { GITHUB_API_URL: server.url },
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs["fired"]).toBe("1");
    expect(run.stdout).toContain(
      "::warning title=alert fired::w3_high_water: h_well3_t012: p90 is 101.39, above 101",
    );
    expect(run.stdout).toContain("not sent to SNS: the project file names no one in cloud.alerts_to");
    expect(api.github.checkRun("modelfleet alerts: demo/base")?.conclusion).toBe("failure");
  });

  it("sends the fired alerts to the topic named in the scenario's infrastructure outputs, with no input to fill in", async () => {
    const own = await repositoryTellingOps();
    const topic = "arn:aws:sns:us-east-1:123456789012:modelfleet-demo-alerts";
    await mkdir(join(own, ".modelfleet/infra"), { recursive: true });
    await writeFile(
      join(own, ".modelfleet/infra/demo-base.json"),
      JSON.stringify({
        region: "us-east-1",
        bucket: "modelfleet-demo",
        queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/modelfleet-demo-base",
        deadLetterQueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/modelfleet-demo-base-dlq",
        cluster: "modelfleet-demo",
        taskDefinition: "modelfleet-demo-base",
        alertsTopicArn: topic,
      }),
    );
    const published: string[] = [];
    const sns = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        published.push(body);
        if (String(req.headers["content-type"]).includes("json")) {
          res.writeHead(200, { "content-type": "application/x-amz-json-1.0" });
          res.end(JSON.stringify({ MessageId: "m-1" }));
        } else {
          res.writeHead(200, { "content-type": "text/xml" });
          res.end(
            '<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-1</MessageId></PublishResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></PublishResponse>',
          );
        }
      });
    });
    await new Promise<void>((resolve) => sns.listen(0, "127.0.0.1", resolve));
    try {
      const run = await runAction("alerts", {
        workspace: own,
        inputs: { spec: "projects/demo/base.yaml", summary: "summary.json", token: "t0ken" },
        env: {
          GITHUB_API_URL: server.url,
          AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${(sns.address() as AddressInfo).port}`,
          AWS_ACCESS_KEY_ID: "test",
          AWS_SECRET_ACCESS_KEY: "test",
        },
      });
      expect(run.outputs["fired"]).toBe("1");
      expect(run.stdout).toContain(`alerts sent to ${topic}`);
      expect(published).toHaveLength(1);
      expect(decodeURIComponent(published[0]!)).toContain(topic);
    } finally {
      sns.close();
    }
  });

  it("says why nothing went to SNS when the scenario's infrastructure outputs are not there", async () => {
    const own = await repositoryTellingOps();
    const run = await runAction("alerts", {
      workspace: own,
      inputs: { spec: "projects/demo/base.yaml", summary: "summary.json", token: "t0ken" },
      env: { GITHUB_API_URL: server.url },
    });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain(
      "not sent to SNS: .modelfleet/infra/demo-base.json: infrastructure outputs not found; apply the infrastructure first",
    );
    expect(api.github.checkRun("modelfleet alerts: demo/base")?.conclusion).toBe("failure");
  });
});
