// What a project stack outputs for each scenario: exactly the infrastructure outputs file that
// `run --executor ecs --infra` reads (src/cloud/cloud-config.ts), so writing that file from
// `terraform output -json` is a copy (scripts/infra-outputs.ts).
import type { InfrastructureOutputs, RegionOutputs } from "../../src/cloud/cloud-config.ts";
import { UserError } from "../../src/errors.ts";
import { CONTAINER_NAME, RESULTS_PREFIX } from "./names.ts";

export type ScenarioOutputs = InfrastructureOutputs &
  Required<Pick<InfrastructureOutputs, "service" | "logGroup" | "logStreamPrefix" | "alertsTopicArn">>;

/** A scenario's workers in a region that is not its home: the `workers` output of that
 * region's stack, merged into the home region's file as one of its `regions`. */
export type VisitingOutputs = RegionOutputs & { readonly homeRegion: string };

export function scenarioOutputs(
  parts: Omit<ScenarioOutputs, "prefix" | "containerName" | "subnets" | "securityGroups"> & {
    readonly subnets: readonly string[];
    readonly securityGroups: readonly string[];
  },
): ScenarioOutputs {
  return { ...parts, prefix: RESULTS_PREFIX, containerName: CONTAINER_NAME };
}

/** What the input holds for one scenario's outputs file: its home region's outputs, and its
 * workers in other regions. */
export interface OutputsPart {
  readonly file: string;
  readonly home?: ScenarioOutputs;
  readonly regions: readonly VisitingOutputs[];
}

/** One outputs file per scenario, from a project stack's `terraform output -json`, or from the
 * file `cdktn output --outputs-file` writes (stack name → output → value, any number of
 * stacks). A region's stack that only runs a scenario's workers adds that region to the
 * scenario's file (see mergeOutputs). */
export function outputsFiles(outputs: unknown): OutputsPart[] {
  const stacks = isTerraformOutput(outputs)
    ? [valuesOf(outputs)]
    : Object.values((outputs ?? {}) as Record<string, unknown>).filter(isRecord);
  const parts = new Map<string, { home?: ScenarioOutputs; regions: VisitingOutputs[] }>();
  const part = (file: string) => {
    const known = parts.get(file);
    if (known) return known;
    const p: { home?: ScenarioOutputs; regions: VisitingOutputs[] } = { regions: [] };
    parts.set(file, p);
    return p;
  };
  for (const stack of stacks) {
    const { project, scenarios, workers } = stack;
    if (typeof project !== "string") continue;
    if (isRecord(scenarios)) {
      for (const [scenario, value] of Object.entries(scenarios))
        part(`${project}-${scenario}.json`).home = value as ScenarioOutputs;
    }
    if (isRecord(workers)) {
      for (const [scenario, value] of Object.entries(workers))
        part(`${project}-${scenario}.json`).regions.push(value as VisitingOutputs);
    }
  }
  if (parts.size === 0) {
    throw new UserError(
      "no project stack outputs found: expected `terraform output -json` of a project stack (outputs `project` and `scenarios` or `workers`) or a `cdktn output --outputs-file` file",
    );
  }
  return [...parts]
    .map(([file, p]) => ({ file, ...(p.home ? { home: p.home } : {}), regions: p.regions }))
    .sort((a, b) => a.file.localeCompare(b.file));
}

/** The outputs file of a scenario: its home region's outputs (from `part`, or the file already
 * written), with `regions` listing every region its workers run in, home first, once workers
 * run in more than one. Regions already in the file stay unless `part` gives them anew. */
export function mergeOutputs(
  existing: InfrastructureOutputs | undefined,
  part: OutputsPart,
): InfrastructureOutputs {
  const home = part.home ?? existing;
  if (!home) {
    const homeRegion = part.regions[0]?.homeRegion ?? "its home region";
    throw new UserError(
      `${part.file}: these outputs only add workers in ${part.regions.map((r) => r.region).join(", ")}; write the outputs of the home region's stack (${homeRegion}) first`,
    );
  }
  const { regions: _old, ...homeOutputs } = home;
  const others = new Map<string, RegionOutputs>();
  for (const r of existing?.regions ?? []) if (r.region !== home.region) others.set(r.region, r);
  for (const { homeRegion: _home, ...r } of part.regions) others.set(r.region, r);
  if (others.size === 0) return homeOutputs;
  return {
    ...homeOutputs,
    regions: [
      {
        region: home.region,
        cluster: home.cluster,
        service: home.service ?? "",
        taskDefinition: home.taskDefinition,
        subnets: home.subnets,
        securityGroups: home.securityGroups,
        assignPublicIp: home.assignPublicIp,
        ...(home.logGroup ? { logGroup: home.logGroup } : {}),
        ...(home.logStreamPrefix ? { logStreamPrefix: home.logStreamPrefix } : {}),
      },
      ...others.values(),
    ],
  };
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
