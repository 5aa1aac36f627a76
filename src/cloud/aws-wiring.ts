// Builds the real AWS-backed pieces of a cloud run (S3 store and objects, SQS queue and
// dead-letter reader, ECS launcher) from the infrastructure outputs, and the agent's pieces
// from its environment. Endpoints and regions come from the standard AWS environment, so the
// same wiring talks to AWS or to local fakes.

import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import type { ObjectSource } from "../agent/cloud-agent.ts";
import type { Clock } from "../engine/clock.ts";
import { UserError } from "../errors.ts";
import {
  createS3Client,
  createS3ResultStore,
  describeS3Failure,
  downloadObject,
  httpStatus,
  type S3ResultStore,
  uploadBundleOnce,
} from "../store/s3-store.ts";
import {
  AGENT_ENV,
  type InfrastructureOutputs,
  serviceRegions,
  type WorkMessage,
  workerLogHint,
} from "./cloud-config.ts";
import type { DeadLetter, ObjectSink } from "./cloud-run.ts";
import { createEcsFleet } from "./ecs-fleet.ts";
import { createEcsLauncher } from "./ecs-launcher.ts";
import { drainQueue } from "./sqs-drain.ts";
import { createSqsClient, createSqsQueue, readDeadLetters } from "./sqs-queue.ts";
import { taskProtectionFromEnvironment } from "./task-protection.ts";

export { infraOutputsFile, readInfrastructureOutputs } from "./infra-outputs.ts";

export function s3Objects(store: S3ResultStore): ObjectSink {
  const target = { client: store.client, bucket: store.bucket };
  const readVersioned = async (key: string) => {
    try {
      const out = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
      return { text: await out.Body!.transformToString(), etag: out.ETag ?? "" };
    } catch (e) {
      if (httpStatus(e) === 404) return undefined;
      throw await describeS3Failure(target, e, { action: "read", key });
    }
  };
  return {
    async getText(key) {
      const out = await store.client.send(new GetObjectCommand({ Bucket: store.bucket, Key: key }));
      return out.Body!.transformToString();
    },
    getTextIfExists: async (key) => (await readVersioned(key))?.text,
    readVersioned,
    async putTextIf(key, text, etag) {
      try {
        await store.client.send(
          new PutObjectCommand({
            Bucket: store.bucket,
            Key: key,
            Body: text,
            ContentType: "application/json",
            ...(etag === undefined ? { IfNoneMatch: "*" } : { IfMatch: etag }),
          }),
        );
        return "written";
      } catch (e) {
        const status = httpStatus(e);
        if (status === 412 || status === 404) return "changed";
        throw await describeS3Failure(target, e, { action: "write", key });
      }
    },
    async download(key, localPath) {
      await downloadObject(target, key, localPath);
    },
    uploadOnce: (key, file) => uploadBundleOnce(target, key, file),
    async putText(key, text) {
      await store.client.send(
        new PutObjectCommand({ Bucket: store.bucket, Key: key, Body: text, ContentType: "application/json" }),
      );
    },
  };
}

