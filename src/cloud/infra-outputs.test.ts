import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serviceRegions } from "./cloud-config.ts";
import { parseInfrastructureOutputs, readInfrastructureOutputs } from "./infra-outputs.ts";

const home = {
  region: "us-east-1",
  bucket: "modelfleet-demo-us-east-1-123456789012",
  prefix: "results/",
  queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/modelfleet-demo-base",
  deadLetterQueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/modelfleet-demo-base-dlq",
  cluster: "modelfleet-demo",
  taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/modelfleet-demo-base:3",
  subnets: ["subnet-0a"],
  securityGroups: ["sg-0a"],
  assignPublicIp: true,
  containerName: "agent",
};

describe("infrastructure outputs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-infra-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("passes the service, logs and alerts topic on, and reads one region as a one-region list", async () => {
    const file = join(dir, "one.json");
    await writeFile(
      file,
      JSON.stringify({
        ...home,
        service: "base-workers",
        logGroup: "/modelfleet/demo/base",
        logStreamPrefix: "worker",
        alertsTopicArn: "arn:aws:sns:us-east-1:123456789012:modelfleet-demo-alerts",
      }),
    );
    const infra = await readInfrastructureOutputs(file);
    expect(infra).toMatchObject({
      service: "base-workers",
      logGroup: "/modelfleet/demo/base",
      logStreamPrefix: "worker",
      alertsTopicArn: "arn:aws:sns:us-east-1:123456789012:modelfleet-demo-alerts",
    });
    expect(serviceRegions(infra)).toEqual([
      {
        region: "us-east-1",
        cluster: "modelfleet-demo",
        service: "base-workers",
        taskDefinition: home.taskDefinition,
        subnets: ["subnet-0a"],
        securityGroups: ["sg-0a"],
        assignPublicIp: true,
        logGroup: "/modelfleet/demo/base",
        logStreamPrefix: "worker",
      },
    ]);
    // Without a service, workers are started one by one: no service regions.
    expect(serviceRegions(parseInfrastructureOutputs(home, "x.json"))).toEqual([]);
  });

  it("reads every region's service, cluster and network, home first", () => {
    const west = {
      region: "us-west-2",
      cluster: "modelfleet-demo",
      service: "base-workers",
      subnets: ["subnet-0b"],
      securityGroups: ["sg-0b"],
      assignPublicIp: true,
      logGroup: "/modelfleet/demo/base",
    };
    const east = { region: "us-east-1", cluster: "modelfleet-demo", service: "base-workers" };
    const infra = parseInfrastructureOutputs(
      { ...home, service: "base-workers", regions: [east, west] },
      "two.json",
    );
    expect(serviceRegions(infra).map((r) => [r.region, r.subnets])).toEqual([
      ["us-east-1", []],
      ["us-west-2", ["subnet-0b"]],
    ]);
  });

  it("refuses a regions list that does not start at home, repeats a region or misses a field", () => {
    const entry = (region: string) => ({ region, cluster: "c", service: "s" });
    expect(() =>
      parseInfrastructureOutputs({ ...home, regions: [entry("us-west-2"), entry("us-east-1")] }, "f.json"),
    ).toThrow(
      "f.json: `regions` starts with us-west-2, but the home region (`region`) is us-east-1: list the home region first",
    );
    expect(() =>
      parseInfrastructureOutputs({ ...home, regions: [entry("us-east-1"), entry("us-east-1")] }, "f.json"),
    ).toThrow("f.json: `regions` lists us-east-1 twice");
    expect(() =>
      parseInfrastructureOutputs(
        { ...home, regions: [entry("us-east-1"), { region: "us-west-2" }] },
        "f.json",
      ),
    ).toThrow("f.json: `regions[1]`: missing `cluster`, `service` (strings)");
    expect(() => parseInfrastructureOutputs({ ...home, regions: [] }, "f.json")).toThrow(
      "f.json: `regions` must be a list of the regions workers run in, home first",
    );
    expect(() => parseInfrastructureOutputs({ region: "us-east-1" }, "f.json")).toThrow(
      "f.json: missing `bucket`, `queueUrl`, `deadLetterQueueUrl`, `cluster`, `taskDefinition` (strings)",
    );
  });
});
