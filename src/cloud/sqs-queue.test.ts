// Call shapes of the SQS work queue, with the SDK client mocked: batching, retries of failed
// entries, receive parameters, the 12-hour visibility limit and error mapping.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  QueueDoesNotExist,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
  SQSServiceException,
} from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../engine/clock.ts";
import { type Lease, LeaseLostError } from "../engine/work-queue.ts";
import { UserError } from "../errors.ts";
import type { WorkMessage } from "./cloud-config.ts";
import { createSqsQueue, readDeadLetters, regionOfQueueUrl, splitIntoBatches } from "./sqs-queue.ts";

const QUEUE_URL = "https://sqs.eu-west-2.amazonaws.com/123456789012/modelfleet-work";
const HOUR = 3_600_000;

const client = new SQSClient({
  region: "eu-west-2",
  credentials: { accessKeyId: "a", secretAccessKey: "b" },
});
const sqs = mockClient(client);

/** A clock that stands still until sleep() or set() moves it; sleeps are recorded. */
function manualClock(): Clock & { set(ms: number): void; sleeps: number[] } {
  let t = 0;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
    sleeps,
  };
}

function work(i: number, extra = ""): WorkMessage {
  return { id: `r${i}`, key: `k${i}${extra}`, runConfigKey: "runs/config.json", values: { hk: i } };
}

function message(body: unknown, receiveCount = 1, handle = "rh-1") {
  return {
    MessageId: `m-${handle}`,
    ReceiptHandle: handle,
    Body: typeof body === "string" ? body : JSON.stringify(body),
    Attributes: { ApproximateReceiveCount: String(receiveCount) },
  };
}

function sqsError(name: string, message: string) {
  return new SQSServiceException({ name, $fault: "client", $metadata: {}, message });
}

beforeEach(() => {
  sqs.reset();
});

