// What AWS will refuse in a project file, caught by `validate` rather than by Terraform or ECS
// later: Fargate task sizes, region names, S3 lifecycle and CloudWatch Logs limits, and
// quotas a project obviously exceeds. Pure: the spec in, located problems out.
import { AWS_REGIONS, isAwsRegion } from "./aws-regions.ts";
import { closest, type KeyPath } from "./diagnostics.ts";
import { cloudRegions, type ProjectSpec } from "./schema.ts";

export interface CloudProblem {
  readonly path: KeyPath;
  readonly message: string;
  readonly fix?: string;
}

/** Memory (GB) Fargate offers with each vCPU size: [lowest, highest, step]. From "Task CPU and
 * memory" in the Amazon ECS Developer Guide. */
const FARGATE_MEMORY: ReadonlyMap<number, readonly [number, number, number]> = new Map([
  [0.25, [0.5, 2, 0.5]],
  [0.5, [1, 4, 1]],
  [1, [2, 8, 1]],
  [2, [4, 16, 1]],
  [4, [8, 30, 1]],
  [8, [16, 60, 4]],
  [16, [32, 120, 8]],
]);

/** The memory sizes (GB) Fargate accepts with `cpu` vCPUs; 0.25 vCPU takes 0.5, 1 or 2 GB. */
export function fargateMemoryChoices(cpu: number): number[] {
  const range = FARGATE_MEMORY.get(cpu);
  if (range === undefined) return [];
  const [low, high, step] = range;
  const out: number[] = [];
  for (let m = low; m <= high; m += step) out.push(m);
  // 0.25 vCPU: 0.5, 1 and 2 GB (no 1.5).
  return cpu === 0.25 ? out.filter((m) => m !== 1.5) : out;
}

/** The vCPU sizes that accept `memoryGb`. */
export function fargateCpuChoicesFor(memoryGb: number): number[] {
  return [...FARGATE_MEMORY.keys()].filter((cpu) => fargateMemoryChoices(cpu).includes(memoryGb));
}

/** Fargate's ephemeral storage: 20 GiB come with every task; up to 200 GiB can be asked for. */
export const FARGATE_DISK_GB = { included: 20, max: 200 } as const;

/** The Fargate vCPU quota assumed per region (On-Demand and Spot each), unless the project
 * file states its own with `cloud.fargate_vcpu_quota`. Accounts differ: new accounts start
 * lower, and AWS raises quotas with use or on request. */
export const DEFAULT_FARGATE_VCPU_QUOTA = 4000;

/** Service Quotas codes of the Fargate vCPU quotas (service code `fargate`). */
export const FARGATE_QUOTA_CODES = { onDemand: "L-3032A538", spot: "L-36FBB829" } as const;

/** The retention periods CloudWatch Logs accepts, in days. */
export const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

/** Storage classes S3 moves objects to only once they are this many days old. */
const MIN_TRANSITION_DAYS: Readonly<Record<string, number>> = { STANDARD_IA: 30 };

/** The checks on the parts of a spec that are there (a part that failed the schema has its
 * own problems reported). */
export function checkCloudRules(spec: Partial<Pick<ProjectSpec, "resources" | "cloud">>): CloudProblem[] {
  const { resources, cloud } = spec;
  return [
    ...(resources ? checkFargateSize(resources) : []),
    ...(cloud ? checkRegions(cloud) : []),
    ...(cloud ? checkRegionalNetwork(cloud) : []),
    ...(resources && cloud ? checkWorkerQuota({ resources, cloud }) : []),
    ...(cloud ? checkStorage(cloud.storage) : []),
    ...(cloud ? checkLogRetention(cloud.log_retention_days) : []),
    ...(cloud ? checkTags(cloud) : []),
  ];
}

export function checkFargateSize(resources: ProjectSpec["resources"]): CloudProblem[] {
  const { cpu, memory_gb: memory } = resources;
  const choices = fargateMemoryChoices(cpu);
  if (choices.length === 0 || choices.includes(memory)) return [];
  const nearest = choices.reduce((a, b) => (Math.abs(b - memory) < Math.abs(a - memory) ? b : a));
  const otherCpus = fargateCpuChoicesFor(memory);
  return [
    {
      path: ["resources", "memory_gb"],
      message: `${memory} GB is not a Fargate size for ${cpu} vCPU; with ${cpu} vCPU Fargate offers ${describeChoices(cpu)}`,
      fix:
        `set memory_gb to ${nearest}` +
        (otherCpus.length > 0
          ? `, or cpu to ${otherCpus.join(" or ")} for ${memory} GB`
          : `; ${memory} GB fits no Fargate vCPU size`),
    },
  ];
}

function describeChoices(cpu: number): string {
  const range = FARGATE_MEMORY.get(cpu)!;
  const [low, high, step] = range;
  if (cpu === 0.25) return "0.5, 1 or 2 GB";
  return `${low}–${high} GB in ${step} GB steps`;
}

/** Every region of `cloud.region` or `cloud.regions`, at the key the file wrote it under. */
export function checkRegions(cloud: Pick<ProjectSpec["cloud"], "region" | "regions">): CloudProblem[] {
  if (cloud.regions === undefined) return checkRegion(cloud.region);
  return cloud.regions.flatMap((region, i) => checkRegion(region, ["cloud", "regions", i]));
}

export function checkRegion(region: string, path: KeyPath = ["cloud", "region"]): CloudProblem[] {
  if (isAwsRegion(region)) return [];
  const suggestion = closest(region, AWS_REGIONS);
  return [
    {
      path,
      message: `"${region}" is not an AWS region`,
      fix: suggestion
        ? `did you mean ${suggestion}?`
        : `use one such as us-east-1, eu-west-1 or ap-southeast-2 (the list is in src/spec/aws-regions.ts)`,
    },
  ];
}

