// Which scenarios a workflow acts on: those a change touches, the one a person named, or all;
// each with its file and the Terraform stacks it needs: its project's stack in each of its
// regions (cloud.regions), home first, since the other regions' workers use the home region's
// queue and bucket. A project file that does not validate is left out here (the plan workflow
// reports it).
import { join } from "node:path";
import { validateSpecFile } from "../spec/load.ts";
import { cloudRegions } from "../spec/schema.ts";
import { affectedProjectFiles, listProjectFiles } from "./project-files.ts";

export interface ScenarioEntry {
  readonly file: string;
  readonly project: string;
  readonly scenario: string;
  /** Space-separated Terraform stack names of the project in the scenario's regions, home first. */
  readonly stacks: string;
}

export async function selectScenarios(
  s: {
    readonly root: string;
    readonly changed: readonly string[] | undefined;
    readonly project: string;
    readonly scenario: string;
    readonly all: boolean;
  },
  d: { readonly stackName: (project: string, region: string) => string },
): Promise<ScenarioEntry[]> {
  if ((s.project === "") !== (s.scenario === ""))
    throw new Error("name both a project and a scenario, or neither");
  const files = await listProjectFiles(s.root);
  const chosen =
    s.changed !== undefined ? affectedProjectFiles(files, s.changed) : s.all || s.project ? files : [];
  const out: ScenarioEntry[] = [];
  for (const file of chosen) {
    const { resolved } = await validateSpecFile(join(s.root, file));
    if (!resolved) continue;
    const { project, scenario, cloud } = resolved.spec;
    if (s.project && (project !== s.project || scenario !== s.scenario)) continue;
    const stacks = cloudRegions(cloud).map((region) => d.stackName(project, region));
    out.push({ file, project, scenario, stacks: stacks.join(" ") });
  }
  if (s.project && out.length === 0)
    throw new Error(
      `no valid project file for ${s.project}/${s.scenario} under projects/ (projects/<project>/<scenario>.yaml)`,
    );
  return out;
}