describe("enqueue", () => {
  it("sends batches of at most 10 entries with JSON bodies", async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: input.Entries.map((e: { Id: string }) => ({
        Id: e.Id,
        MessageId: e.Id,
        MD5OfMessageBody: "",
      })),
    }));
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client });
    const items = Array.from({ length: 25 }, (_, i) => work(i));
    await queue.enqueue(items);

    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([10, 10, 5]);
    const sent = calls.flatMap((c) => c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.MessageBody!));
    expect(sent).toEqual(items);
    for (const c of calls) {
      expect(c.args[0].input.QueueUrl).toBe(QUEUE_URL);
      expect(new Set(c.args[0].input.Entries?.map((e) => e.Id)).size).toBe(c.args[0].input.Entries?.length);
    }
    expect(queue.stats()).toMatchObject({
      sendMessageBatch: 3,
      sendMessageBatchRetries: 0,
      messagesSent: 25,
    });
  });

  it("starts a new batch before the bodies pass 1 MiB, measured in UTF-8 bytes", async () => {
    sqs.on(SendMessageBatchCommand).callsFake((input) => ({
      Successful: input.Entries.map((e: { Id: string }) => ({
        Id: e.Id,
        MessageId: e.Id,
        MD5OfMessageBody: "",
      })),
    }));
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client, sendConcurrency: 1 });
    // 115,000 two-byte characters: about 230 KB each as UTF-8, so four fit in 1 MiB and a fifth does not.
    await queue.enqueue(Array.from({ length: 9 }, (_, i) => work(i, "é".repeat(115_000))));

    const calls = sqs.commandCalls(SendMessageBatchCommand);
    expect(calls.map((c) => c.args[0].input.Entries?.length)).toEqual([4, 4, 1]);
    for (const c of calls) {
      const bytes = (c.args[0].input.Entries ?? []).reduce(
        (n, e) => n + Buffer.byteLength(e.MessageBody!),
        0,
      );
      expect(bytes).toBeLessThanOrEqual(1024 * 1024);
    }
  });

  it("refuses a message over the size limit by bytes, naming the item, before sending anything", async () => {
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client });
    // 140,000 characters fit in 256 KiB; 280,000 bytes do not.
    const big = work(7, "é".repeat(140_000));
    const error = await queue.enqueue([work(1), big]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(
      /^item 1 \(id "r7"\) is \d+ bytes as JSON, over the SQS message limit of 262144 bytes/,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(0);
  });

  it("accepts bigger messages when the queue's limit was raised", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Successful: [{ Id: "0", MessageId: "m", MD5OfMessageBody: "" }] });
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client, maxMessageBytes: 1024 * 1024 });
    await queue.enqueue([work(7, "é".repeat(140_000))]);
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it("retries only the entries SQS reports as failed, with backoff", async () => {
    const clock = manualClock();
    sqs
      .on(SendMessageBatchCommand)
      .resolvesOnce({
        Successful: ["0", "1", "2", "4"].map((Id) => ({ Id, MessageId: Id, MD5OfMessageBody: "" })),
        Failed: [
          { Id: "3", SenderFault: false, Code: "InternalError" },
          { Id: "5", SenderFault: false, Code: "ServiceUnavailable" },
        ],
      })
      .resolvesOnce({
        Successful: [{ Id: "0", MessageId: "a", MD5OfMessageBody: "" }],
        Failed: [{ Id: "1", SenderFault: true, Code: "RequestThrottled" }],
      })
      .resolves({ Successful: [{ Id: "0", MessageId: "b", MD5OfMessageBody: "" }] });
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client, clock });
    const items = Array.from({ length: 6 }, (_, i) => work(i));
    await queue.enqueue(items);

    const bodies = sqs
      .commandCalls(SendMessageBatchCommand)
      .map((c) => c.args[0].input.Entries?.map((e) => JSON.parse(e.MessageBody!).id));
    expect(bodies).toEqual([["r0", "r1", "r2", "r3", "r4", "r5"], ["r3", "r5"], ["r5"]]);
    expect(clock.sleeps).toHaveLength(2);
    expect(clock.sleeps[1]!).toBeGreaterThan(clock.sleeps[0]! / 2);
    expect(queue.stats()).toMatchObject({ sendMessageBatch: 3, sendMessageBatchRetries: 2, messagesSent: 6 });
  });

  it("does not retry an entry refused for the sender's fault", async () => {
    sqs.on(SendMessageBatchCommand).resolves({
      Successful: [{ Id: "0", MessageId: "a", MD5OfMessageBody: "" }],
      Failed: [
        { Id: "1", SenderFault: true, Code: "InvalidMessageContents", Message: "Invalid characters found." },
      ],
    });
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client, clock: manualClock() });
    await expect(queue.enqueue([work(0), work(1)])).rejects.toThrow(
      /SQS refused item 1 \(id "r1"\) .*InvalidMessageContents: Invalid characters found/,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(1);
  });

  it("gives up after maxSendAttempts, saying how many messages were not sent", async () => {
    sqs
      .on(SendMessageBatchCommand)
      .resolves({ Failed: [{ Id: "0", SenderFault: false, Code: "InternalError" }] });
    const queue = createSqsQueue<WorkMessage>({
      queueUrl: QUEUE_URL,
      client,
      clock: manualClock(),
      maxSendAttempts: 3,
    });
    await expect(queue.enqueue([work(0)])).rejects.toThrow(
      /did not accept 1 message\(s\) .* after 3 attempts \(InternalError/,
    );
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
  });

  it("sends nothing for no items", async () => {
    await createSqsQueue({ queueUrl: QUEUE_URL, client }).enqueue([]);
    expect(sqs.calls()).toHaveLength(0);
  });
});

