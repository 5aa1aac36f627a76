// The fake SQS against the real @aws-sdk/client-sqs, and the SQS work queue against the fake.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import type { WorkMessage } from "../../src/cloud/cloud-config.ts";
import { createSqsClient, createSqsQueue, readDeadLetters } from "../../src/cloud/sqs-queue.ts";
import { createFakeClock, type FakeClock } from "../../src/engine/fake-clock.ts";
import { LeaseLostError } from "../../src/engine/work-queue.ts";
import { type FakeSqs, startFakeSqs } from "./fake-sqs.ts";

const credentials = { accessKeyId: "fake", secretAccessKey: "fake" };
const HOUR = 3_600_000;

function work(i: number): WorkMessage {
  return { id: `r${i}`, key: `k${i}`, runConfigKey: "runs/config.json", values: { hk: i / 10 } };
}

let queueCount = 0;
const uniqueName = (prefix: string) => `${prefix}-${++queueCount}`;

describe("fake SQS with the real SDK client (system clock)", () => {
  let sqs: FakeSqs;
  let client: SQSClient;
  beforeAll(async () => {
    sqs = await startFakeSqs();
    client = createSqsClient({ endpoint: sqs.endpoint, region: "us-east-1", credentials });
  });
  afterAll(async () => {
    client.destroy();
    await sqs.close();
  });

  it("sends, receives (the SDK checks the MD5 digests) and deletes", async () => {
    const url = sqs.createQueue(uniqueName("basic"), { visibilityTimeoutSeconds: 30 });
    const sent = await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "grüße 🌊" }));
    const received = await client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
      }),
    );
    const m = received.Messages?.[0];
    expect(m?.MessageId).toBe(sent.MessageId);
    expect(m?.Body).toBe("grüße 🌊");
    expect(m?.Attributes?.ApproximateReceiveCount).toBe("1");
    expect(m?.Attributes?.SentTimestamp).toMatch(/^\d+$/);
    expect(sqs.messages(url).map((x) => x.state)).toEqual(["in-flight"]);

    await client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m!.ReceiptHandle! }));
    expect(sqs.messages(url)).toEqual([]);
    expect((await client.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
  });

  it("sends and deletes in batches, reports per-entry failures, counts, looks up and purges", async () => {
    const name = uniqueName("batch");
    const url = sqs.createQueue(name, { visibilityTimeoutSeconds: 30, maxMessageBytes: 1024 });
    expect((await client.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl).toBe(url);

    const batch = await client.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "a", MessageBody: "one" },
          { Id: "b", MessageBody: "x".repeat(2000) },
          { Id: "c", MessageBody: "three" },
          { Id: "d", MessageBody: "bad \uFFFF char" },
        ],
      }),
    );
    expect(batch.Successful?.map((s) => s.Id)).toEqual(["a", "c"]);
    expect(batch.Failed?.map((f) => [f.Id, f.SenderFault, f.Code])).toEqual([
      ["b", true, "InvalidParameterValue"],
      ["d", true, "InvalidMessageContents"],
    ]);

    const received = await client.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(received.Messages?.map((m) => m.Body)).toEqual(["one", "three"]);
    const attributes = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    expect(attributes.Attributes).toEqual({
      ApproximateNumberOfMessages: "0",
      ApproximateNumberOfMessagesNotVisible: "2",
    });

    const deleted = await client.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: "x", ReceiptHandle: received.Messages![0]!.ReceiptHandle! },
          { Id: "y", ReceiptHandle: "not-a-handle" },
        ],
      }),
    );
    expect(deleted.Successful?.map((s) => s.Id)).toEqual(["x"]);
    expect(deleted.Failed?.map((f) => [f.Id, f.Code])).toEqual([["y", "ReceiptHandleIsInvalid"]]);

    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "more" }));
    await client.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect(sqs.messages(url)).toEqual([]);
  });

  it("answers for a queue that does not exist with the SDK's QueueDoesNotExist", async () => {
    const error = await client
      .send(new SendMessageCommand({ QueueUrl: `${sqs.endpoint}/000000000000/nope`, MessageBody: "x" }))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueDoesNotExist);
    expect((error as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode).toBe(400);
  });

  it("wakes a long poll when a message is sent", async () => {
    const url = sqs.createQueue(uniqueName("longpoll"), { visibilityTimeoutSeconds: 30 });
    const started = Date.now();
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }));
    await new Promise((r) => setTimeout(r, 150));
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "wake up" }));
    const received = await polling;
    expect(received.Messages?.[0]?.Body).toBe("wake up");
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it("wakes a long poll when a message is made visible again", async () => {
    const url = sqs.createQueue(uniqueName("longpoll-cmv"), { visibilityTimeoutSeconds: 30 });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "again" }));
    const first = await client.send(new ReceiveMessageCommand({ QueueUrl: url }));
    const polling = client.send(
      new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10, MessageSystemAttributeNames: ["All"] }),
    );
    await new Promise((r) => setTimeout(r, 150));
    await client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: url,
        ReceiptHandle: first.Messages![0]!.ReceiptHandle!,
        VisibilityTimeout: 0,
      }),
    );
    const again = await polling;
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe("2");
  });

  it("ends an empty long poll after WaitTimeSeconds", async () => {
    const url = sqs.createQueue(uniqueName("empty"), { visibilityTimeoutSeconds: 30 });
    const started = Date.now();
    expect(
      (await client.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }))).Messages,
    ).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it("does not hide messages from others when a long poll is aborted", async () => {
    const url = sqs.createQueue(uniqueName("abort"), { visibilityTimeoutSeconds: 30 });
    const controller = new AbortController();
    const polling = client
      .send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10 }), {
        abortSignal: controller.signal,
      })
      .catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    controller.abort();
    expect(((await polling) as Error).name).toBe("AbortError");
    await new Promise((r) => setTimeout(r, 50));
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "for someone else" }));
    expect(sqs.messages(url).map((m) => m.state)).toEqual(["visible"]);
  });

  it("counts calls per action and injects faults", async () => {
    const url = sqs.createQueue(uniqueName("faults"), { visibilityTimeoutSeconds: 30 });
    const before = sqs.stats().SendMessage ?? 0;
    sqs.failNext("SendMessage", {
      type: "QueueDoesNotExist",
      queryCode: "AWS.SimpleQueueService.NonExistentQueue",
    });
    await expect(
      client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" })),
    ).rejects.toBeInstanceOf(QueueDoesNotExist);
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "x" }));
    expect(sqs.stats().SendMessage).toBe(before + 2);
  });

  it("serves a client configured only by AWS_ENDPOINT_URL_SQS, AWS_REGION and credentials in the environment", async () => {
    vi.stubEnv("AWS_ENDPOINT_URL_SQS", sqs.endpoint);
    vi.stubEnv("AWS_REGION", "us-east-1");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "fake");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "fake");
    const fromEnv = createSqsClient();
    try {
      const url = sqs.createQueue(uniqueName("env"), { visibilityTimeoutSeconds: 30 });
      const queue = createSqsQueue<WorkMessage>({ queueUrl: url, client: fromEnv });
      await queue.enqueue([work(1)]);
      expect(sqs.messages(url)).toHaveLength(1);
    } finally {
      fromEnv.destroy();
      vi.unstubAllEnvs();
    }
  });
});