export function cloudPieces(
  infra: InfrastructureOutputs,
  options: { spot: boolean; clock?: Clock; idleSeconds: number },
) {
  const store = createS3ResultStore({
    bucket: infra.bucket,
    ...(infra.prefix ? { prefix: infra.prefix } : {}),
    client: createS3Client({ region: infra.region }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const sqs = createSqsClient({ region: infra.region });
  const queue = createSqsQueue<WorkMessage>({
    queueUrl: infra.queueUrl,
    client: sqs,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const deadLetters = async (): Promise<DeadLetter[]> =>
    (
      await readDeadLetters<WorkMessage>(infra.deadLetterQueueUrl, { client: sqs, delete: true, waitMs: 0 })
    ).map((d) => ({
      item: d.item,
      receiveCount: d.receiveCount,
    }));
  const launcher = createEcsLauncher({
    infra,
    spot: options.spot,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const regions = serviceRegions(infra);
  const fleets = regions.map((r) =>
    createEcsFleet({
      region: r.region,
      cluster: r.cluster,
      service: r.service,
      containerName: infra.containerName,
    }),
  );
  const deadLetterQueue = createSqsQueue<WorkMessage>({ queueUrl: infra.deadLetterQueueUrl, client: sqs });
  const workerEnvironment: Record<string, string> = {
    [AGENT_ENV.queueUrl]: infra.queueUrl,
    [AGENT_ENV.bucket]: infra.bucket,
    [AGENT_ENV.prefix]: infra.prefix ?? "",
    [AGENT_ENV.idleSeconds]: String(options.idleSeconds),
    AWS_REGION: infra.region,
  };
  return {
    store,
    objects: s3Objects(store),
    queue,
    deadLetters,
    launcher,
    fleets,
    sqs,
    /** Messages waiting in the dead-letter queue (not yet turned into failed results). */
    deadLetterCounts: () => deadLetterQueue.counts(),
    drain: (remove: (message: WorkMessage | undefined) => boolean) =>
      drainQueue<WorkMessage>({ client: sqs, queueUrl: infra.queueUrl, remove }),
    workerEnvironment,
    /** How to read a worker's log: its region's log group when its task ARN names another region. */
    workerLogHint: (id: string) => {
      const region = regions.find((r) => id.startsWith(`arn:aws:ecs:${r.region}:`));
      return region && region.region !== infra.region
        ? workerLogHint({ ...region, containerName: infra.containerName }, id)
        : workerLogHint(infra, id);
    },
  };
}

/** The agent's store, queue and object source, from the environment it was started with. */
export function agentPiecesFromEnvironment(
  env: NodeJS.ProcessEnv,
  options: { readonly onUnansweredReceive?: (reason: string) => void } = {},
) {
  const queueUrl = env[AGENT_ENV.queueUrl];
  const bucket = env[AGENT_ENV.bucket];
  if (!queueUrl || !bucket) {
    throw new UserError(
      `modelfleet agent: ${AGENT_ENV.queueUrl} and ${AGENT_ENV.bucket} must be set (the launcher sets them on every worker)`,
    );
  }
  // A worker in another region than its queue and bucket reaches them in theirs.
  const home = env[AGENT_ENV.homeRegion] || undefined;
  const store = createS3ResultStore({
    bucket,
    ...(env[AGENT_ENV.prefix] ? { prefix: env[AGENT_ENV.prefix] } : {}),
    ...(home ? { client: createS3Client({ region: home }) } : {}),
  });
  const queue = createSqsQueue<WorkMessage>({
    queueUrl,
    ...(home ? { client: createSqsClient({ region: home }) } : {}),
    ...(options.onUnansweredReceive ? { onUnansweredReceive: options.onUnansweredReceive } : {}),
  });
  const serviceName = env[AGENT_ENV.service];
  const cluster = env[AGENT_ENV.cluster];
  if (serviceName && !cluster) {
    throw new UserError(
      `modelfleet agent: ${AGENT_ENV.service} is set but ${AGENT_ENV.cluster} is not (the task definition sets both)`,
    );
  }
  const ownService =
    serviceName && cluster
      ? createEcsFleet({
          region: env[AGENT_ENV.serviceRegion] || env.AWS_REGION || home || "",
          cluster,
          service: serviceName,
        })
      : undefined;
  const seconds = (name: string, fallback: number) => {
    const n = Number(env[name] ?? fallback);
    return (Number.isFinite(n) && n > 0 ? n : fallback) * 1000;
  };
  return {
    store,
    queue,
    objects: s3Objects(store) as ObjectSource,
    protection: taskProtectionFromEnvironment(env),
    ...(ownService
      ? {
          service: {
            name: ownService.service,
            region: ownService.region,
            scaleToZero: () => ownService.scaleTo(0),
          },
        }
      : {}),
    idleMs: seconds(AGENT_ENV.idleSeconds, 120),
    visibilityMs: seconds(AGENT_ENV.visibilitySeconds, 300),
  };
}
