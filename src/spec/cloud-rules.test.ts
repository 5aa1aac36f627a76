import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AWS_REGIONS } from "./aws-regions.ts";
import {
  checkCloudRules,
  checkFargateSize,
  checkLogRetention,
  checkRegion,
  checkRegionalNetwork,
  checkRegions,
  checkStorage,
  checkTags,
  checkWorkerQuota,
  fargateCpuChoicesFor,
  fargateMemoryChoices,
} from "./cloud-rules.ts";
import { formatDiagnostic } from "./diagnostics.ts";
import { validateSpecFile } from "./load.ts";
import { cloudRegions, type ProjectSpec, projectSpecSchema } from "./schema.ts";

function spec(extra: Record<string, unknown> = {}): ProjectSpec {
  return projectSpecSchema.parse({
    project: "p",
    scenario: "s",
    model: { dir: "model", command: ["run"] },
    parameters: { par_files: "params/p{id}.par", ids: "1-2" },
    ...extra,
  });
}

describe("Fargate task sizes", () => {
  it("lists the memory Fargate offers with each vCPU size", () => {
    expect(fargateMemoryChoices(0.25)).toEqual([0.5, 1, 2]);
    expect(fargateMemoryChoices(0.5)).toEqual([1, 2, 3, 4]);
    expect(fargateMemoryChoices(1)).toEqual([2, 3, 4, 5, 6, 7, 8]);
    expect(fargateMemoryChoices(2)).toEqual([4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(fargateMemoryChoices(4)[0]).toBe(8);
    expect(fargateMemoryChoices(4).at(-1)).toBe(30);
    expect(fargateMemoryChoices(4)).toHaveLength(23);
    expect(fargateMemoryChoices(8)).toEqual([16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60]);
    expect(fargateMemoryChoices(16)).toEqual([32, 40, 48, 56, 64, 72, 80, 88, 96, 104, 112, 120]);
    expect(fargateMemoryChoices(3)).toEqual([]);
  });

  it("accepts every valid pair", () => {
    for (const cpu of [0.25, 0.5, 1, 2, 4, 8, 16] as const) {
      for (const memory_gb of fargateMemoryChoices(cpu)) {
        expect(checkFargateSize({ cpu, memory_gb, disk_gb: 21, spot: true })).toEqual([]);
      }
    }
  });

  it("names the sizes that fit and the nearest one", () => {
    expect(checkFargateSize({ cpu: 1, memory_gb: 1, disk_gb: 21, spot: true })).toEqual([
      {
        path: ["resources", "memory_gb"],
        message: "1 GB is not a Fargate size for 1 vCPU; with 1 vCPU Fargate offers 2–8 GB in 1 GB steps",
        fix: "set memory_gb to 2, or cpu to 0.25 or 0.5 for 1 GB",
      },
    ]);
    expect(checkFargateSize({ cpu: 0.25, memory_gb: 1.5, disk_gb: 21, spot: true })[0]).toMatchObject({
      message: "1.5 GB is not a Fargate size for 0.25 vCPU; with 0.25 vCPU Fargate offers 0.5, 1 or 2 GB",
    });
    expect(checkFargateSize({ cpu: 8, memory_gb: 18, disk_gb: 21, spot: true })[0]?.fix).toBe(
      "set memory_gb to 16, or cpu to 4 for 18 GB",
    );
    expect(checkFargateSize({ cpu: 16, memory_gb: 31.5, disk_gb: 21, spot: true })[0]?.fix).toBe(
      "set memory_gb to 32; 31.5 GB fits no Fargate vCPU size",
    );
  });

  it("knows which vCPU sizes take a memory size", () => {
    expect(fargateCpuChoicesFor(2)).toEqual([0.25, 0.5, 1]);
    expect(fargateCpuChoicesFor(32)).toEqual([8, 16]);
    expect(fargateCpuChoicesFor(121)).toEqual([]);
  });

  it("leaves ephemeral storage to the schema: 20 (included) to 200 GiB", () => {
    const base = { project: "p", scenario: "s", model: { dir: "m", command: ["x"] } };
    const parameters = { par_files: "p{id}.par", ids: "1" };
    expect(projectSpecSchema.safeParse({ ...base, parameters, resources: { disk_gb: 200 } }).success).toBe(
      true,
    );
    expect(projectSpecSchema.safeParse({ ...base, parameters, resources: { disk_gb: 201 } }).success).toBe(
      false,
    );
    expect(projectSpecSchema.safeParse({ ...base, parameters, resources: { disk_gb: 19 } }).success).toBe(
      false,
    );
  });
});

describe("regions", () => {
  it("accepts every listed region and refuses a misspelt one with a suggestion", () => {
    for (const region of AWS_REGIONS) expect(checkRegion(region)).toEqual([]);
    expect(checkRegion("us-east-7")).toEqual([
      {
        path: ["cloud", "region"],
        message: '"us-east-7" is not an AWS region',
        fix: "did you mean us-east-1?",
      },
    ]);
    expect(checkRegion("xx-nowhere-9")[0]?.fix).toMatch(/^use one such as us-east-1/);
  });
});

describe("several regions", () => {
  it("reads cloud.regions with the first as home, and cloud.region as a one-region list", () => {
    const several = spec({ cloud: { regions: ["us-east-1", "us-west-2"] } }).cloud;
    expect(several.region).toBe("us-east-1");
    expect(cloudRegions(several)).toEqual(["us-east-1", "us-west-2"]);
    const one = spec({ cloud: { region: "eu-west-1" } }).cloud;
    expect(one).toMatchObject({ region: "eu-west-1" });
    expect(one.regions).toBeUndefined();
    expect(cloudRegions(one)).toEqual(["eu-west-1"]);
    expect(cloudRegions(spec().cloud)).toEqual(["us-east-1"]);
    // Both, agreeing on home: accepted.
    expect(
      cloudRegions(spec({ cloud: { region: "eu-west-1", regions: ["eu-west-1", "eu-central-1"] } }).cloud),
    ).toEqual(["eu-west-1", "eu-central-1"]);
  });

  it("refuses a region that is not home, a region named twice and an empty list, at their keys", () => {
    const issues = (cloud: unknown) =>
      projectSpecSchema
        .safeParse({
          project: "p",
          scenario: "s",
          model: { dir: "m", command: ["x"] },
          parameters: { par_files: "p{id}.par", ids: "1" },
          cloud,
        })
        .error?.issues.map((i) => ({ path: i.path, message: i.message }));
    expect(issues({ region: "us-east-1", regions: ["us-west-2", "us-east-1"] })).toEqual([
      {
        path: ["cloud", "region"],
        message:
          "us-east-1, but cloud.regions starts with us-west-2: the first of cloud.regions is the home region; give only cloud.regions",
      },
    ]);
    expect(issues({ regions: ["us-east-1", "us-west-2", "us-east-1"] })).toEqual([
      { path: ["cloud", "regions", 2], message: "us-east-1 is already listed; name each region once" },
    ]);
    expect(issues({ regions: [] })).toEqual([{ path: ["cloud", "regions"], message: "at least one region" }]);
  });

  it("checks every region name at its place in the list", () => {
    expect(checkRegions({ region: "us-east-1", regions: ["us-east-1", "us-wets-2"] })).toEqual([
      {
        path: ["cloud", "regions", 1],
        message: '"us-wets-2" is not an AWS region',
        fix: "did you mean us-west-2?",
      },
    ]);
    expect(checkRegions({ region: "us-east-7" })[0]?.path).toEqual(["cloud", "region"]);
  });

  it("refuses subnets and security groups with several regions: they belong to one VPC", () => {
    expect(
      checkRegionalNetwork(
        spec({ cloud: { regions: ["us-east-1", "us-west-2"], subnets: ["subnet-0abc"] } }).cloud,
      ),
    ).toEqual([
      {
        path: ["cloud", "subnets"],
        message: "subnets belong to one region's VPC, and this project runs in us-east-1, us-west-2",
        fix: "remove cloud.subnets: with several regions modelfleet makes its own network in each",
      },
    ]);
    expect(checkRegionalNetwork(spec({ cloud: { subnets: ["subnet-0abc"] } }).cloud)).toEqual([]);
  });

  it("says the quota is per region", () => {
    expect(
      checkWorkerQuota(
        spec({
          cloud: { regions: ["us-east-1", "us-west-2"], max_workers: 3000 },
          resources: { cpu: 2, memory_gb: 4 },
        }),
      )[0]?.message,
    ).toBe(
      "3000 workers × 2 vCPU = 6000 vCPUs, over the Fargate Spot vCPU quota of 4000 in each of us-east-1, us-west-2 (the assumed default)",
    );
  });
});

describe("quotas", () => {
  it("passes a project within the assumed quota", () => {
    expect(
      checkWorkerQuota(spec({ cloud: { max_workers: 1000 }, resources: { cpu: 4, memory_gb: 8 } })),
    ).toEqual([]);
  });

  it("refuses max_workers × cpu over the quota, with the fix", () => {
    expect(
      checkWorkerQuota(
        spec({ cloud: { max_workers: 2000 }, resources: { cpu: 4, memory_gb: 8, spot: false } }),
      ),
    ).toEqual([
      {
        path: ["cloud", "max_workers"],
        message:
          "2000 workers × 4 vCPU = 8000 vCPUs, over the Fargate On-Demand vCPU quota of 4000 in us-east-1 (the assumed default)",
        fix: 'lower max_workers to 1000, or request a quota increase (Service Quotas, service "fargate", quota L-3032A538) and set cloud.fargate_vcpu_quota to the value granted',
      },
    ]);
  });

  it("uses the quota the project file states", () => {
    const raised = spec({
      cloud: { max_workers: 2000, fargate_vcpu_quota: 10000 },
      resources: { cpu: 4, memory_gb: 8 },
    });
    expect(checkWorkerQuota(raised)).toEqual([]);
    const low = spec({ cloud: { max_workers: 10, fargate_vcpu_quota: 6 } });
    expect(checkWorkerQuota(low)[0]?.message).toBe(
      "10 workers × 1 vCPU = 10 vCPUs, over the Fargate Spot vCPU quota of 6 in us-east-1",
    );
    expect(checkWorkerQuota(low)[0]?.fix).toMatch(/^lower max_workers to 6, .*quota L-36FBB829/);
  });
});

describe("storage and logs", () => {
  it("refuses a move to STANDARD_IA before 30 days, allows it for the other classes", () => {
    expect(
      checkStorage({
        infrequent_access_after_days: 7,
        storage_class: "STANDARD_IA",
        noncurrent_expire_after_days: 90,
      }),
    ).toEqual([
      {
        path: ["cloud", "storage", "infrequent_access_after_days"],
        message: "S3 moves objects to STANDARD_IA only after 30 days, not 7",
        fix: "set it to 30 or more, or choose storage_class INTELLIGENT_TIERING",
      },
    ]);
    expect(
      checkStorage({
        infrequent_access_after_days: 7,
        storage_class: "INTELLIGENT_TIERING",
        noncurrent_expire_after_days: 90,
      }),
    ).toEqual([]);
  });

  it("accepts only CloudWatch's retention periods", () => {
    expect(checkLogRetention(30)).toEqual([]);
    expect(checkLogRetention(45)[0]).toMatchObject({
      path: ["cloud", "log_retention_days"],
      fix: "use 30 or 60",
    });
    expect(checkLogRetention(4000)[0]?.fix).toBe("use 3653 or 3653");
    expect(checkLogRetention(0)[0]?.fix).toBe("use 1");
  });

  it("checks alert targets in the schema", () => {
    const ok = spec({
      cloud: { alerts_to: ["ops@example.com", "https://hooks.example.com/x", "+15551234567"] },
    });
    expect(ok.cloud.alerts_to).toHaveLength(3);
    const bad = projectSpecSchema.safeParse({
      project: "p",
      scenario: "s",
      model: { dir: "m", command: ["x"] },
      parameters: { par_files: "p{id}.par", ids: "1" },
      cloud: { alerts_to: ["http://insecure.example.com"] },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toBe(
      "an e-mail address, an https:// URL, or a phone number such as +15551234567",
    );
  });
});

describe("tags", () => {
  it("accepts the tags AWS accepts", () => {
    expect(
      checkTags(
        spec({ cloud: { client: "Acme Water", tags: { "cost-centre": "hydro/7", "Team Ä": "ops@acme" } } })
          .cloud,
      ),
    ).toEqual([]);
  });

  it("refuses modelfleet's own tag names, keys and values AWS refuses, and a client that cannot be a tag", () => {
    const problems = checkTags(
      spec({ cloud: { client: "Acme (Water)", tags: { project: "x", "aws:owner": "me", ok: "a;b" } } }).cloud,
    );
    expect(problems).toEqual([
      {
        path: ["cloud", "tags", "project"],
        message: "`project` is set by modelfleet on every resource",
        fix: "choose another tag name",
      },
      {
        path: ["cloud", "tags", "aws:owner"],
        message:
          '"aws:owner" is not a tag key AWS accepts: 1-128 letters, digits, spaces and _ . : / = + - @, not starting with aws:',
      },
      {
        path: ["cloud", "tags", "ok"],
        message:
          '"a;b" is not a tag value AWS accepts: at most 256 letters, digits, spaces and _ . : / = + - @',
      },
      {
        path: ["cloud", "client"],
        message:
          '"Acme (Water)" cannot be a tag value: at most 256 letters, digits, spaces and _ . : / = + - @',
      },
    ]);
    expect(checkTags(spec({ cloud: { tags: { client: "x" } } }).cloud)[0]?.fix).toBe("use `cloud.client`");
  });
});

describe("checkCloudRules", () => {
  it("finds nothing in the defaults", () => {
    expect(checkCloudRules(spec())).toEqual([]);
  });
});

describe("validate reports cloud problems at their line", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-cloud-rules-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("with file, line, key and fix", async () => {
    const file = join(dir, "bad.yaml");
    await writeFile(
      file,
      `project: p
scenario: s
model: { dir: ., command: [run] }
parameters:
  par_files: p{id}.par
  ids: [1]
resources:
  cpu: 2
  memory_gb: 3
cloud:
  region: eu-west-7
  log_retention_days: 10
`,
    );
    await writeFile(join(dir, "p1.par"), "single point\n");
    const v = await validateSpecFile(file);
    const lines = v.diagnostics.map(formatDiagnostic);
    expect(lines).toContain(
      `${file}:9:14: \`resources.memory_gb\`: 3 GB is not a Fargate size for 2 vCPU; with 2 vCPU Fargate offers 4–16 GB in 1 GB steps; set memory_gb to 4, or cpu to 0.5 or 1 for 3 GB`,
    );
    expect(lines).toContain(
      `${file}:11:11: \`cloud.region\`: "eu-west-7" is not an AWS region; did you mean eu-west-1?`,
    );
    expect(lines.find((l) => l.includes("cloud.log_retention_days"))).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:12:23: .*; use 7 or 14$`),
    );
  });
});

describe("validate reports a misspelt region of cloud.regions at its line", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-cloud-regions-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("with file, line, key and fix", async () => {
    const file = join(dir, "regions.yaml");
    await writeFile(
      file,
      `project: p
scenario: s
model: { dir: model, command: [run] }
parameters:
  par_files: p{id}.par
  ids: [1]
cloud:
  regions:
    - us-east-1
    - us-wets-2
`,
    );
    await mkdir(join(dir, "model"), { recursive: true });
    await writeFile(join(dir, "p1.par"), "single point\n");
    const lines = (await validateSpecFile(file)).diagnostics.map(formatDiagnostic);
    expect(lines).toEqual([
      `${file}:10:7: \`cloud.regions[1]\`: "us-wets-2" is not an AWS region; did you mean us-west-2?`,
    ]);
  });
});
