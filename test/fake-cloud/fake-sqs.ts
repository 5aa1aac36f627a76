// An in-memory SQS for the fake cloud: an HTTP server on 127.0.0.1 that speaks the AWS JSON
// 1.0 protocol of @aws-sdk/client-sqs, so separate agent processes use the real SDK against
// it (endpoint = this server, any credentials). It keeps the SQS semantics the engine relies
// on: visibility timeouts, receive counts, redrive to a dead-letter queue after
// maxReceiveCount receives, long polls that wake when a message becomes visible, the 12-hour
// visibility limit, and MD5 digests the SDK checks.
//
// Protocol, as the SDK (v3, AwsJson1_0Protocol with awsQueryCompatible) sends and parses it:
// POST / with `x-amz-target: AmazonSQS.<Action>`, `content-type: application/x-amz-json-1.0`
// and a JSON body; replies are JSON. Errors carry `{"__type": "com.amazonaws.sqs#<Shape>",
// "message"}` and the header `x-amzn-query-error: <query code>;Sender`, from which the SDK
// takes the code (e.g. AWS.SimpleQueueService.NonExistentQueue) and picks the modelled
// exception class (QueueDoesNotExist).
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type Clock, systemClock } from "../../src/engine/clock.ts";

export interface FakeSqsOptions {
  clock?: Clock;
}

export interface FakeQueueOptions {
  /** The queue's default visibility timeout, used when ReceiveMessage does not set one. */
  visibilityTimeoutSeconds: number;
  /** Receives allowed before the next receive moves the message to deadLetterQueue. */
  maxReceiveCount?: number;
  /** URL (or name) of a queue created before, for the redrive policy. */
  deadLetterQueue?: string;
  /** MaximumMessageSize in bytes (default 256 KiB; SQS allows up to 1 MiB). */
  maxMessageBytes?: number;
}

export interface FakeSqsMessage {
  readonly messageId: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly state: "visible" | "in-flight" | "delayed";
  readonly sentAt: number;
}

/** An error the next calls of an action answer with, to test retries and error mapping. */
export interface FakeSqsFault {
  /** The shape name in __type, e.g. "QueueDoesNotExist", "RequestThrottled", "InternalError". */
  type: string;
  /** The code in x-amzn-query-error (default: type). */
  queryCode?: string;
  status?: number;
  message?: string;
}

export interface FakeSqs {
  /** http://127.0.0.1:<port>: pass it as the SDK endpoint (or AWS_ENDPOINT_URL_SQS). */
  readonly endpoint: string;
  /** Creates a queue; returns its URL (on this server, so the SDK's queue-URL host check agrees). */
  createQueue(name: string, options: FakeQueueOptions): string;
  /** Calls answered so far, by action (SendMessageBatch, ReceiveMessage...). */
  stats(): Record<string, number>;
  /** The messages a queue holds, oldest first, for assertions. */
  messages(queueUrl: string): FakeSqsMessage[];
  /** Answers the next `times` calls of `action` with `fault` instead. */
  failNext(action: string, fault: FakeSqsFault, times?: number): void;
  /** Reports the next `count` SendMessageBatch entries as failed by SQS (SenderFault false,
   * InternalError) in an otherwise successful reply, as SQS does under partial failure. */
  failNextBatchEntries(count: number): void;
  close(): Promise<void>;
}

const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_BATCH_BYTES = 1024 * 1024;
const MAX_SLEEP_MS = 2 ** 31 - 1;
// The characters SQS accepts in a message body.
const INVALID_BODY_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  readonly md5: string;
  readonly sentAt: number;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  /** When the current (or last) receive happened: the 12-hour limit counts from it. */
  receivedAt: number;
  /** The handle of the last receive; kept after it lapses, to tell "lapsed" from "taken". */
  handle: string | undefined;
}

interface Queue {
  readonly name: string;
  readonly url: string;
  readonly arn: string;
  readonly createdAt: number;
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount: number | undefined;
  readonly deadLetterQueue: Queue | undefined;
  readonly maxMessageBytes: number;
  /** Insertion order is send order, which is the order receives prefer. */
  readonly messages: Map<string, StoredMessage>;
  readonly waiters: Set<() => void>;
}

