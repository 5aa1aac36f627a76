import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bootstrapStateBucket, refuseExampleValues, stateBucketSteps } from "../src/bootstrap-state.ts";
import { parseInfraConfig } from "../src/config.ts";
import { CONFIG } from "./helpers.ts";

const s3 = mockClient(S3Client);
const REPO = join(import.meta.dirname, "..", "..");

function awsError(name: string): S3ServiceException {
  return new S3ServiceException({ name, $fault: "client", $metadata: {}, message: name });
}

describe("bootstrapping the state bucket", () => {
  beforeEach(() => {
    s3.reset();
    s3.onAnyCommand().resolves({});
  });

  it("creates a versioned, encrypted, private, TLS-only bucket in the configured region", async () => {
    const log: string[] = [];
    await bootstrapStateBucket(new S3Client({ region: "eu-west-1" }), CONFIG, (l) => log.push(l));
    expect(s3.commandCalls(CreateBucketCommand)[0]!.args[0].input).toEqual({
      Bucket: "acme-terraform-state",
      CreateBucketConfiguration: { LocationConstraint: "eu-west-1" },
    });
    expect(s3.commandCalls(PutBucketVersioningCommand)[0]!.args[0].input.VersioningConfiguration).toEqual({
      Status: "Enabled",
    });
    expect(
      s3.commandCalls(PutPublicAccessBlockCommand)[0]!.args[0].input.PublicAccessBlockConfiguration,
    ).toEqual({
      BlockPublicAcls: true,
      IgnorePublicAcls: true,
      BlockPublicPolicy: true,
      RestrictPublicBuckets: true,
    });
    const policy = JSON.parse(s3.commandCalls(PutBucketPolicyCommand)[0]!.args[0].input.Policy!);
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Deny",
      Resource: ["arn:aws:s3:::acme-terraform-state", "arn:aws:s3:::acme-terraform-state/*"],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(log).toHaveLength(7);
  });

  it("goes on when the bucket is already this account's, so it can run again", async () => {
    s3.on(CreateBucketCommand).rejects(awsError("BucketAlreadyOwnedByYou"));
    const log: string[] = [];
    await bootstrapStateBucket(new S3Client({ region: "eu-west-1" }), CONFIG, (l) => log.push(l));
    expect(log[0]).toBe("create the bucket acme-terraform-state in eu-west-1: it exists already (yours)");
    expect(s3.commandCalls(PutBucketPolicyCommand)).toHaveLength(1);
  });

  it("says plainly when the name is another account's, or a step is refused", async () => {
    s3.on(CreateBucketCommand).rejects(awsError("BucketAlreadyExists"));
    await expect(
      bootstrapStateBucket(new S3Client({ region: "eu-west-1" }), CONFIG, () => {}),
    ).rejects.toThrow(
      "the bucket name acme-terraform-state belongs to another AWS account (S3 names are global); choose another state.bucket",
    );
    s3.reset();
    s3.onAnyCommand().resolves({});
    s3.on(PutBucketPolicyCommand).rejects(awsError("AccessDenied"));
    await expect(
      bootstrapStateBucket(new S3Client({ region: "eu-west-1" }), CONFIG, () => {}),
    ).rejects.toThrow("refuse requests without TLS failed: AccessDenied");
  });

  it("creates in us-east-1 without a location constraint, and prints the aws CLI commands", () => {
    const config = { ...CONFIG, state: { bucket: "acme-state", region: "us-east-1" } };
    const steps = stateBucketSteps(config);
    expect(steps[0]!.cli).toBe("aws s3api create-bucket --bucket acme-state --region us-east-1");
    expect(steps.map((s) => s.cli.split(" ")[2])).toEqual([
      "create-bucket",
      "put-bucket-versioning",
      "put-bucket-encryption",
      "put-public-access-block",
      "put-bucket-ownership-controls",
      "put-bucket-policy",
      "put-bucket-tagging",
    ]);
  });

  it("refuses the example settings config.yaml ships with", () => {
    const example = parseInfraConfig(
      "github: { repository: example-org/modelfleet }\nstate: { bucket: modelfleet-terraform-state-example, region: us-east-1 }\nfoundation_region: us-east-1\n",
      "cdktf/config.yaml",
    );
    expect(() => refuseExampleValues(example, "cdktf/config.yaml")).toThrow(
      "cdktf/config.yaml: github.repository and state.bucket still have their example value; set them for your account first",
    );
    expect(() => refuseExampleValues(CONFIG, "cdktf/config.yaml")).not.toThrow();
  });
});

describe("scripts/bootstrap-state.ts", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-bootstrap-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("prints the steps with --print, touching no AWS account", async () => {
    const config = join(dir, "config.yaml");
    await writeFile(
      config,
      "github: { repository: acme/models }\nstate: { bucket: acme-state, region: eu-west-1 }\nfoundation_region: eu-west-1\n",
    );
    const out = execFileSync(
      process.execPath,
      [join(REPO, "scripts", "bootstrap-state.ts"), "--print", "--config", config],
      {
        encoding: "utf8",
      },
    );
    expect(out.split("\n").slice(0, 2)).toEqual([
      "# create the bucket acme-state in eu-west-1",
      "aws s3api create-bucket --create-bucket-configuration LocationConstraint=eu-west-1 --bucket acme-state --region eu-west-1",
    ]);
  });
});