describe("lease", () => {
  it("long-polls one message with the visibility in seconds and maps the receive count", async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message(work(3), 2, "rh-3")] });
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client });
    const lease = await queue.lease({ visibilityMs: 90_500, waitMs: 12_400 });

    expect(lease).toEqual({ item: work(3), handle: "rh-3", receiveCount: 2 });
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      MaxNumberOfMessages: 1,
      VisibilityTimeout: 91,
      WaitTimeSeconds: 12,
      MessageSystemAttributeNames: ["ApproximateReceiveCount"],
    });
  });

  it("polls in 20-second long polls until waitMs is spent, then resolves undefined", async () => {
    sqs.on(ReceiveMessageCommand).resolves({});
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client, clock: manualClock() });
    expect(await queue.lease({ visibilityMs: 30_000, waitMs: 45_000 })).toBeUndefined();
    const waits = sqs.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input.WaitTimeSeconds);
    expect(waits).toEqual([20, 20, 5]);
    expect(queue.stats()).toMatchObject({ receiveMessage: 3, emptyReceives: 3 });
  });

  it("short-polls once when waitMs rounds to 0 seconds", async () => {
    sqs.on(ReceiveMessageCommand).resolves({});
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client });
    expect(await queue.lease({ visibilityMs: 1000, waitMs: 400 })).toBeUndefined();
    expect(sqs.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input.WaitTimeSeconds)).toEqual([0]);
  });

  it("resolves undefined when its signal aborts during the long poll, and passes the signal on", async () => {
    sqs.on(ReceiveMessageCommand).callsFake(() => new Promise(() => {}));
    const send = client.send.bind(client);
    let options: unknown;
    const spy = (command: unknown, opts: unknown) => {
      options = opts;
      return send(command as ReceiveMessageCommand, opts as never);
    };
    const clientWithSpy = Object.assign(Object.create(client) as SQSClient, { send: spy });
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client: clientWithSpy });
    const controller = new AbortController();
    const leasing = queue.lease({ visibilityMs: 1000, waitMs: 20_000, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 10));
    const passed = (options as { abortSignal: AbortSignal }).abortSignal;
    expect(passed.aborted).toBe(false);
    controller.abort();
    expect(await leasing).toBeUndefined();
    expect(passed.aborted).toBe(true);
  });

  it("resolves undefined at once for an aborted signal", async () => {
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client });
    expect(await queue.lease({ visibilityMs: 1000, signal: AbortSignal.abort() })).toBeUndefined();
    expect(sqs.calls()).toHaveLength(0);
  });

  it("skips a message whose body is not JSON, reporting it and leaving it for the dead-letter queue", async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message("not json {", 1, "rh-bad")] })
      .resolves({ Messages: [message(work(1))] });
    const invalid: string[] = [];
    const queue = createSqsQueue<WorkMessage>({
      queueUrl: QUEUE_URL,
      client,
      onInvalidMessage: (m) => invalid.push(m.body),
    });
    const lease = await queue.lease({ visibilityMs: 1000 });
    expect(lease?.item).toEqual(work(1));
    expect(invalid).toEqual(["not json {"]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(queue.stats().invalidMessages).toBe(1);
  });

  it("counts a receive SQS does not answer within its long poll and a grace period as empty", async () => {
    sqs.on(ReceiveMessageCommand).callsFake(() => new Promise(() => {}));
    const clock = manualClock();
    const unanswered: string[] = [];
    const queue = createSqsQueue<WorkMessage>({
      queueUrl: QUEUE_URL,
      client,
      clock,
      receiveGraceMs: 10,
      onUnansweredReceive: (reason) => unanswered.push(reason),
    });
    expect(await queue.lease({ visibilityMs: 1000, waitMs: 400 })).toBeUndefined();
    expect(queue.stats()).toMatchObject({ receiveMessage: 1, emptyReceives: 1, unansweredReceives: 1 });
    expect(unanswered).toEqual([
      `SQS did not answer ReceiveMessage on ${QUEUE_URL} within 1 s (no answer); counted as an empty receive`,
    ]);
  });

  it("pauses longer after each unanswered receive in a row, within the wait asked for", async () => {
    const timeout = Object.assign(new Error("socket timed out"), { name: "TimeoutError" });
    sqs.on(ReceiveMessageCommand).rejects(timeout);
    const clock = manualClock();
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client, clock });
    expect(await queue.lease({ visibilityMs: 1000, waitMs: 45_000 })).toBeUndefined();
    const waits = sqs.commandCalls(ReceiveMessageCommand).map((c) => c.args[0].input.WaitTimeSeconds);
    expect(waits).toEqual([20, 20, 2]);
    expect(clock.sleeps).toEqual([1_000, 2_000, 4_000]);
    expect(queue.stats()).toMatchObject({ receiveMessage: 3, emptyReceives: 3, unansweredReceives: 3 });
  });

  it("counts a receive that cannot reach SQS as empty; an answer resets the pause", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:9"), { code: "ECONNREFUSED" });
    sqs.on(ReceiveMessageCommand).rejectsOnce(refused).resolvesOnce({}).rejects(refused);
    const clock = manualClock();
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client, clock });
    for (let i = 0; i < 3; i++)
      expect(await queue.lease({ visibilityMs: 1000, waitMs: 3_000 })).toBeUndefined();
    expect(clock.sleeps).toEqual([1_000, 1_000]);
    expect(queue.stats()).toMatchObject({ receiveMessage: 3, unansweredReceives: 2, emptyReceives: 3 });
  });

  it("still fails at once on an error that is not about reaching SQS", async () => {
    sqs.on(ReceiveMessageCommand).rejects(new QueueDoesNotExist({ $metadata: {}, message: "gone" }));
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client, clock: manualClock() });
    await expect(queue.lease({ visibilityMs: 1000, waitMs: 3_000 })).rejects.toThrow(/does not exist/);
  });
});

