// From a project stack's outputs to the files `run --executor ecs --infra` reads.
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readInfrastructureOutputs } from "../../src/cloud/aws-wiring.ts";
import { mergeOutputs, outputsFiles, type ScenarioOutputs, type VisitingOutputs } from "../src/outputs.ts";
import { writeOutputsFiles } from "../src/write-outputs.ts";

const REPO = join(import.meta.dirname, "..", "..");

const base: ScenarioOutputs = {
  region: "us-east-1",
  bucket: "modelfleet-demo-us-east-1-123456789012",
  prefix: "results/",
  queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/modelfleet-demo-base",
  deadLetterQueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/modelfleet-demo-base-dlq",
  cluster: "modelfleet-demo",
  taskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/modelfleet-demo-base:3",
  subnets: ["subnet-0a", "subnet-0b"],
  securityGroups: ["sg-0c"],
  assignPublicIp: true,
  containerName: "agent",
  service: "base-workers",
  logGroup: "/modelfleet/demo/base",
  logStreamPrefix: "worker",
  alertsTopicArn: "arn:aws:sns:us-east-1:123456789012:modelfleet-demo-alerts",
};

/** What `terraform output -json` prints for a project stack. */
const terraformOutput = {
  project: { sensitive: false, type: "string", value: "demo" },
  region: { sensitive: false, type: "string", value: "us-east-1" },
  scenarios: {
    sensitive: false,
    type: ["object", {}],
    value: { base, wet: { ...base, service: "wet-workers" } },
  },
};

describe("outputsFiles", () => {
  it("makes one file per scenario from `terraform output -json`", () => {
    expect(outputsFiles(terraformOutput).map((f) => [f.file, f.home?.service])).toEqual([
      ["demo-base.json", "base-workers"],
      ["demo-wet.json", "wet-workers"],
    ]);
  });

  it("reads the file `cdktn output --outputs-file` writes, for every stack in it", () => {
    const cdktn = {
      "modelfleet-foundation": { repository_url: "x" },
      "modelfleet-demo-us-east-1": { project: "demo", region: "us-east-1", scenarios: { base } },
      "modelfleet-acme-eu-west-1": { project: "acme", region: "eu-west-1", scenarios: { dry: base } },
    };
    expect(outputsFiles(cdktn).map((f) => f.file)).toEqual(["acme-dry.json", "demo-base.json"]);
  });

  it("adds a region that only runs a scenario's workers to the home region's file", () => {
    const west: VisitingOutputs = {
      homeRegion: "us-east-1",
      region: "us-west-2",
      cluster: "modelfleet-demo",
      service: "base-workers",
      taskDefinition: "arn:aws:ecs:us-west-2:123456789012:task-definition/modelfleet-demo-base:1",
      subnets: ["subnet-0w"],
      securityGroups: ["sg-0w"],
      assignPublicIp: true,
      logGroup: "/modelfleet/demo/base",
      logStreamPrefix: "worker",
    };
    const cdktn = {
      "modelfleet-demo-us-east-1": { project: "demo", region: "us-east-1", scenarios: { base }, workers: {} },
      "modelfleet-demo-us-west-2": {
        project: "demo",
        region: "us-west-2",
        scenarios: {},
        workers: { base: west },
      },
    };
    const [part] = outputsFiles(cdktn);
    const merged = mergeOutputs(undefined, part!);
    expect(merged).toMatchObject({ region: "us-east-1", bucket: base.bucket, service: "base-workers" });
    expect(merged.regions).toEqual([
      {
        region: "us-east-1",
        cluster: "modelfleet-demo",
        service: "base-workers",
        taskDefinition: base.taskDefinition,
        subnets: ["subnet-0a", "subnet-0b"],
        securityGroups: ["sg-0c"],
        assignPublicIp: true,
        logGroup: "/modelfleet/demo/base",
        logStreamPrefix: "worker",
      },
      {
        region: "us-west-2",
        cluster: "modelfleet-demo",
        service: "base-workers",
        taskDefinition: west.taskDefinition,
        subnets: ["subnet-0w"],
        securityGroups: ["sg-0w"],
        assignPublicIp: true,
        logGroup: "/modelfleet/demo/base",
        logStreamPrefix: "worker",
      },
    ]);
    // The home region's outputs written again keep the other regions; one region stays as it was.
    expect(mergeOutputs(merged, { file: "demo-base.json", home: base, regions: [] }).regions).toHaveLength(2);
    expect(mergeOutputs(undefined, { file: "demo-base.json", home: base, regions: [] })).toEqual(base);
    // A worker region's outputs alone need the home region's file first.
    expect(() => mergeOutputs(undefined, { file: "demo-base.json", regions: [west] })).toThrow(
      "demo-base.json: these outputs only add workers in us-west-2; write the outputs of the home region's stack (us-east-1) first",
    );
  });

  it("says what it expected when given something else", () => {
    expect(() => outputsFiles({ repository_url: { value: "x" } })).toThrow(
      /no project stack outputs found: expected/,
    );
  });
});

