// Groups project files into stacks: one stack per project and region, holding that project's
// scenarios whose home is that region (bucket, queues, workers, scaling) and the scenarios
// that only run workers there (their home is another of their `cloud.regions`). A project's
// scenarios in one region share its cluster, network, tags and (at home) bucket and alerts,
// so the settings of those must agree across its files. Pure.
import type { KeyPath } from "../../src/spec/diagnostics.ts";
import { cloudRegions, type ProjectSpec } from "../../src/spec/schema.ts";

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
  /** Scenarios whose home is this region, sorted by name. */
  readonly scenarios: readonly ScenarioInput[];
  /** Scenarios that only run workers here (home: the first of their cloud.regions), sorted. */
  readonly visiting: readonly ScenarioInput[];
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

/** The settings every scenario of a project (in one region) must share; `home`: only those
 * whose home is the region (the bucket and alerts are there). */
const SHARED: ReadonlyArray<{
  readonly path: KeyPath;
  readonly value: (s: ProjectSpec) => unknown;
  readonly home?: true;
}> = [
  { path: ["cloud", "client"], value: (s) => s.cloud.client },
  { path: ["cloud", "tags"], value: (s) => sortedEntries(s.cloud.tags) },
  { path: ["cloud", "storage"], value: (s) => s.cloud.storage, home: true },
  { path: ["cloud", "alerts_to"], value: (s) => [...s.cloud.alerts_to].sort(), home: true },
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
    for (const region of cloudRegions(input.spec.cloud)) {
      const key = `${project}\u0000${region}`;
      byStack.set(key, [...(byStack.get(key) ?? []), input]);
    }
  }

  const stacks: ProjectStackInput[] = [];
  for (const [key, group] of byStack) {
    const region = key.split("\u0000")[1]!;
    const all = group.sort((a, b) => a.spec.scenario.localeCompare(b.spec.scenario));
    const scenarios = all.filter((s) => s.spec.cloud.region === region);
    const visiting = all.filter((s) => s.spec.cloud.region !== region);
    const first = all[0]!;
    for (const shared of SHARED) {
      const among = shared.home ? scenarios : all;
      const base = among[0];
      if (base === undefined) continue;
      for (const other of among.slice(1)) {
        if (JSON.stringify(shared.value(other.spec)) === JSON.stringify(shared.value(base.spec))) continue;
        const problem = {
          file: other.file,
          path: shared.path,
          message: `differs from ${base.file} (scenario ${base.spec.scenario}); a project's scenarios in one region share its bucket, cluster, network and alerts`,
          fix: `make \`${shared.path.join(".")}\` the same in every scenario of ${base.spec.project}`,
        };
        // A scenario in several regions is compared in each: say it once.
        if (!problems.some((p) => JSON.stringify(p) === JSON.stringify(problem))) problems.push(problem);
      }
    }
    // The bucket and alerts are the home scenarios' (the same in each, checked above).
    const cloud = (scenarios[0] ?? first).spec.cloud;
    stacks.push({
      project: first.spec.project,
      region,
      scenarios,
      visiting,
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
