// The account-wide settings of the infrastructure (cdktf/config.yaml): which GitHub repository
// the workflow roles trust, where Terraform keeps its state, the foundation's region. Parsed
// with positions, so a mistake is reported at its line like a project file's.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { UserError } from "../../src/errors.ts";
import { isAwsRegion } from "../../src/spec/aws-regions.ts";
import { formatDiagnostic } from "../../src/spec/diagnostics.ts";
import { issuesToDiagnostics } from "../../src/spec/schema-errors.ts";
import { parseYamlWithPositions } from "../../src/spec/yaml-positions.ts";

const region = z.string().refine(isAwsRegion, { message: "an AWS region such as us-east-1" });

export const infraConfigSchema = z.strictObject({
  github: z.strictObject({
    repository: z
      .string()
      .regex(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/, { message: "owner/name, as in github.com/owner/name" }),
    branch: z.string().min(1).default("main"),
    close_environment: z
      .string()
      .regex(/^[A-Za-z0-9 ._-]+$/, { message: "a GitHub environment name" })
      .default("close-project"),
    create_oidc_provider: z.boolean().default(true),
  }),
  state: z.strictObject({
    bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
      message: "an S3 bucket name (3-63 lower-case letters, digits, - and .)",
    }),
    region,
  }),
  foundation_region: region,
  /** Archive buckets closed projects are backed up to (cloud.archive.bucket in project files):
   * the close role may write and read them back. */
  archive: z
    .strictObject({
      buckets: z
        .array(
          z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
            message: "an S3 bucket name (3-63 lower-case letters, digits, - and .)",
          }),
        )
        .default([]),
    })
    .default({ buckets: [] }),
});

export type InfraConfig = z.output<typeof infraConfigSchema>;

/** The values config.yaml ships with: fine to synthesise, never to deploy. */
export function exampleValues(config: InfraConfig): string[] {
  const found: string[] = [];
  if (config.github.repository.startsWith("example-org/")) found.push("github.repository");
  if (config.state.bucket.endsWith("-example")) found.push("state.bucket");
  return found;
}

export function parseInfraConfig(text: string, file: string): InfraConfig {
  const yaml = parseYamlWithPositions(text, file);
  if (yaml.errors.length > 0) throw new UserError(yaml.errors.map(formatDiagnostic).join("\n"));
  const parsed = infraConfigSchema.safeParse(yaml.data ?? {});
  if (!parsed.success) {
    throw new UserError(
      issuesToDiagnostics(parsed.error.issues, infraConfigSchema, yaml, file)
        .map(formatDiagnostic)
        .join("\n"),
    );
  }
  return parsed.data;
}

export async function readInfraConfig(file: string): Promise<InfraConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT")
      throw new UserError(`${file}: not found; it holds the account-wide settings (see cdktf/README.md)`);
    throw e;
  }
  return parseInfraConfig(text, file);
}
