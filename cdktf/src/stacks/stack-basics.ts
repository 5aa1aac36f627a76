// What every modelfleet stack starts with: the AWS provider, whose default tags reach every
// taggable resource, and the S3 state backend with S3's own lock files.
import { AwsProvider } from "@cdktn/provider-aws/lib/provider/index.js";
import { S3Backend, type TerraformStack } from "cdktn";
import type { InfraConfig } from "../config.ts";
import { NAME_PREFIX } from "../names.ts";

/** S3's lock files (`use_lockfile`) need Terraform 1.10. cdktf.json declares the same. */
export const TERRAFORM_TARGET_VERSIONS = { terraform: ">=1.10.0" } as const;

/** Tag keys modelfleet sets itself; a project file's `cloud.tags` cannot replace them. */
export const MANAGED_BY_TAG = { "managed-by": NAME_PREFIX } as const;

export function useAwsProvider(
  stack: TerraformStack,
  options: { region: string; tags: Record<string, string> },
) {
  return new AwsProvider(stack, "aws", {
    region: options.region,
    defaultTags: [{ tags: options.tags }],
  });
}

export function useStateBackend(stack: TerraformStack, config: InfraConfig, key: string): S3Backend {
  // Terraform itself refuses to run older versions, which would ignore the lock file.
  stack.addOverride("terraform.required_version", ">= 1.10.0");
  return new S3Backend(stack, {
    bucket: config.state.bucket,
    key,
    region: config.state.region,
    encrypt: true,
    useLockfile: true,
  });
}
