// What a project stack outputs for each scenario: exactly the infrastructure outputs file that
// `run --executor ecs --infra` reads (src/cloud/cloud-config.ts), so writing that file from
// `terraform output -json` is a copy (scripts/infra-outputs.ts).
import type { InfrastructureOutputs } from "../../src/cloud/cloud-config.ts";
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

/** One outputs file per scenario from a project stack's `terraform output -json`. */
export function outputsFiles(terraformOutput: unknown): Array<{ file: string; outputs: ScenarioOutputs }> {
  const o = terraformOutput as Record<string, { value?: unknown } | undefined>;
  const project = o?.["project"]?.value;
  const scenarios = o?.["scenarios"]?.value;
  if (typeof project !== "string" || scenarios === null || typeof scenarios !== "object") {
    throw new Error(
      "expected the JSON of `terraform output -json` for a project stack, with outputs `project` and `scenarios`",
    );
  }
  return Object.entries(scenarios as Record<string, ScenarioOutputs>)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([scenario, outputs]) => ({ file: `${project}-${scenario}.json`, outputs }));
}