describe("fake SQS semantics on a fake clock", () => {
  let clock: FakeClock;
  let sqs: FakeSqs;
  let client: SQSClient;
  beforeAll(async () => {
    clock = createFakeClock(1_700_000_000_000);
    sqs = await startFakeSqs({ clock });
    client = createSqsClient({ endpoint: sqs.endpoint, region: "us-east-1", credentials });
  });
  afterAll(async () => {
    client.destroy();
    await sqs.close();
  });

  const receive = (url: string, visibilityTimeout?: number) =>
    client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        VisibilityTimeout: visibilityTimeout,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
    );

  it("hides a received message for the visibility timeout, then delivers it again", async () => {
    const url = sqs.createQueue(uniqueName("lapse"), { visibilityTimeoutSeconds: 30 });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "m" }));
    const first = (await receive(url)).Messages![0]!;
    await clock.advance(29_000);
    expect((await receive(url)).Messages).toBeUndefined();
    await clock.advance(1_000);
    const second = (await receive(url)).Messages![0]!;
    expect(second.MessageId).toBe(first.MessageId);
    expect(second.Attributes?.ApproximateReceiveCount).toBe("2");
    expect(second.ReceiptHandle).not.toBe(first.ReceiptHandle);

    // The first receive's handle no longer changes visibility.
    await expect(
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: first.ReceiptHandle!,
          VisibilityTimeout: 60,
        }),
      ),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringMatching(/ReceiptHandle is invalid/),
    });
  });

  it("moves a message to the dead-letter queue on the receive after maxReceiveCount", async () => {
    const dlq = sqs.createQueue(uniqueName("dlq"), { visibilityTimeoutSeconds: 30 });
    const url = sqs.createQueue(uniqueName("redrive"), {
      visibilityTimeoutSeconds: 10,
      maxReceiveCount: 2,
      deadLetterQueue: dlq,
    });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "poison" }));
    for (let i = 1; i <= 2; i++) {
      expect((await receive(url)).Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe(String(i));
      await clock.advance(10_000);
    }
    expect((await receive(url)).Messages).toBeUndefined();
    expect(sqs.messages(url)).toEqual([]);
    expect(sqs.messages(dlq).map((m) => [m.body, m.receiveCount, m.state])).toEqual([
      ["poison", 2, "visible"],
    ]);
    const attributes = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["RedrivePolicy"] }),
    );
    expect(JSON.parse(attributes.Attributes!.RedrivePolicy!)).toMatchObject({ maxReceiveCount: 2 });
  });

  it("refuses to hold a receive past 12 hours", async () => {
    const url = sqs.createQueue(uniqueName("cap"), { visibilityTimeoutSeconds: 30 });
    await client.send(new SendMessageCommand({ QueueUrl: url, MessageBody: "long" }));
    const handle = (await receive(url, 43_200)).Messages![0]!.ReceiptHandle!;
    await clock.advance(HOUR);
    await expect(
      client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: url,
          ReceiptHandle: handle,
          VisibilityTimeout: 43_200,
        }),
      ),
    ).rejects.toMatchObject({
      name: "InvalidParameterValue",
      message: expect.stringMatching(/Total VisibilityTimeout/),
    });
    await client.send(
      new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: handle, VisibilityTimeout: 39_600 }),
    );
  });
});