describe("writing the outputs files", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-outputs-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("writes files that `run --executor ecs --infra` accepts", async () => {
    const written = await writeOutputsFiles({
      json: JSON.stringify(terraformOutput),
      outDir: join(dir, "infra"),
    });
    expect(written).toEqual([join(dir, "infra", "demo-base.json"), join(dir, "infra", "demo-wet.json")]);
    const infra = await readInfrastructureOutputs(written[0]!);
    expect(infra).toMatchObject({
      region: "us-east-1",
      bucket: base.bucket,
      prefix: "results/",
      queueUrl: base.queueUrl,
      deadLetterQueueUrl: base.deadLetterQueueUrl,
      cluster: "modelfleet-demo",
      taskDefinition: base.taskDefinition,
      subnets: ["subnet-0a", "subnet-0b"],
      securityGroups: ["sg-0c"],
      assignPublicIp: true,
      containerName: "agent",
    });
    expect(JSON.parse(await readFile(written[0]!, "utf8")).service).toBe("base-workers");
  });

  it("adds each region's stack to the files, one stack at a time, home first", async () => {
    const out = join(dir, "regions");
    await writeOutputsFiles({ json: JSON.stringify(terraformOutput), outDir: out });
    const west = {
      project: { sensitive: false, type: "string", value: "demo" },
      region: { sensitive: false, type: "string", value: "us-west-2" },
      scenarios: { sensitive: false, type: ["object", {}], value: {} },
      workers: {
        sensitive: false,
        type: ["object", {}],
        value: {
          base: {
            homeRegion: "us-east-1",
            region: "us-west-2",
            cluster: "modelfleet-demo",
            service: "base-workers",
            subnets: ["subnet-0w"],
            securityGroups: ["sg-0w"],
            assignPublicIp: true,
          },
        },
      },
    };
    expect(await writeOutputsFiles({ json: JSON.stringify(west), outDir: out })).toEqual([
      join(out, "demo-base.json"),
    ]);
    const infra = await readInfrastructureOutputs(join(out, "demo-base.json"));
    expect(infra.regions?.map((r) => r.region)).toEqual(["us-east-1", "us-west-2"]);
    await expect(
      writeOutputsFiles({ json: JSON.stringify(west), outDir: join(dir, "empty") }),
    ).rejects.toThrow("write the outputs of the home region's stack (us-east-1) first");
  });

  it("refuses text that is not JSON", async () => {
    await expect(writeOutputsFiles({ json: "Error: No outputs found", outDir: dir })).rejects.toThrow(
      /^the outputs are not JSON/,
    );
  });

  it("runs as a script, on terraform's output from stdin or on a file", async () => {
    const script = join(REPO, "scripts", "infra-outputs.ts");
    const fromStdin = execFileSync(process.execPath, [script, "--out", join(dir, "stdin")], {
      input: JSON.stringify(terraformOutput),
      encoding: "utf8",
    });
    expect(fromStdin).toBe(
      `wrote ${join(dir, "stdin", "demo-base.json")}\nwrote ${join(dir, "stdin", "demo-wet.json")}\n`,
    );
    const from = join(dir, "out.json");
    await writeFile(from, JSON.stringify(terraformOutput));
    const fromFile = execFileSync(process.execPath, [script, "--from", from, "--out", join(dir, "file")], {
      encoding: "utf8",
    });
    expect(fromFile).toContain(join(dir, "file", "demo-base.json"));
  });
});