describe("heartbeat", () => {
  async function leased(clock: Clock, onVisibilityCapped?: (lease: Lease<WorkMessage>) => void) {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message(work(1))] });
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client, clock, onVisibilityCapped });
    const lease = (await queue.lease({ visibilityMs: HOUR }))!;
    return { queue, lease };
  }

  it("extends the lease with ChangeMessageVisibility", async () => {
    const clock = manualClock();
    const { queue, lease } = await leased(clock);
    clock.set(HOUR / 2);
    await queue.heartbeat(lease, 120_000);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)[0]!.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      ReceiptHandle: "rh-1",
      VisibilityTimeout: 120,
    });
  });

  it("stops at the 12-hour limit, reports the lease once, then lets it lapse", async () => {
    const clock = manualClock();
    const capped: Lease<WorkMessage>[] = [];
    const { queue, lease } = await leased(clock, (l) => capped.push(l));
    for (let t = HOUR / 2; t <= 10.5 * HOUR; t += HOUR / 2) {
      clock.set(t);
      await queue.heartbeat(lease, HOUR);
    }
    expect(capped).toEqual([]);

    clock.set(11 * HOUR);
    await queue.heartbeat(lease, HOUR);
    // What is left of the 12 hours, less a 30-second margin for latency.
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).at(-1)!.args[0].input.VisibilityTimeout).toBe(
      3570,
    );
    expect(capped).toEqual([lease]);

    // The lease already ends at the limit: nothing to send, nothing more to report.
    const calls = sqs.commandCalls(ChangeMessageVisibilityCommand).length;
    clock.set(11.5 * HOUR);
    await queue.heartbeat(lease, HOUR);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(calls);
    expect(capped).toHaveLength(1);
    expect(queue.stats().visibilityCapped).toBe(1);

    clock.set(12 * HOUR);
    await expect(queue.heartbeat(lease, HOUR)).rejects.toBeInstanceOf(LeaseLostError);
  });

  it("caps a lease asked for longer than 12 hours and reports it", async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message(work(1))] });
    const capped: unknown[] = [];
    const queue = createSqsQueue<WorkMessage>({
      queueUrl: QUEUE_URL,
      client,
      onVisibilityCapped: (l) => capped.push(l),
    });
    const lease = await queue.lease({ visibilityMs: 13 * HOUR });
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input.VisibilityTimeout).toBe(43_200);
    expect(capped).toEqual([lease]);
  });

  it("throws LeaseLostError without calling SQS once the lease has surely lapsed", async () => {
    const clock = manualClock();
    const { queue, lease } = await leased(clock);
    clock.set(HOUR);
    await expect(queue.heartbeat(lease, HOUR)).rejects.toBeInstanceOf(LeaseLostError);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);
  });

  it.each([
    [
      "ReceiptHandleIsInvalid",
      new ReceiptHandleIsInvalid({ message: "The input receipt handle is invalid.", $metadata: {} }),
    ],
    [
      "an expired handle",
      sqsError(
        "InvalidParameterValue",
        "Value AQEB for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.",
      ),
    ],
  ])("maps %s to LeaseLostError", async (_, error) => {
    const { queue, lease } = await leased(manualClock());
    sqs.on(ChangeMessageVisibilityCommand).rejects(error);
    await expect(queue.heartbeat(lease, 60_000)).rejects.toBeInstanceOf(LeaseLostError);
  });

  it("treats SQS refusing past the 12-hour limit as capped, not as an error", async () => {
    const capped: unknown[] = [];
    const { queue, lease } = await leased(manualClock(), (l) => capped.push(l));
    sqs
      .on(ChangeMessageVisibilityCommand)
      .rejects(
        sqsError(
          "InvalidParameterValue",
          "Value 3600 for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds].",
        ),
      );
    await queue.heartbeat(lease, HOUR);
    expect(capped).toEqual([lease]);
  });

  it("turns a missing queue into one sentence with the next step", async () => {
    const { queue, lease } = await leased(manualClock());
    sqs
      .on(ChangeMessageVisibilityCommand)
      .rejects(new QueueDoesNotExist({ message: "The specified queue does not exist.", $metadata: {} }));
    const error = await queue.heartbeat(lease, 60_000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `SQS queue ${QUEUE_URL} does not exist; check queueUrl in the infrastructure outputs, or run the infrastructure step again.`,
    );
    expect((error as Error).cause).toBeInstanceOf(QueueDoesNotExist);
  });

  it("passes other errors through unchanged", async () => {
    const { queue, lease } = await leased(manualClock());
    const odd = sqsError("SomethingNew", "a new kind of failure");
    sqs.on(ChangeMessageVisibilityCommand).rejects(odd);
    await expect(queue.heartbeat(lease, 60_000)).rejects.toBe(odd);
  });
});

