// The inputs of the actions that act on one scenario in the cloud: `spec` (its project file) and
// `infra` (its infrastructure outputs, by default where `npm run infra:outputs` writes them).
import { resolve } from "node:path";
import { infraOutputsFile, readInfrastructureOutputs } from "../cloud/aws-wiring.ts";
import type { InfrastructureOutputs } from "../cloud/cloud-config.ts";
import { loadSpec } from "../spec/load.ts";
import type { ProjectSpec } from "../spec/schema.ts";
import { input } from "./action-io.ts";

export interface ScenarioInputs {
  /** The project file, relative to the workspace as given. */
  readonly specFile: string;
  readonly spec: ProjectSpec;
  /** `<project>-<scenario>`, for folders and artifact names. */
  readonly name: string;
  /** The infrastructure outputs file, relative to the workspace as given. */
  readonly infraFile: string;
  readonly infra: InfrastructureOutputs;
}

export async function readScenarioInputs(root: string): Promise<ScenarioInputs> {
  const specFile = input("spec");
  if (!specFile)
    throw new Error("input `spec` is required: the project file, projects/<project>/<scenario>.yaml");
  const { spec } = await loadSpec(resolve(root, specFile));
  const infraFile = input("infra") || infraOutputsFile(spec);
  const infra = await readInfrastructureOutputs(resolve(root, infraFile));
  return { specFile, spec, name: `${spec.project}-${spec.scenario}`, infraFile, infra };
}
