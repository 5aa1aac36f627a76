// scripts/worker-image.ts end to end, against a local endpoint that answers ECR's
// DescribeImages: the same client code that talks to AWS.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeImageTag } from "./image-tag.ts";

const REPO = join(import.meta.dirname, "..", "..");
const SCRIPT = join(REPO, "scripts", "worker-image.ts");
const run = promisify(execFile);
const digest = `sha256:${"cd".repeat(32)}`;

describe("scripts/worker-image.ts", () => {
  let server: Server;
  let endpoint: string;
  const known = new Set<string>();
  const asked: Array<{
    target: string;
    body: { repositoryName: string; imageIds: Array<{ imageTag: string }> };
  }> = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = "";
      req.on("data", (c) => {
        body += c;
      });
      req.on("end", () => {
        const parsed = JSON.parse(body);
        asked.push({ target: String(req.headers["x-amz-target"]), body: parsed });
        const tag = parsed.imageIds[0].imageTag as string;
        res.setHeader("content-type", "application/x-amz-json-1.1");
        if (known.has(tag)) {
          res.end(
            JSON.stringify({
              imageDetails: [{ registryId: "123456789012", imageDigest: digest, imageTags: [tag] }],
            }),
          );
        } else {
          res.statusCode = 400;
          res.end(
            JSON.stringify({
              __type: "ImageNotFoundException",
              message: "The image requested does not exist",
            }),
          );
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const env = () => ({
    ...process.env,
    AWS_ENDPOINT_URL_ECR: endpoint,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_MAX_ATTEMPTS: "1",
  });

  it("prints the tag of the worker image as it is now", async () => {
    const expected = await computeImageTag({
      context: REPO,
      dockerfile: "agent-image/Dockerfile",
      target: "agent",
    });
    const { stdout } = await run(process.execPath, [SCRIPT, "tag"]);
    expect(stdout).toBe(`${expected.tag}\n`);
  });

  it("says build when ECR does not have the tag, and present with the digest when it does", async () => {
    const args = [
      SCRIPT,
      "check",
      "--repository",
      "modelfleet-agent",
      "--region",
      "us-east-1",
      "--build-arg",
      "MF6_SHA256=x",
    ];
    const first = await run(process.execPath, args, { env: env() });
    const tag = /^tag=(agent-[0-9a-f]{32})$/m.exec(first.stdout)![1]!;
    expect(first.stdout).toBe(`tag=${tag}\nstatus=build\n`);
    expect(asked.at(-1)).toEqual({
      target: "AmazonEC2ContainerRegistry_V20150921.DescribeImages",
      body: { repositoryName: "modelfleet-agent", imageIds: [{ imageTag: tag }] },
    });
    known.add(tag);
    const second = await run(process.execPath, [...args, "--json"], { env: env() });
    expect(JSON.parse(second.stdout)).toEqual({
      status: "present",
      tag,
      digest,
      image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/modelfleet-agent@${digest}`,
    });
  });

  it("refuses a malformed build argument and a check without its repository", async () => {
    await expect(run(process.execPath, [SCRIPT, "tag", "--build-arg", "novalue"])).rejects.toMatchObject({
      stderr: "worker-image: --build-arg novalue: expected NAME=VALUE\n",
    });
    await expect(run(process.execPath, [SCRIPT, "check"])).rejects.toMatchObject({
      stderr: expect.stringContaining("worker-image: check needs --repository and --region"),
    });
  });
});
