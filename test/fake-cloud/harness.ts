// The fake cloud: s3rver behind a conditional-write proxy, an SQS-compatible in-memory server,
// and a fake ECS (fake-ecs.ts) whose RunTask, and whose services, start the real agent entry
// point (`modelfleet agent`) as local processes. Tests kill those processes to see what a lost
// worker does.
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { InfrastructureOutputs } from "../../src/cloud/cloud-config.ts";
import {
  type FakeEcs,
  type FakeService,
  type FakeTask,
  killTree,
  type RunTaskBehaviour,
  startFakeEcs,
} from "./fake-ecs.ts";
import { type FakeSqs, startFakeSqs } from "./fake-sqs.ts";
import { type FakeS3, startFakeS3 } from "./s3-proxy.ts";

export type { FakeTask, RunTaskBehaviour } from "./fake-ecs.ts";

export interface FakeCloud {
  readonly s3: FakeS3;
  readonly sqs: FakeSqs;
  readonly ecs: FakeEcs;
  readonly infra: InfrastructureOutputs;
  readonly infraFile: string;
  readonly tasks: FakeTask[];
  /** RunTask calls received, with their client tokens. */
  readonly runTaskCalls: Array<{ count: number; clientToken: string | undefined; outcome: string }>;
  behaviour: RunTaskBehaviour;
  /** The AWS environment of the fake cloud, ECS included: this process has it while the cloud
   * is up, so a child process (a `modelfleet run`, an action) reaches the fakes too. */
  readonly env: Record<string, string>;
  /** Kills (SIGKILL) any worker found running realisation `id`, for as long as it is set. */
  crashWorkersRunning(id: string | undefined): void;
  /** The task whose work folder holds realisation `id` now. */
  taskRunning(id: string): Promise<FakeTask | undefined>;
  /** The scenario's service in a region. */
  service(region: string): FakeService;
  close(): Promise<void>;
}

/** Workers as ECS services (the cdktf stacks' shape) rather than tasks started one by one. */
export interface FakeServicesOptions {
  /** The regions, home first (default: the home region alone). */
  readonly regions?: ReadonlyArray<{ readonly region: string; readonly refuses?: boolean }>;
  /** The home region's scaler, up to this many workers (absent: no scaler). */
  readonly scaler?: { readonly max: number; readonly emptyMs?: number };
}

export const SERVICE = "base-workers";

