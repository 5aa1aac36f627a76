// The AWS regions a project may name, and where Fargate runs in only some of a region's zones.
// A plain list, so that a misspelt region is caught by `validate` rather than by Terraform;
// a region AWS opens later is one line here.

/** Every region of the aws, aws-us-gov and aws-cn partitions, as AWS names them. */
export const AWS_REGIONS: readonly string[] = [
  "us-east-1",
  "us-east-2",
  "us-west-1",
  "us-west-2",
  "af-south-1",
  "ap-east-1",
  "ap-east-2",
  "ap-south-1",
  "ap-south-2",
  "ap-southeast-1",
  "ap-southeast-2",
  "ap-southeast-3",
  "ap-southeast-4",
  "ap-southeast-5",
  "ap-southeast-6",
  "ap-southeast-7",
  "ap-northeast-1",
  "ap-northeast-2",
  "ap-northeast-3",
  "ca-central-1",
  "ca-west-1",
  "eu-central-1",
  "eu-central-2",
  "eu-west-1",
  "eu-west-2",
  "eu-west-3",
  "eu-south-1",
  "eu-south-2",
  "eu-north-1",
  "il-central-1",
  "me-south-1",
  "me-central-1",
  "mx-central-1",
  "sa-east-1",
  "us-gov-east-1",
  "us-gov-west-1",
  "cn-north-1",
  "cn-northwest-1",
];

/** Where Fargate runs in only some Availability Zones of a region: their zone ids (the same
 * in every account). The default network puts subnets only there. From "Amazon ECS on AWS
 * Fargate", supported Regions, in the Amazon ECS Developer Guide. */
export const FARGATE_ZONE_IDS: Readonly<Record<string, readonly string[]>> = {
  "us-west-1": ["usw1-az1", "usw1-az3"],
  "ap-northeast-1": ["apne1-az1", "apne1-az2", "apne1-az4"],
  "ca-central-1": ["cac1-az1", "cac1-az2"],
  "cn-north-1": ["cnn1-az1", "cnn1-az2"],
};

export function isAwsRegion(name: string): boolean {
  return AWS_REGIONS.includes(name);
}

/** The partition a region belongs to, as it appears in ARNs. */
export function partitionOf(region: string): "aws" | "aws-cn" | "aws-us-gov" {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  return "aws";
}