/** An SQS error reply. */
class SqsError extends Error {
  readonly type: string;
  readonly queryCode: string;
  readonly status: number;
  constructor(type: string, message: string, options: { queryCode?: string; status?: number } = {}) {
    super(message);
    this.type = type;
    this.queryCode = options.queryCode ?? type;
    this.status = options.status ?? 400;
  }
}

const invalidParameter = (message: string) => new SqsError("InvalidParameterValue", message);

function md5(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

export async function startFakeSqs(options: FakeSqsOptions = {}): Promise<FakeSqs> {
  const clock = options.clock ?? systemClock;
  const queues = new Map<string, Queue>();
  const calls = new Map<string, number>();
  const faults = new Map<string, { fault: FakeSqsFault; times: number }>();
  let failingEntries = 0;
  let closed = false;

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent)
        reply(res, 500, { __type: "com.amazonaws.sqs#InternalError", message: String(e) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;

  function queueOf(queueUrl: unknown): Queue {
    if (typeof queueUrl !== "string") throw invalidParameter("Value for parameter QueueUrl is invalid.");
    let name: string | undefined;
    try {
      const segments = new URL(queueUrl).pathname.split("/").filter(Boolean);
      if (segments.length === 2 && segments[0] === ACCOUNT) name = segments[1];
    } catch {
      // Not a URL: falls through to "does not exist", as SQS answers.
    }
    const queue = name === undefined ? undefined : queues.get(name);
    if (!queue) {
      throw new SqsError("QueueDoesNotExist", "The specified queue does not exist.", {
        queryCode: "AWS.SimpleQueueService.NonExistentQueue",
      });
    }
    return queue;
  }

  function wake(queue: Queue): void {
    for (const w of queue.waiters) w();
  }

  function stateOf(m: StoredMessage, now: number): FakeSqsMessage["state"] {
    if (m.visibleAt <= now) return "visible";
    return m.handle === undefined ? "delayed" : "in-flight";
  }

  function newHandle(queue: Queue, m: StoredMessage): string {
    const payload = Buffer.from(JSON.stringify([queue.name, m.id, m.receiveCount])).toString("base64url");
    return `${payload}.${randomBytes(8).toString("hex")}`;
  }

  /** The message a receipt handle was issued for, or undefined when it is gone. */
  function messageOfHandle(queue: Queue, handle: unknown): StoredMessage | undefined {
    let parsed: unknown;
    try {
      if (typeof handle !== "string") throw new Error();
      parsed = JSON.parse(Buffer.from(handle.split(".")[0] ?? "", "base64url").toString("utf8"));
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed[0] !== queue.name || typeof parsed[1] !== "string") {
      throw new SqsError(
        "ReceiptHandleIsInvalid",
        `The input receipt handle "${String(handle)}" is not a valid receipt handle.`,
        {
          status: 404,
        },
      );
    }
    return queue.messages.get(parsed[1]);
  }

  function addMessage(queue: Queue, body: string, delaySeconds: number): StoredMessage {
    const now = clock.now();
    const m: StoredMessage = {
      id: randomUUID(),
      body,
      md5: md5(body),
      sentAt: now,
      visibleAt: now + delaySeconds * 1000,
      receiveCount: 0,
      firstReceivedAt: undefined,
      receivedAt: 0,
      handle: undefined,
    };
    queue.messages.set(m.id, m);
    wake(queue);
    return m;
  }

  function checkBody(queue: Queue, body: unknown): string | SqsError {
    if (typeof body !== "string" || body.length === 0) {
      return new SqsError("MissingParameter", "The request must contain the parameter MessageBody.");
    }
    if (INVALID_BODY_CHARS.test(body)) {
      return new SqsError(
        "InvalidMessageContents",
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF",
        {
          queryCode: "InvalidMessageContents",
        },
      );
    }
    if (Buffer.byteLength(body, "utf8") > queue.maxMessageBytes) {
      return invalidParameter(
        `One or more parameters are invalid. Reason: Message must be shorter than ${queue.maxMessageBytes} bytes.`,
      );
    }
    return body;
  }

  function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
    if (value === undefined || value === null) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw invalidParameter(
        `Value ${String(value)} for parameter ${name} is invalid. Reason: Must be between ${min} and ${max}, if provided.`,
      );
    }
    return value;
  }

  /** Takes up to `max` visible messages, redriving those received maxReceiveCount times. */
  function take(queue: Queue, max: number, visibilitySeconds: number): StoredMessage[] {
    const now = clock.now();
    const taken: StoredMessage[] = [];
    for (const m of queue.messages.values()) {
      if (taken.length >= max) break;
      if (m.visibleAt > now) continue;
      const dlq = queue.deadLetterQueue;
      if (dlq && queue.maxReceiveCount !== undefined && m.receiveCount >= queue.maxReceiveCount) {
        // SQS moves the message on the receive after its last allowed one, keeping its id,
        // body and receive count.
        queue.messages.delete(m.id);
        m.handle = undefined;
        m.visibleAt = now;
        dlq.messages.set(m.id, m);
        wake(dlq);
        continue;
      }
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
      m.receivedAt = now;
      m.visibleAt = now + visibilitySeconds * 1000;
      m.handle = newHandle(queue, m);
      taken.push(m);
    }
    return taken;
  }

  /** When the next in-flight or delayed message of the queue becomes visible. */
  function nextChange(queue: Queue): number {
    const now = clock.now();
    let next = Infinity;
    for (const m of queue.messages.values()) if (m.visibleAt > now && m.visibleAt < next) next = m.visibleAt;
    return next;
  }

  async function receiveMessage(input: Record<string, unknown>, gone: AbortSignal): Promise<unknown> {
    const queue = queueOf(input.QueueUrl);
    const max = integer(input.MaxNumberOfMessages, "MaxNumberOfMessages", 1, 10, 1);
    const visibility = integer(
      input.VisibilityTimeout,
      "VisibilityTimeout",
      0,
      MAX_VISIBILITY_SECONDS,
      queue.visibilityTimeoutSeconds,
    );
    const wait = integer(input.WaitTimeSeconds, "WaitTimeSeconds", 0, 20, 0);
    const wanted = new Set<string>([
      ...((input.AttributeNames as string[] | undefined) ?? []),
      ...((input.MessageSystemAttributeNames as string[] | undefined) ?? []),
    ]);
    const giveUpAt = clock.now() + wait * 1000;
    let taken: StoredMessage[] = [];
    for (;;) {
      // A client that hung up (an aborted long poll) must not have messages hidden from others.
      if (gone.aborted || closed) return {};
      taken = take(queue, max, visibility);
      const now = clock.now();
      if (taken.length > 0 || now >= giveUpAt) break;
      const stop = new AbortController();
      const onStop = () => stop.abort();
      queue.waiters.add(onStop);
      gone.addEventListener("abort", onStop, { once: true });
      try {
        await clock.sleep(Math.min(giveUpAt, nextChange(queue), now + MAX_SLEEP_MS) - now, stop.signal);
      } finally {
        queue.waiters.delete(onStop);
        gone.removeEventListener("abort", onStop);
        stop.abort();
      }
    }
    if (taken.length === 0) return {};
    const all = wanted.has("All");
    return {
      Messages: taken.map((m) => {
        const attributes: Record<string, string> = {};
        const add = (name: string, value: string) => {
          if (all || wanted.has(name)) attributes[name] = value;
        };
        add("ApproximateReceiveCount", String(m.receiveCount));
        add("ApproximateFirstReceiveTimestamp", String(m.firstReceivedAt));
        add("SentTimestamp", String(m.sentAt));
        add("SenderId", "AIDAFAKESQSSENDER");
        return {
          MessageId: m.id,
          ReceiptHandle: m.handle,
          MD5OfBody: m.md5,
          Body: m.body,
          ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
        };
      }),
    };
  }

  function changeVisibility(queue: Queue, handle: unknown, seconds: number): void {
    const m = messageOfHandle(queue, handle);
    const now = clock.now();
    if (!m || m.handle !== handle) {
      throw invalidParameter(
        `Value ${String(handle)} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      );
    }
    // A lapsed receive nobody took since: SQS answers with success and changes nothing.
    if (m.visibleAt <= now) return;
    if (now + seconds * 1000 - m.receivedAt > MAX_VISIBILITY_SECONDS * 1000) {
      throw invalidParameter(
        `Value ${seconds} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [${MAX_VISIBILITY_SECONDS} seconds].`,
      );
    }
    m.visibleAt = now + seconds * 1000;
    // Waiters sleep until the earliest change they knew of; this may be an earlier one.
    wake(queue);
  }

  function deleteByHandle(queue: Queue, handle: unknown): void {
    // Standard queues accept any handle the message was received with, even an old one.
    const m = messageOfHandle(queue, handle);
    if (m) queue.messages.delete(m.id);
  }

  function batchEntries(input: Record<string, unknown>): Record<string, unknown>[] {
    const entries = input.Entries;
    if (!Array.isArray(entries) || entries.length === 0) {
      throw new SqsError("EmptyBatchRequest", "There should be at least one entry in the request.", {
        queryCode: "AWS.SimpleQueueService.EmptyBatchRequest",
      });
    }
    if (entries.length > 10) {
      throw new SqsError(
        "TooManyEntriesInBatchRequest",
        `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
        {
          queryCode: "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        },
      );
    }
    const ids = new Set<string>();
    for (const e of entries as Record<string, unknown>[]) {
      const id = e.Id;
      if (typeof id !== "string" || !/^[A-Za-z0-9_-]{1,80}$/.test(id)) {
        throw new SqsError(
          "InvalidBatchEntryId",
          `A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.`,
          {
            queryCode: "AWS.SimpleQueueService.InvalidBatchEntryId",
          },
        );
      }
      if (ids.has(id)) {
        throw new SqsError("BatchEntryIdsNotDistinct", `Id ${id} repeated.`, {
          queryCode: "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        });
      }
      ids.add(id);
    }
    return entries as Record<string, unknown>[];
  }

  const actions: Record<string, (input: Record<string, unknown>, gone: AbortSignal) => unknown> = {
    GetQueueUrl(input) {
      const queue = queues.get(String(input.QueueName));
      if (!queue) {
        throw new SqsError("QueueDoesNotExist", "The specified queue does not exist.", {
          queryCode: "AWS.SimpleQueueService.NonExistentQueue",
        });
      }
      return { QueueUrl: queue.url };
    },

    SendMessage(input) {
      const queue = queueOf(input.QueueUrl);
      const body = checkBody(queue, input.MessageBody);
      if (body instanceof SqsError) throw body;
      const m = addMessage(queue, body, integer(input.DelaySeconds, "DelaySeconds", 0, 900, 0));
      return { MessageId: m.id, MD5OfMessageBody: m.md5 };
    },

    SendMessageBatch(input) {
      const queue = queueOf(input.QueueUrl);
      const entries = batchEntries(input);
      const total = entries.reduce(
        (sum, e) => sum + Buffer.byteLength(String(e.MessageBody ?? ""), "utf8"),
        0,
      );
      if (total > MAX_BATCH_BYTES) {
        throw new SqsError(
          "BatchRequestTooLong",
          `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${total} bytes.`,
          {
            queryCode: "AWS.SimpleQueueService.BatchRequestTooLong",
          },
        );
      }
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const e of entries) {
        if (failingEntries > 0) {
          failingEntries--;
          Failed.push({
            Id: e.Id,
            SenderFault: false,
            Code: "InternalError",
            Message: "We encountered an internal error.",
          });
          continue;
        }
        const body = checkBody(queue, e.MessageBody);
        if (body instanceof SqsError) {
          Failed.push({ Id: e.Id, SenderFault: true, Code: body.queryCode, Message: body.message });
          continue;
        }
        let delay: number;
        try {
          delay = integer(e.DelaySeconds, "DelaySeconds", 0, 900, 0);
        } catch (error) {
          Failed.push({
            Id: e.Id,
            SenderFault: true,
            Code: "InvalidParameterValue",
            Message: (error as Error).message,
          });
          continue;
        }
        const m = addMessage(queue, body, delay);
        Successful.push({ Id: e.Id, MessageId: m.id, MD5OfMessageBody: m.md5 });
      }
      return { Successful, Failed };
    },

    ReceiveMessage: receiveMessage,

    DeleteMessage(input) {
      deleteByHandle(queueOf(input.QueueUrl), input.ReceiptHandle);
      return {};
    },

    DeleteMessageBatch(input) {
      const queue = queueOf(input.QueueUrl);
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const e of batchEntries(input)) {
        try {
          deleteByHandle(queue, e.ReceiptHandle);
          Successful.push({ Id: e.Id });
        } catch (error) {
          const err = error as SqsError;
          Failed.push({ Id: e.Id, SenderFault: true, Code: err.queryCode, Message: err.message });
        }
      }
      return { Successful, Failed };
    },

    ChangeMessageVisibility(input) {
      const queue = queueOf(input.QueueUrl);
      const seconds = integer(
        input.VisibilityTimeout,
        "VisibilityTimeout",
        0,
        MAX_VISIBILITY_SECONDS,
        Number.NaN,
      );
      if (Number.isNaN(seconds))
        throw new SqsError("MissingParameter", "The request must contain the parameter VisibilityTimeout.");
      changeVisibility(queue, input.ReceiptHandle, seconds);
      return {};
    },

    ChangeMessageVisibilityBatch(input) {
      const queue = queueOf(input.QueueUrl);
      const Successful: unknown[] = [];
      const Failed: unknown[] = [];
      for (const e of batchEntries(input)) {
        try {
          const seconds = integer(e.VisibilityTimeout, "VisibilityTimeout", 0, MAX_VISIBILITY_SECONDS, 0);
          changeVisibility(queue, e.ReceiptHandle, seconds);
          Successful.push({ Id: e.Id });
        } catch (error) {
          const err = error as SqsError;
          Failed.push({ Id: e.Id, SenderFault: true, Code: err.queryCode, Message: err.message });
        }
      }
      return { Successful, Failed };
    },

    GetQueueAttributes(input) {
      const queue = queueOf(input.QueueUrl);
      const names = new Set((input.AttributeNames as string[] | undefined) ?? []);
      const now = clock.now();
      let visible = 0;
      let inFlight = 0;
      let delayed = 0;
      for (const m of queue.messages.values()) {
        const state = stateOf(m, now);
        if (state === "visible") visible++;
        else if (state === "in-flight") inFlight++;
        else delayed++;
      }
      const known: Record<string, string> = {
        ApproximateNumberOfMessages: String(visible),
        ApproximateNumberOfMessagesNotVisible: String(inFlight),
        ApproximateNumberOfMessagesDelayed: String(delayed),
        VisibilityTimeout: String(queue.visibilityTimeoutSeconds),
        MaximumMessageSize: String(queue.maxMessageBytes),
        MessageRetentionPeriod: "345600",
        DelaySeconds: "0",
        ReceiveMessageWaitTimeSeconds: "0",
        QueueArn: queue.arn,
        CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
        LastModifiedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      };
      if (queue.deadLetterQueue) {
        known.RedrivePolicy = JSON.stringify({
          deadLetterTargetArn: queue.deadLetterQueue.arn,
          maxReceiveCount: queue.maxReceiveCount,
        });
      }
      const Attributes: Record<string, string> = {};
      for (const name of names) {
        if (name === "All") Object.assign(Attributes, known);
        else if (known[name] !== undefined) Attributes[name] = known[name];
        else if (name !== "RedrivePolicy") {
          throw new SqsError("InvalidAttributeName", `Unknown Attribute ${name}.`);
        }
      }
      return Object.keys(Attributes).length > 0 ? { Attributes } : {};
    },

    PurgeQueue(input) {
      const queue = queueOf(input.QueueUrl);
      queue.messages.clear();
      return {};
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = req.headers["x-amz-target"];
    const action = typeof target === "string" && target.startsWith("AmazonSQS.") ? target.slice(10) : "";
    const run = actions[action];
    if (req.method !== "POST" || !run) {
      reply(res, 400, {
        __type: "com.amazon.coral.service#UnknownOperationException",
        message: `Unknown operation ${String(target)}`,
      });
      return;
    }
    calls.set(action, (calls.get(action) ?? 0) + 1);
    // "close" also fires after a normal reply; by then nobody is waiting on it.
    const gone = new AbortController();
    res.on("close", () => gone.abort());
    try {
      const injected = faults.get(action);
      if (injected) {
        if (--injected.times <= 0) faults.delete(action);
        const f = injected.fault;
        throw new SqsError(f.type, f.message ?? f.type, {
          queryCode: f.queryCode ?? f.type,
          status: f.status ?? 400,
        });
      }
      let input: Record<string, unknown>;
      try {
        const text = Buffer.concat(chunks).toString("utf8");
        input = (text === "" ? {} : JSON.parse(text)) as Record<string, unknown>;
      } catch {
        throw new SqsError("SerializationException", "The request body is not valid JSON.");
      }
      const output = await run(input, gone.signal);
      if (!res.destroyed) reply(res, 200, output);
    } catch (e) {
      if (!(e instanceof SqsError)) throw e;
      reply(
        res,
        e.status,
        { __type: `com.amazonaws.sqs#${e.type}`, message: e.message },
        {
          "x-amzn-query-error": `${e.queryCode};${e.status >= 500 ? "Receiver" : "Sender"}`,
        },
      );
    }
  }

  return {
    endpoint,

    createQueue(name, queueOptions) {
      if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) throw new Error(`invalid queue name ${name}`);
      if (queues.has(name)) throw new Error(`queue ${name} exists already`);
      const { visibilityTimeoutSeconds, maxReceiveCount, deadLetterQueue } = queueOptions;
      integer(visibilityTimeoutSeconds, "VisibilityTimeout", 0, MAX_VISIBILITY_SECONDS, 0);
      if ((maxReceiveCount === undefined) !== (deadLetterQueue === undefined)) {
        throw new Error("a redrive policy needs both maxReceiveCount and deadLetterQueue");
      }
      if (maxReceiveCount !== undefined) integer(maxReceiveCount, "maxReceiveCount", 1, 1000, 1);
      const dlq =
        deadLetterQueue === undefined
          ? undefined
          : (queues.get(deadLetterQueue) ??
            (deadLetterQueue.includes("/") ? queueOf(deadLetterQueue) : undefined));
      if (deadLetterQueue !== undefined && !dlq)
        throw new Error(`dead-letter queue ${deadLetterQueue} does not exist`);
      const queue: Queue = {
        name,
        url: `${endpoint}/${ACCOUNT}/${name}`,
        arn: `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`,
        createdAt: clock.now(),
        visibilityTimeoutSeconds,
        maxReceiveCount,
        deadLetterQueue: dlq,
        maxMessageBytes: queueOptions.maxMessageBytes ?? 256 * 1024,
        messages: new Map(),
        waiters: new Set(),
      };
      queues.set(name, queue);
      return queue.url;
    },

    stats: () => Object.fromEntries(calls),

    messages(queueUrl) {
      const now = clock.now();
      return [...queueOf(queueUrl).messages.values()].map((m) => ({
        messageId: m.id,
        body: m.body,
        receiveCount: m.receiveCount,
        state: stateOf(m, now),
        sentAt: m.sentAt,
      }));
    },

    failNext(action, fault, times = 1) {
      faults.set(action, { fault, times });
    },

    failNextBatchEntries(count) {
      failingEntries = count;
    },

    async close() {
      closed = true;
      for (const queue of queues.values()) wake(queue);
      const done = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await done;
    },
  };
}

function reply(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": randomUUID(),
    ...headers,
  });
  res.end(text);
}