describe("createSqsQueue against the fake SQS", () => {
  let clock: FakeClock;
  let sqs: FakeSqs;
  let client: SQSClient;
  beforeAll(async () => {
    clock = createFakeClock(1_700_000_000_000);
    sqs = await startFakeSqs({ clock });
    client = createSqsClient({ endpoint: sqs.endpoint, region: "us-east-1", credentials });
  });
  afterAll(async () => {
    client.destroy();
    await sqs.close();
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("runs an ensemble: enqueue in batches, lease, heartbeat, release, ack, counts", async () => {
    const url = sqs.createQueue(uniqueName("ensemble"), { visibilityTimeoutSeconds: 30 });
    const queue = createSqsQueue<WorkMessage>({ queueUrl: url, client, clock });
    const items = Array.from({ length: 23 }, (_, i) => work(i));
    await queue.enqueue(items);
    expect(queue.stats()).toMatchObject({ sendMessageBatch: 3, messagesSent: 23 });
    expect(await queue.counts()).toEqual({ visible: 23, inFlight: 0 });

    const first = (await queue.lease({ visibilityMs: 60_000 }))!;
    expect(first.receiveCount).toBe(1);
    await clock.advance(50_000);
    await queue.heartbeat(first, 60_000);
    await clock.advance(50_000);
    // Still held thanks to the heartbeat: nobody else gets it.
    await queue.release(first, 5_000);
    expect(await queue.counts()).toEqual({ visible: 22, inFlight: 1 });
    await clock.advance(5_000);

    const done: WorkMessage[] = [];
    for (;;) {
      const lease = await queue.lease({ visibilityMs: 60_000 });
      if (!lease) break;
      done.push(lease.item);
      if (lease.item.id === first.item.id) expect(lease.receiveCount).toBe(2);
      await queue.ack(lease);
    }
    expect(done.map((w) => w.id).sort()).toEqual(items.map((w) => w.id).sort());
    expect(await queue.counts()).toEqual({ visible: 0, inFlight: 0 });
    expect(sqs.messages(url)).toEqual([]);
  });

  it("a lapsed lease: heartbeat throws LeaseLostError, ack and release do not throw", async () => {
    const url = sqs.createQueue(uniqueName("lost"), { visibilityTimeoutSeconds: 30 });
    const queue = createSqsQueue<WorkMessage>({ queueUrl: url, client, clock });
    await queue.enqueue([work(1)]);
    const stale = (await queue.lease({ visibilityMs: 10_000 }))!;
    await clock.advance(11_000);
    const fresh = (await queue.lease({ visibilityMs: 10_000 }))!;
    expect(fresh.receiveCount).toBe(2);

    await expect(queue.heartbeat(stale, 10_000)).rejects.toBeInstanceOf(LeaseLostError);
    await queue.release(stale);
    // The lease SQS superseded: a second queue object (another worker) does not know it lapsed,
    // so SQS itself must say so.
    const other = createSqsQueue<WorkMessage>({ queueUrl: url, client, clock });
    await expect(other.heartbeat(stale, 10_000)).rejects.toBeInstanceOf(LeaseLostError);
    await other.release(stale);
    expect(sqs.messages(url).map((m) => m.state)).toEqual(["in-flight"]);

    await queue.heartbeat(fresh, 10_000);
    await queue.ack(fresh);
    expect(sqs.messages(url)).toEqual([]);
  });

  it("extends a lease up to the 12-hour limit, reports it, then lets it lapse", async () => {
    const url = sqs.createQueue(uniqueName("twelve"), { visibilityTimeoutSeconds: 30 });
    const capped: string[] = [];
    const queue = createSqsQueue<WorkMessage>({
      queueUrl: url,
      client,
      clock,
      onVisibilityCapped: (lease) => capped.push(lease.item.id),
    });
    await queue.enqueue([work(1)]);
    const lease = (await queue.lease({ visibilityMs: HOUR }))!;
    for (let i = 0; i < 24; i++) {
      await clock.advance(HOUR / 2);
      if (i < 23) await queue.heartbeat(lease, HOUR);
    }
    expect(capped).toEqual(["r1"]);
    // 11.5 hours in, the lease ends 30 s before the limit; past it, the item is visible again.
    await expect(queue.heartbeat(lease, HOUR)).rejects.toBeInstanceOf(LeaseLostError);
    const again = (await queue.lease({ visibilityMs: HOUR }))!;
    expect(again.receiveCount).toBe(2);
    await queue.ack(again);
  });

  it("resolves an aborted lease to undefined without taking the message that arrives later", async () => {
    // A real clock: the long poll must really wait on the server.
    const live = await startFakeSqs();
    const liveClient = createSqsClient({ endpoint: live.endpoint, region: "us-east-1", credentials });
    try {
      const url = live.createQueue("aborted", { visibilityTimeoutSeconds: 30 });
      const queue = createSqsQueue<WorkMessage>({ queueUrl: url, client: liveClient });
      const controller = new AbortController();
      const leasing = queue.lease({ visibilityMs: 30_000, waitMs: 20_000, signal: controller.signal });
      await new Promise((r) => setTimeout(r, 100));
      controller.abort();
      expect(await leasing).toBeUndefined();
      await new Promise((r) => setTimeout(r, 50));
      await queue.enqueue([work(5)]);
      expect(live.messages(url).map((m) => m.state)).toEqual(["visible"]);
      expect((await queue.lease({ visibilityMs: 30_000 }))?.item).toEqual(work(5));
    } finally {
      liveClient.destroy();
      await live.close();
    }
  });

  it("re-sends the entries SQS reports as failed, and survives a 500 the SDK retries", async () => {
    const url = sqs.createQueue(uniqueName("retry"), { visibilityTimeoutSeconds: 30 });
    // Backoff sleeps return at once; the fake clock would otherwise hold them.
    const instant = { now: () => clock.now(), sleep: async () => {} };
    const queue = createSqsQueue<WorkMessage>({ queueUrl: url, client, clock: instant, sendConcurrency: 1 });
    const before = sqs.stats().SendMessageBatch ?? 0;
    sqs.failNextBatchEntries(3);
    await queue.enqueue(Array.from({ length: 12 }, (_, i) => work(i)));
    expect(queue.stats()).toMatchObject({
      sendMessageBatch: 3,
      sendMessageBatchRetries: 1,
      messagesSent: 12,
    });
    expect(sqs.stats().SendMessageBatch).toBe(before + 3);

    sqs.failNext("SendMessageBatch", { type: "InternalError", status: 500 });
    await queue.enqueue([work(12)]);
    const bodies = sqs.messages(url).map((m) => (JSON.parse(m.body) as WorkMessage).id);
    expect(bodies.sort()).toEqual(Array.from({ length: 13 }, (_, i) => `r${i}`).sort());
  });

  it("reports dead letters as failed realisations, and deletes them when asked", async () => {
    const dlq = sqs.createQueue(uniqueName("dead"), { visibilityTimeoutSeconds: 30 });
    const url = sqs.createQueue(uniqueName("work"), {
      visibilityTimeoutSeconds: 30,
      maxReceiveCount: 1,
      deadLetterQueue: dlq,
    });
    const queue = createSqsQueue<WorkMessage>({ queueUrl: url, client, clock });
    await queue.enqueue([work(1), work(2)]);
    const a = (await queue.lease({ visibilityMs: 10_000 }))!;
    await queue.ack(a);
    await queue.lease({ visibilityMs: 10_000 });
    await clock.advance(10_000);
    expect(await queue.lease({ visibilityMs: 10_000 })).toBeUndefined();

    const letters = await readDeadLetters<WorkMessage>(dlq, { client, waitMs: 0, delete: true });
    expect(letters.map((l) => [l.item?.id, l.receiveCount])).toEqual([["r2", 2]]);
    expect(sqs.messages(dlq)).toEqual([]);
  });
});
