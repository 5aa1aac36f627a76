// What a project stack outputs for each scenario: exactly the infrastructure outputs file that
// `run --executor ecs --infra` reads (src/cloud/cloud-config.ts), so writing that file from
// `terraform output -json` is a copy (scripts/infra-outputs.ts).
import type { InfrastructureOutputs } from "../../src/cloud/cloud-config.ts";
import { UserError } from "../../src/errors.ts";
import { CONTAINER_NAME, RESULTS_PREFIX } from "./names.ts";

export type ScenarioOutputs = InfrastructureOutputs &
  Required<Pick<InfrastructureOutputs, "service" | "logGroup" | "logStreamPrefix" | "alertsTopicArn">>;

export function scenarioOutputs(
  parts: Omit<ScenarioOutputs, "prefix" | "containerName" | "subnets" | "securityGroups"> & {
    readonly subnets: readonly string[];
    readonly securityGroups: readonly string[];
  },
): ScenarioOutputs {
  return { ...parts, prefix: RESULTS_PREFIX, containerName: CONTAINER_NAME };
}

/** One outputs file per scenario, from a project stack's `terraform output -json`, or from the
 * file `cdktn output --outputs-file` writes (stack name → output → value, any number of
 * stacks). */
export function outputsFiles(outputs: unknown): Array<{ file: string; outputs: ScenarioOutputs }> {
  const stacks = isTerraformOutput(outputs)
    ? [valuesOf(outputs)]
    : Object.values((outputs ?? {}) as Record<string, unknown>).filter(isRecord);
  const files = stacks.flatMap((stack) => {
    const { project, scenarios } = stack;
    if (typeof project !== "string" || !isRecord(scenarios)) return [];
    return Object.entries(scenarios).map(([scenario, value]) => ({
      file: `${project}-${scenario}.json`,
      outputs: value as ScenarioOutputs,
    }));
  });
  if (files.length === 0) {
    throw new UserError(
      "no project stack outputs found: expected `terraform output -json` of a project stack (outputs `project` and `scenarios`) or a `cdktn output --outputs-file` file",
    );
  }
  return files.sort((a, b) => a.file.localeCompare(b.file));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `terraform output -json`: every output is `{ value, type, sensitive }`. */
function isTerraformOutput(v: unknown): v is Record<string, { value: unknown }> {
  return isRecord(v) && isRecord(v["project"]) && "value" in v["project"];
}

function valuesOf(v: Record<string, { value: unknown }>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(v).map(([k, o]) => [k, o.value]));
}
