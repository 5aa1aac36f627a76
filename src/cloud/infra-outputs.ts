// Reads and checks the infrastructure outputs file that `run --executor ecs --infra` names
// (see cloud-config.ts for its shape): what it needs is there, the optional parts are passed
// on, and a `regions` list is whole, starting with the home region.
import { readFile } from "node:fs/promises";
import { UserError } from "../errors.ts";
import type { InfrastructureOutputs, RegionOutputs } from "./cloud-config.ts";

/** Where `npm run infra:outputs` writes a scenario's outputs, and where the commands and the
 * actions look for them unless told otherwise. */
export function infraOutputsFile(ref: { readonly project: string; readonly scenario: string }): string {
  return `.modelfleet/infra/${ref.project}-${ref.scenario}.json`;
}

export async function readInfrastructureOutputs(file: string): Promise<InfrastructureOutputs> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(
      code === "ENOENT"
        ? `${file}: infrastructure outputs not found; apply the infrastructure first, or pass --infra <outputs.json>`
        : `${file}: not valid JSON (${(e as Error).message})`,
    );
  }
  return parseInfrastructureOutputs(raw, file);
}

export function parseInfrastructureOutputs(raw: unknown, file: string): InfrastructureOutputs {
  if (!isRecord(raw)) throw new UserError(`${file}: expected a JSON object`);
  const o = raw;
  const need = ["region", "bucket", "queueUrl", "deadLetterQueueUrl", "cluster", "taskDefinition"] as const;
  const missing = need.filter((k) => !isText(o[k]));
  if (missing.length > 0)
    throw new UserError(`${file}: missing ${missing.map((k) => `\`${k}\``).join(", ")} (strings)`);
  const regions = o.regions === undefined ? undefined : regionList(o.regions, o.region as string, file);
  return {
    region: o.region as string,
    bucket: o.bucket as string,
    ...(typeof o.prefix === "string" ? { prefix: o.prefix } : {}),
    queueUrl: o.queueUrl as string,
    deadLetterQueueUrl: o.deadLetterQueueUrl as string,
    cluster: o.cluster as string,
    taskDefinition: o.taskDefinition as string,
    subnets: strings(o.subnets),
    securityGroups: strings(o.securityGroups),
    assignPublicIp: o.assignPublicIp === true,
    containerName: isText(o.containerName) ? o.containerName : "agent",
    ...optionalText(o, "service"),
    ...optionalText(o, "logGroup"),
    ...optionalText(o, "logStreamPrefix"),
    ...optionalText(o, "alertsTopicArn"),
    ...(regions === undefined ? {} : { regions }),
  };
}

function regionList(value: unknown, home: string, file: string): RegionOutputs[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new UserError(`${file}: \`regions\` must be a list of the regions workers run in, home first`);
  }
  const regions = value.map((entry, i) => {
    const where = `${file}: \`regions[${i}]\``;
    if (!isRecord(entry)) throw new UserError(`${where}: expected an object`);
    const missing = (["region", "cluster", "service"] as const).filter((k) => !isText(entry[k]));
    if (missing.length > 0)
      throw new UserError(`${where}: missing ${missing.map((k) => `\`${k}\``).join(", ")} (strings)`);
    return {
      region: entry.region as string,
      cluster: entry.cluster as string,
      service: entry.service as string,
      ...optionalText(entry, "taskDefinition"),
      subnets: strings(entry.subnets),
      securityGroups: strings(entry.securityGroups),
      assignPublicIp: entry.assignPublicIp === true,
      ...optionalText(entry, "logGroup"),
      ...optionalText(entry, "logStreamPrefix"),
    };
  });
  if (regions[0]!.region !== home) {
    throw new UserError(
      `${file}: \`regions\` starts with ${regions[0]!.region}, but the home region (\`region\`) is ${home}: list the home region first`,
    );
  }
  const seen = new Set<string>();
  for (const r of regions) {
    if (seen.has(r.region)) throw new UserError(`${file}: \`regions\` lists ${r.region} twice`);
    seen.add(r.region);
  }
  return regions;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isText(v: unknown): v is string {
  return typeof v === "string" && v !== "";
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

function optionalText<K extends string>(o: Record<string, unknown>, key: K): { [k in K]?: string } {
  const v = o[key];
  return (isText(v) ? { [key]: v } : {}) as { [k in K]?: string };
}