/** Subnets and security groups belong to one region's VPC: with several regions, modelfleet
 * makes its own network in each. */
export function checkRegionalNetwork(
  cloud: Pick<ProjectSpec["cloud"], "region" | "regions" | "subnets" | "security_groups">,
): CloudProblem[] {
  const regions = cloudRegions(cloud);
  if (regions.length < 2) return [];
  return (["subnets", "security_groups"] as const)
    .filter((key) => cloud[key].length > 0)
    .map((key) => ({
      path: ["cloud", key],
      message: `${key === "subnets" ? "subnets" : "security groups"} belong to one region's VPC, and this project runs in ${regions.join(", ")}`,
      fix: `remove cloud.${key}: with several regions modelfleet makes its own network in each`,
    }));
}

export function checkWorkerQuota(spec: Pick<ProjectSpec, "resources" | "cloud">): CloudProblem[] {
  const { max_workers: workers, fargate_vcpu_quota: declared } = spec.cloud;
  const cpu = spec.resources.cpu;
  const quota = declared ?? DEFAULT_FARGATE_VCPU_QUOTA;
  const vcpus = workers * cpu;
  if (vcpus <= quota) return [];
  const fitting = Math.max(1, Math.floor(quota / cpu));
  const kind = spec.resources.spot ? "Spot" : "On-Demand";
  const code = spec.resources.spot ? FARGATE_QUOTA_CODES.spot : FARGATE_QUOTA_CODES.onDemand;
  return [
    {
      path: ["cloud", "max_workers"],
      message: `${workers} workers × ${cpu} vCPU = ${vcpus} vCPUs, over the Fargate ${kind} vCPU quota of ${quota}${regionsText(spec.cloud)}${declared === undefined ? " (the assumed default)" : ""}`,
      fix: `lower max_workers to ${fitting}, or request a quota increase (Service Quotas, service "fargate", quota ${code}) and set cloud.fargate_vcpu_quota to the value granted`,
    },
  ];
}

/** " in us-east-1", or " in each of us-east-1, us-west-2" (max_workers and quotas are per region). */
function regionsText(cloud: Pick<ProjectSpec["cloud"], "region" | "regions">): string {
  const regions = cloudRegions(cloud);
  return regions.length === 1 ? ` in ${regions[0]}` : ` in each of ${regions.join(", ")}`;
}

export function checkStorage(storage: ProjectSpec["cloud"]["storage"]): CloudProblem[] {
  const min = MIN_TRANSITION_DAYS[storage.storage_class];
  if (min === undefined || storage.infrequent_access_after_days >= min) return [];
  return [
    {
      path: ["cloud", "storage", "infrequent_access_after_days"],
      message: `S3 moves objects to ${storage.storage_class} only after ${min} days, not ${storage.infrequent_access_after_days}`,
      fix: `set it to ${min} or more, or choose storage_class INTELLIGENT_TIERING`,
    },
  ];
}

export function checkLogRetention(days: number): CloudProblem[] {
  if (LOG_RETENTION_DAYS.includes(days)) return [];
  const above = LOG_RETENTION_DAYS.find((d) => d > days) ?? LOG_RETENTION_DAYS.at(-1)!;
  const below = [...LOG_RETENTION_DAYS].reverse().find((d) => d < days);
  return [
    {
      path: ["cloud", "log_retention_days"],
      message: `CloudWatch Logs keeps logs for ${LOG_RETENTION_DAYS.join(", ")} days, not ${days}`,
      fix: below === undefined ? `use ${above}` : `use ${below} or ${above}`,
    },
  ];
}

/** Tags modelfleet sets on every resource itself; `cloud.tags` may not name them. */
export const RESERVED_TAGS: readonly string[] = ["managed-by", "project", "client", "scenario", "component"];
/** What AWS accepts in tag keys and values. */
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
/** AWS allows 50 tags per resource; modelfleet's own take up to five. */
const MAX_OWN_TAGS = 45;

export function checkTags(cloud: ProjectSpec["cloud"]): CloudProblem[] {
  const problems: CloudProblem[] = [];
  const entries = Object.entries(cloud.tags);
  if (entries.length > MAX_OWN_TAGS) {
    problems.push({
      path: ["cloud", "tags"],
      message: `${entries.length} tags; AWS allows 50 per resource and modelfleet sets up to 5 itself`,
      fix: `keep at most ${MAX_OWN_TAGS}`,
    });
  }
  for (const [key, value] of entries) {
    const path = ["cloud", "tags", key];
    if (RESERVED_TAGS.includes(key)) {
      problems.push({
        path,
        message: `\`${key}\` is set by modelfleet on every resource`,
        fix: key === "client" ? "use `cloud.client`" : "choose another tag name",
      });
    } else if (
      key.length < 1 ||
      key.length > 128 ||
      !TAG_TEXT.test(key) ||
      key.toLowerCase().startsWith("aws:")
    ) {
      problems.push({
        path,
        message: `"${key}" is not a tag key AWS accepts: 1-128 letters, digits, spaces and _ . : / = + - @, not starting with aws:`,
      });
    } else if (value.length > 256 || !TAG_TEXT.test(value)) {
      problems.push({
        path,
        message: `"${value}" is not a tag value AWS accepts: at most 256 letters, digits, spaces and _ . : / = + - @`,
      });
    }
  }
  if (cloud.client !== undefined && (cloud.client.length > 256 || !TAG_TEXT.test(cloud.client))) {
    problems.push({
      path: ["cloud", "client"],
      message: `"${cloud.client}" cannot be a tag value: at most 256 letters, digits, spaces and _ . : / = + - @`,
    });
  }
  return problems;
}