describe("ack, release and counts", () => {
  async function leased(clock: Clock = manualClock()) {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message(work(1))] });
    const queue = createSqsQueue<WorkMessage>({ queueUrl: QUEUE_URL, client, clock });
    return { queue, lease: (await queue.lease({ visibilityMs: 60_000 }))! };
  }

  it("acks with DeleteMessage and swallows an expired receipt handle", async () => {
    const { queue, lease } = await leased();
    sqs
      .on(DeleteMessageCommand)
      .rejects(
        sqsError(
          "InvalidParameterValue",
          "Value x for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.",
        ),
      );
    await queue.ack(lease);
    expect(sqs.commandCalls(DeleteMessageCommand)[0]!.args[0].input).toEqual({
      QueueUrl: QUEUE_URL,
      ReceiptHandle: "rh-1",
    });
  });

  it("does not swallow other DeleteMessage errors", async () => {
    const { queue, lease } = await leased();
    sqs.on(DeleteMessageCommand).rejects(sqsError("AccessDenied", "not allowed"));
    await expect(queue.ack(lease)).rejects.toThrow(
      /AWS refused DeleteMessage on .* \(AccessDenied\); check that the credentials/,
    );
  });

  it("releases with ChangeMessageVisibility to the delay in whole seconds, 0 by default", async () => {
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    const first = await leased();
    await first.queue.release(first.lease);
    const second = await leased();
    await second.queue.release(second.lease, 1500);
    expect(
      sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.VisibilityTimeout),
    ).toEqual([0, 2]);
  });

  it("does nothing when releasing a lapsed lease, and ignores a handle that expired meanwhile", async () => {
    const clock = manualClock();
    const { queue, lease } = await leased(clock);
    clock.set(61_000);
    await queue.release(lease);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(0);

    const again = await leased(manualClock());
    sqs
      .on(ChangeMessageVisibilityCommand)
      .rejects(new ReceiptHandleIsInvalid({ message: "gone", $metadata: {} }));
    await again.queue.release(again.lease);
  });

  it("counts delayed messages as visible", async () => {
    sqs.on(GetQueueAttributesCommand).resolves({
      Attributes: {
        ApproximateNumberOfMessages: "7",
        ApproximateNumberOfMessagesNotVisible: "3",
        ApproximateNumberOfMessagesDelayed: "2",
      },
    });
    const queue = createSqsQueue({ queueUrl: QUEUE_URL, client });
    expect(await queue.counts()).toEqual({ visible: 9, inFlight: 3 });
    expect(sqs.commandCalls(GetQueueAttributesCommand)[0]!.args[0].input.AttributeNames).toEqual([
      "ApproximateNumberOfMessages",
      "ApproximateNumberOfMessagesNotVisible",
      "ApproximateNumberOfMessagesDelayed",
    ]);
  });
});

