// Dispatch of a cloud run against fake AWS (figures printed, nothing asserted).
//
//   node scripts/bench/dispatch.ts [--n 10000] [--workers 500] [--latency-ms 100]
//
// Enqueues N realisations (SQS SendMessageBatch, mocked, through createSqsQueue) and launches
// the workers (ECS RunTask, mocked, through createEcsLauncher) at the same time, on the real
// clock. The fake ECS answers ThrottlingException when more than 20 RunTask calls arrived in
// the last second of wall time (the account's RunTask quota) and takes `latency-ms` to answer.
// It does not model Fargate's separate task launch rate (100 tasks at once, then 20 a second),
// which on AWS makes 500 workers take at least 20 s to start whatever the client does.
//
// Goals: <= 50 RunTask calls, <= 1,000 SendMessageBatch calls, dispatch in <= 10 s.
// A second pass at 40 calls/s shows the throttling path: retries reuse their client token and
// every worker still starts exactly once.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import {
  ECSClient,
  ECSServiceException,
  RunTaskCommand,
  type RunTaskCommandInput,
} from "@aws-sdk/client-ecs";
import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import type { InfrastructureOutputs, WorkMessage } from "../../src/cloud/cloud-config.ts";
import { createEcsLauncher } from "../../src/cloud/ecs-launcher.ts";
import { createSqsQueue } from "../../src/cloud/sqs-queue.ts";

const { values } = parseArgs({
  options: { n: { type: "string" }, workers: { type: "string" }, "latency-ms": { type: "string" } },
});
const n = Number(values.n ?? 10_000);
const workers = Number(values.workers ?? 500);
const latencyMs = Number(values["latency-ms"] ?? 100);

const infra: InfrastructureOutputs = {
  region: "us-east-1",
  bucket: "modelfleet-bench",
  queueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/modelfleet-work",
  deadLetterQueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/modelfleet-dead",
  cluster: "modelfleet",
  taskDefinition: "modelfleet-agent:1",
  subnets: ["subnet-a", "subnet-b", "subnet-c"],
  securityGroups: ["sg-1"],
  assignPublicIp: false,
  containerName: "agent",
};

const items: WorkMessage[] = Array.from({ length: n }, (_, i) => ({
  id: `r${String(i).padStart(5, "0")}`,
  key: `k${i.toString(16).padStart(12, "0")}`,
  runConfigKey: "bench/base/run-config.json",
  values: { hk: 1 + (i % 97) / 10, sy: 0.01 + (i % 13) / 1000, rch: 0.0005 * (1 + (i % 7)) },
}));

const ecsMock = mockClient(ECSClient);
const sqsMock = mockClient(SQSClient);

interface FakeEcs {
  arrivals: number[];
  throttled: number;
  started: Set<string>;
  byToken: Map<string, string[]>;
}

function installFakes(): FakeEcs {
  ecsMock.reset();
  sqsMock.reset();
  const fake: FakeEcs = { arrivals: [], throttled: 0, started: new Set(), byToken: new Map() };
  let next = 0;
  ecsMock.on(RunTaskCommand).callsFake(async (input: RunTaskCommandInput) => {
    const now = performance.now();
    fake.arrivals.push(now);
    const inLastSecond = fake.arrivals.filter((t) => t > now - 1000).length;
    await sleep(latencyMs);
    if (inLastSecond > 20) {
      fake.throttled++;
      throw new ECSServiceException({
        name: "ThrottlingException",
        $fault: "client",
        $metadata: { httpStatusCode: 400 },
        message: "Rate exceeded",
      });
    }
    // Idempotent like ECS: a client token seen before gets the tasks it started then.
    let arns = fake.byToken.get(input.clientToken!);
    if (!arns) {
      arns = Array.from(
        { length: input.count ?? 1 },
        () => `arn:aws:ecs:us-east-1:123456789012:task/modelfleet/${next++}`,
      );
      fake.byToken.set(input.clientToken!, arns);
      for (const arn of arns) fake.started.add(arn);
    }
    return { tasks: arns.map((taskArn) => ({ taskArn, lastStatus: "PROVISIONING" })), failures: [] };
  });
  sqsMock.on(SendMessageBatchCommand).callsFake(async (input: SendMessageBatchCommandInput) => {
    await sleep(5);
    return {
      Successful: (input.Entries ?? []).map((e, i) => ({
        Id: e.Id!,
        MessageId: `m-${e.Id}-${i}`,
        MD5OfMessageBody: "",
      })),
      Failed: [],
    };
  });
  return fake;
}

async function dispatch(label: string, callsPerSecond: number) {
  const fake = installFakes();
  const queue = createSqsQueue<WorkMessage>({
    queueUrl: infra.queueUrl,
    client: new SQSClient({ region: infra.region }),
  });
  const launcher = createEcsLauncher({
    client: new ECSClient({ region: infra.region }),
    infra,
    spot: true,
    callsPerSecond,
  });
  const t0 = performance.now();
  let enqueueMs = 0;
  let launchMs = 0;
  const [, launched] = await Promise.all([
    queue.enqueue(items).then(() => {
      enqueueMs = performance.now() - t0;
    }),
    launcher
      .launch({
        count: workers,
        environment: { MODELFLEET_QUEUE_URL: infra.queueUrl },
        token: `bench-${Date.now()}`,
      })
      .then((r) => {
        launchMs = performance.now() - t0;
        return r;
      }),
  ]);
  const totalMs = performance.now() - t0;
  const ecs = launcher.stats();
  const sqs = queue.stats();
  const unique = new Set(launched.started.map((w) => w.id)).size;
  console.log(
    `${label}: ${n} realisations, ${workers} workers, fake ECS latency ${latencyMs} ms\n` +
      `  RunTask calls ${ecs.runTaskCalls} (goal <= 50; ${ecs.runTaskRetries} retries), throttled responses ${ecs.throttled}, ` +
      `workers started ${launched.started.length} (${unique} distinct; fake ECS started ${fake.started.size}), failures ${launched.failures.length}\n` +
      `  SendMessageBatch calls ${sqs.sendMessageBatch} (goal <= 1,000), messages sent ${sqs.messagesSent}\n` +
      `  enqueue ${(enqueueMs / 1000).toFixed(2)} s, launch ${(launchMs / 1000).toFixed(2)} s, ` +
      `dispatch (both) ${(totalMs / 1000).toFixed(2)} s (goal <= 10 s)`,
  );
}

await dispatch("default pace (10 RunTask calls/s)", 10);
await dispatch("aggressive pace (40 RunTask calls/s, throttled by the fake ECS)", 40);
