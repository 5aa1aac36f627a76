// Creates the bucket Terraform keeps modelfleet's state in, before any stack can be applied:
// versioned (a bad apply can be undone), encrypted, private, TLS only. Runs with the AWS SDK
// and the caller's credentials, or prints the same steps as aws CLI commands.
import {
  CreateBucketCommand,
  type CreateBucketCommandInput,
  PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { errorMessage, UserError } from "../../src/errors.ts";
import { partitionOf } from "../../src/spec/aws-regions.ts";
import { exampleValues, type InfraConfig } from "./config.ts";
import { policyJson } from "./iam/policy-document.ts";
import { NAME_PREFIX } from "./names.ts";

interface Step {
  readonly does: string;
  /** The same step as an aws CLI command. */
  readonly cli: string;
  send(client: S3Client): Promise<unknown>;
}

export function stateBucketSteps(config: InfraConfig): Step[] {
  const { bucket, region } = config.state;
  const arn = `arn:${partitionOf(region)}:s3:::${bucket}`;
  const create: CreateBucketCommandInput = {
    Bucket: bucket,
    ...(region === "us-east-1" ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
  };
  const policy = policyJson([
    {
      Sid: "TlsOnly",
      Effect: "Deny",
      Principal: "*",
      Action: "s3:*",
      Resource: [arn, `${arn}/*`],
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    },
  ]);
  const s3api = (args: string) => `aws s3api ${args} --bucket ${bucket} --region ${region}`;
  return [
    {
      does: `create the bucket ${bucket} in ${region}`,
      cli: s3api(
        `create-bucket${region === "us-east-1" ? "" : ` --create-bucket-configuration LocationConstraint=${region}`}`,
      ),
      send: (c) => c.send(new CreateBucketCommand(create)),
    },
    {
      does: "turn on versioning",
      cli: s3api("put-bucket-versioning --versioning-configuration Status=Enabled"),
      send: (c) =>
        c.send(
          new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
        ),
    },
    {
      does: "encrypt by default",
      cli: s3api(
        `put-bucket-encryption --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'`,
      ),
      send: (c) =>
        c.send(
          new PutBucketEncryptionCommand({
            Bucket: bucket,
            ServerSideEncryptionConfiguration: {
              Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
            },
          }),
        ),
    },
    {
      does: "block public access",
      cli: s3api(
        "put-public-access-block --public-access-block-configuration BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true",
      ),
      send: (c) =>
        c.send(
          new PutPublicAccessBlockCommand({
            Bucket: bucket,
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: true,
              IgnorePublicAcls: true,
              BlockPublicPolicy: true,
              RestrictPublicBuckets: true,
            },
          }),
        ),
    },
    {
      does: "disable ACLs",
      cli: s3api(
        "put-bucket-ownership-controls --ownership-controls Rules=[{ObjectOwnership=BucketOwnerEnforced}]",
      ),
      send: (c) =>
        c.send(
          new PutBucketOwnershipControlsCommand({
            Bucket: bucket,
            OwnershipControls: { Rules: [{ ObjectOwnership: "BucketOwnerEnforced" }] },
          }),
        ),
    },
    {
      does: "refuse requests without TLS",
      cli: s3api(`put-bucket-policy --policy '${policy}'`),
      send: (c) => c.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: policy })),
    },
    {
      does: "tag it",
      cli: s3api(
        `put-bucket-tagging --tagging 'TagSet=[{Key=managed-by,Value=${NAME_PREFIX}},{Key=component,Value=terraform-state}]'`,
      ),
      send: (c) =>
        c.send(
          new PutBucketTaggingCommand({
            Bucket: bucket,
            Tagging: {
              TagSet: [
                { Key: "managed-by", Value: NAME_PREFIX },
                { Key: "component", Value: "terraform-state" },
              ],
            },
          }),
        ),
    },
  ];
}

export function refuseExampleValues(config: InfraConfig, file: string): void {
  const examples = exampleValues(config);
  if (examples.length > 0) {
    throw new UserError(
      `${file}: ${examples.join(" and ")} still ${examples.length === 1 ? "has its" : "have their"} example value; set ${examples.length === 1 ? "it" : "them"} for your account first`,
    );
  }
}

/** Runs every step; a bucket this account already owns is fine (the steps are repeatable). */
export async function bootstrapStateBucket(
  client: S3Client,
  config: InfraConfig,
  log: (line: string) => void,
): Promise<void> {
  for (const step of stateBucketSteps(config)) {
    try {
      await step.send(client);
      log(`${step.does}: done`);
    } catch (e) {
      const name = (e as { name?: string }).name;
      if (name === "BucketAlreadyOwnedByYou") {
        log(`${step.does}: it exists already (yours)`);
        continue;
      }
      if (name === "BucketAlreadyExists") {
        throw new UserError(
          `the bucket name ${config.state.bucket} belongs to another AWS account (S3 names are global); choose another state.bucket`,
        );
      }
      throw new UserError(`${step.does} failed: ${errorMessage(e)}`);
    }
  }
}