export async function startFakeCloud(
  options: {
    maxReceiveCount?: number;
    visibilitySeconds?: number;
    idleSeconds?: number;
    /** After StopTask's SIGTERM, the kill comes this much later (ECS: the task's stopTimeout). */
    stopTimeoutSeconds?: number;
    services?: FakeServicesOptions;
  } = {},
): Promise<FakeCloud> {
  const dir = await mkdtemp(join(tmpdir(), "mf-cloud-"));
  const s3 = await startFakeS3();
  const sqs = await startFakeSqs();
  const dlq = sqs.createQueue("work-dlq", { visibilityTimeoutSeconds: 30 });
  const queueUrl = sqs.createQueue("work", {
    visibilityTimeoutSeconds: options.visibilitySeconds ?? 4,
    maxReceiveCount: options.maxReceiveCount ?? 3,
    deadLetterQueue: dlq,
  });
  const infra: InfrastructureOutputs = {
    region: s3.region,
    bucket: s3.bucket,
    prefix: "results/",
    queueUrl,
    deadLetterQueueUrl: dlq,
    cluster: "fake-cluster",
    taskDefinition: "fake-agent:1",
    subnets: ["subnet-0abc"],
    securityGroups: ["sg-0abc"],
    assignPublicIp: false,
    containerName: "agent",
    logGroup: "/ecs/fake",
    logStreamPrefix: "agent",
  };
  const regions = options.services ? (options.services.regions ?? [{ region: s3.region }]) : [];
  if (regions.length > 0) {
    Object.assign(infra, {
      cluster: "fake-cluster",
      service: SERVICE,
      ...(regions.length > 1
        ? {
            regions: regions.map((r) => ({
              region: r.region,
              cluster: "fake-cluster",
              service: SERVICE,
              subnets: [`subnet-0${r.region.length}`],
              securityGroups: ["sg-0abc"],
              assignPublicIp: true,
              logGroup: "/ecs/fake",
              logStreamPrefix: "agent",
            })),
          }
        : {}),
    });
  }
  const infraFile = join(dir, "infra.json");
  await writeFile(infraFile, JSON.stringify(infra));

  // The engine (this process) and the agents talk to the fakes through the standard AWS environment.
  const awsEnv: Record<string, string> = {
    ...s3.env,
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_REGION: s3.region,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  };
  const saved = Object.fromEntries(
    [...Object.keys(awsEnv), "AWS_ENDPOINT_URL_ECS"].map((k) => [k, process.env[k]]),
  );
  Object.assign(process.env, awsEnv);

  const ecs = await startFakeEcs({
    dir,
    awsEnv,
    homeRegion: s3.region,
    idleSeconds: options.idleSeconds ?? 2,
    visibilitySeconds: options.visibilitySeconds ?? 4,
    stopTimeoutSeconds: options.stopTimeoutSeconds ?? 30,
    queueDepth: () => {
      const messages = sqs.messages(queueUrl);
      return {
        visible: messages.filter((m) => m.state !== "in-flight").length,
        inFlight: messages.filter((m) => m.state === "in-flight").length,
      };
    },
  });
  // This process's ECS clients are mocked; its children reach the fake through its endpoint.
  process.env["AWS_ENDPOINT_URL_ECS"] = ecs.endpoint;
  for (const r of regions) {
    // The task definition's environment (cdktf's scenario-worker.ts sets the same).
    ecs.addService({
      region: r.region,
      cluster: "fake-cluster",
      name: SERVICE,
      refuses: r.refuses ?? false,
      environment: {
        MODELFLEET_QUEUE_URL: queueUrl,
        MODELFLEET_BUCKET: s3.bucket,
        MODELFLEET_PREFIX: "results/",
        MODELFLEET_HOME_REGION: s3.region,
        MODELFLEET_SERVICE: SERVICE,
        MODELFLEET_CLUSTER: "fake-cluster",
        MODELFLEET_SERVICE_REGION: r.region,
        AWS_REGION: r.region,
      },
    });
  }
  if (options.services?.scaler) ecs.startScaler({ region: s3.region, ...options.services.scaler });

  const { tasks } = ecs;
  const cloud: FakeCloud = {
    s3,
    sqs,
    ecs,
    infra,
    infraFile,
    tasks,
    runTaskCalls: ecs.runTaskCalls,
    get behaviour() {
      return ecs.behaviour;
    },
    set behaviour(b: RunTaskBehaviour) {
      ecs.behaviour = b;
    },
    env: { ...awsEnv, AWS_ENDPOINT_URL_ECS: ecs.endpoint },
    crashWorkersRunning: (id) => {
      crashId = id;
    },
    taskRunning: async (id) => {
      for (const t of tasks) {
        if (t.exitCode !== null || t.signal !== null) continue;
        const names = await readdir(join(t.workRoot, "work")).catch(() => [] as string[]);
        if (names.some((n) => n.startsWith(`${id}-a`))) return t;
      }
      return undefined;
    },
    service: (region) => {
      const s = ecs.services.get(region);
      if (!s) throw new Error(`no fake service in ${region}`);
      return s;
    },
    async close() {
      clearInterval(crashTimer);
      await ecs.close();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      await Promise.all([s3.close(), sqs.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };

  let crashId: string | undefined;
  const crashTimer = setInterval(async () => {
    if (crashId === undefined) return;
    const t = await cloud.taskRunning(crashId);
    if (t) {
      t.stoppedByHarness = true;
      killTree(t.process.pid!);
    }
  }, 50);
  return cloud;
}

export { killTree } from "./fake-ecs.ts";
