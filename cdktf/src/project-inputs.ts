// Groups project files into stacks: one stack per project and region, holding that project's
// scenarios in that region. A project's scenarios share its bucket, cluster, network and
// alerts, so the settings of those must agree across its files. Pure.
import type { KeyPath } from "../../src/spec/diagnostics.ts";
import type { ProjectSpec } from "../../src/spec/schema.ts";

export interface ScenarioInput {
  /** The project file, as shown in messages. */
  readonly file: string;
  readonly spec: ProjectSpec;
}

export interface NetworkChoice {
  /** The user's subnets; empty: modelfleet's own small VPC. */
  readonly subnets: readonly string[];
  /** The user's security groups; empty: an egress-only group made for the workers. */
  readonly securityGroups: readonly string[];
  readonly assignPublicIp: boolean;
}

export interface ProjectStackInput {
  readonly project: string;
  readonly region: string;
  /** Sorted by scenario name. */
  readonly scenarios: readonly ScenarioInput[];
  readonly client: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
  readonly storage: ProjectSpec["cloud"]["storage"];
  readonly alertsTo: readonly string[];
  readonly network: NetworkChoice;
}

export interface GroupingProblem {
  readonly file: string;
  readonly path: KeyPath;
  readonly message: string;
  readonly fix?: string;
}

/** The settings every scenario of a project (in one region) must share. */
const SHARED: ReadonlyArray<{ readonly path: KeyPath; readonly value: (s: ProjectSpec) => unknown }> = [
  { path: ["cloud", "client"], value: (s) => s.cloud.client },
  { path: ["cloud", "tags"], value: (s) => sortedEntries(s.cloud.tags) },
  { path: ["cloud", "storage"], value: (s) => s.cloud.storage },
  { path: ["cloud", "alerts_to"], value: (s) => [...s.cloud.alerts_to].sort() },
  { path: ["cloud", "subnets"], value: (s) => [...s.cloud.subnets].sort() },
  { path: ["cloud", "security_groups"], value: (s) => [...s.cloud.security_groups].sort() },
  { path: ["cloud", "assign_public_ip"], value: (s) => s.cloud.assign_public_ip },
];

export function groupProjectStacks(inputs: readonly ScenarioInput[]): {
  stacks: ProjectStackInput[];
  problems: GroupingProblem[];
} {
  const problems: GroupingProblem[] = [];
  const byStack = new Map<string, ScenarioInput[]>();
  const seen = new Map<string, string>();
  for (const input of [...inputs].sort((a, b) => a.file.localeCompare(b.file))) {
    const { project, scenario } = input.spec;
    const id = `${project}/${scenario}`;
    const other = seen.get(id);
    if (other !== undefined) {
      problems.push({
        file: input.file,
        path: ["scenario"],
        message: `${id} is also defined by ${other}`,
        fix: "give each scenario of a project its own name",
      });
      continue;
    }
    seen.set(id, input.file);
    const key = `${project}\u0000${input.spec.cloud.region}`;
    byStack.set(key, [...(byStack.get(key) ?? []), input]);
  }

  const stacks: ProjectStackInput[] = [];
  for (const group of byStack.values()) {
    const scenarios = group.sort((a, b) => a.spec.scenario.localeCompare(b.spec.scenario));
    const first = scenarios[0]!;
    for (const other of scenarios.slice(1)) {
      for (const shared of SHARED) {
        if (JSON.stringify(shared.value(other.spec)) === JSON.stringify(shared.value(first.spec))) continue;
        problems.push({
          file: other.file,
          path: shared.path,
          message: `differs from ${first.file} (scenario ${first.spec.scenario}); a project's scenarios in one region share its bucket, cluster, network and alerts`,
          fix: `make \`${shared.path.join(".")}\` the same in every scenario of ${first.spec.project}`,
        });
      }
    }
    const cloud = first.spec.cloud;
    stacks.push({
      project: first.spec.project,
      region: cloud.region,
      scenarios,
      client: cloud.client,
      tags: cloud.tags,
      storage: cloud.storage,
      alertsTo: cloud.alerts_to,
      network: {
        subnets: cloud.subnets,
        securityGroups: cloud.security_groups,
        // Subnets of modelfleet's own VPC are public and have no NAT gateway: workers need a
        // public address to reach ECR, SQS and CloudWatch.
        assignPublicIp: cloud.subnets.length === 0 ? true : cloud.assign_public_ip,
      },
    });
  }
  stacks.sort((a, b) => `${a.project}/${a.region}`.localeCompare(`${b.project}/${b.region}`));
  return { stacks, problems };
}

function sortedEntries(record: Readonly<Record<string, string>>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}