describe("readDeadLetters", () => {
  it("reads until the queue is empty, and deletes what it read when asked", async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(work(1), 4, "h1"), message("garbage", 5, "h2")] })
      .resolvesOnce({ Messages: [message(work(3), 4, "h3")] })
      .resolves({});
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [] });
    const letters = await readDeadLetters<WorkMessage>("https://sqs.eu-west-2.amazonaws.com/1/dlq", {
      client,
      delete: true,
      waitMs: 0,
    });
    expect(letters.map((l) => [l.messageId, l.item?.id, l.receiveCount])).toEqual([
      ["m-h1", "r1", 4],
      ["m-h2", undefined, 5],
      ["m-h3", "r3", 4],
    ]);
    expect(letters[1]!.body).toBe("garbage");
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toMatchObject({
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: 0,
      VisibilityTimeout: 300,
    });
    expect(
      sqs
        .commandCalls(DeleteMessageBatchCommand)
        .map((c) => c.args[0].input.Entries?.map((e) => e.ReceiptHandle)),
    ).toEqual([["h1", "h2"], ["h3"]]);
  });

  it("leaves the messages alone unless asked to delete", async () => {
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message(work(1))] })
      .resolves({});
    expect(
      await readDeadLetters("https://sqs.eu-west-2.amazonaws.com/1/dlq", { client, waitMs: 0 }),
    ).toHaveLength(1);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });
});

describe("helpers", () => {
  it("splits by count and by bytes, never leaving a batch empty", () => {
    const sizes = (bytes: number[]) =>
      splitIntoBatches(bytes.map((b) => ({ bytes: b }))).map((batch) => batch.length);
    expect(sizes(Array(21).fill(1))).toEqual([10, 10, 1]);
    expect(sizes([600_000, 448_576, 1])).toEqual([2, 1]);
    expect(sizes([1_048_576, 1_048_576])).toEqual([1, 1]);
    expect(sizes([])).toEqual([]);
  });

  it("reads the region from an AWS queue URL only", () => {
    expect(regionOfQueueUrl(QUEUE_URL)).toBe("eu-west-2");
    expect(regionOfQueueUrl("https://us-east-1.queue.amazonaws.com/1/q")).toBe("us-east-1");
    expect(regionOfQueueUrl("http://127.0.0.1:9324/000000000000/q")).toBeUndefined();
    expect(regionOfQueueUrl("not a url")).toBeUndefined();
  });
});
