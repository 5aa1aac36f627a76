// Builders for the infrastructure tests: project specs, stack inputs, the account settings,
// and synthesised stacks as parsed JSON.
import { type App, type TerraformStack, Testing } from "cdktn";
import { type ProjectSpec, projectSpecSchema } from "../../src/spec/schema.ts";
import { addStacks } from "../src/app.ts";
import { type InfraConfig, parseInfraConfig } from "../src/config.ts";
import type { TerraformJson } from "../src/policy/terraform-json.ts";
import { groupProjectStacks, type ProjectStackInput } from "../src/project-inputs.ts";
import { TERRAFORM_TARGET_VERSIONS } from "../src/stacks/stack-basics.ts";

/** Synthesised Terraform JSON, read freely by the assertions (its shape is the provider's). */
// biome-ignore lint/suspicious/noExplicitAny: the assertions walk JSON of the provider's schema
export type Json = any;

export const CONFIG: InfraConfig = parseInfraConfig(
  `github:
  repository: acme/models
  close_environment: close-project
state:
  bucket: acme-terraform-state
  region: eu-west-1
foundation_region: eu-west-1
`,
  "config.yaml",
);

export const RULE_CONTEXT = { repository: "acme/models", closeEnvironment: "close-project" } as const;

/** A valid project spec; `extra` replaces top-level sections. */
export function specOf(extra: Record<string, unknown> = {}): ProjectSpec {
  return projectSpecSchema.parse({
    project: "acme",
    scenario: "base",
    model: { dir: "model", command: ["mf6"], timeout: "2h" },
    parameters: { par_files: "params/p{id}.par", ids: "1-10" },
    ...extra,
  });
}

export function stackInput(...specs: ProjectSpec[]): ProjectStackInput {
  const { stacks, problems } = groupProjectStacks(
    specs.map((spec, i) => ({ file: `projects/p/${i}.yaml`, spec })),
  );
  if (problems.length > 0 || stacks.length !== 1)
    throw new Error(`not one stack: ${JSON.stringify(problems)}`);
  return stacks[0]!;
}

export function testApp(): App {
  return Testing.app({ context: { targetVersions: TERRAFORM_TARGET_VERSIONS } });
}

export function synthStacks(projects: readonly ProjectStackInput[], config: InfraConfig = CONFIG) {
  return addStacks(testApp(), { config, projects });
}

/** Synthesised (with cdktn's validations) and parsed. */
export function synthJson(stack: TerraformStack): Json {
  return JSON.parse(Testing.synth(stack, true));
}

/** The one resource of a type (fails when there is not exactly one). */
export function only(json: TerraformJson, type: string): Record<string, Json> {
  const all = Object.values(json.resource?.[type] ?? {});
  if (all.length !== 1) throw new Error(`${all.length} ${type} resources, expected 1`);
  return all[0] as Record<string, Json>;
}

export function all(json: TerraformJson, type: string): Array<Record<string, Json>> {
  return Object.values(json.resource?.[type] ?? {}) as Array<Record<string, Json>>;
}
