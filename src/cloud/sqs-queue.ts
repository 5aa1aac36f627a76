// The cloud work queue: WorkQueue over Amazon SQS (a standard queue), with JSON message
// bodies. Agents lease realisations from it exactly as the local engine leases them from
// the in-memory queue, so both keep the semantics documented in engine/work-queue.ts.
//
// Delivery is at least once: SQS may hand a message to two workers, and a worker whose
// lease lapses (a stalled heartbeat, a lost task) sees its item run again elsewhere. The
// duplicates are harmless because the result store publishes each realisation exactly once
// (ResultStore.publishResult: one publisher wins, the rest are told "already-published"),
// so a duplicate run costs compute time and never a second result.
//
// Redrive to the dead-letter queue after maxReceiveCount receives is configured on the queue
// (the infrastructure step's RedrivePolicy), not here; readDeadLetters() collects what
// landed there so a run can report those realisations as failed.
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  SQSClient,
  type SQSClientConfig,
} from "@aws-sdk/client-sqs";
import { type Clock, systemClock } from "../engine/clock.ts";
import { type Lease, LeaseLostError, type WorkQueue } from "../engine/work-queue.ts";
import { errorMessage, UserError } from "../errors.ts";
import { type AwsTimeouts, awsRequestHandler, isUnansweredError } from "./aws-http.ts";

/** Entries per SendMessageBatch / DeleteMessageBatch call (an SQS limit). */
export const MAX_BATCH_ENTRIES = 10;
/** Total body bytes per SendMessageBatch call: 1 MiB since SQS raised its payload limit. */
export const MAX_BATCH_BYTES = 1024 * 1024;
/** A queue's MaximumMessageSize unless it was raised (up to 1 MiB): the safe default. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;
/** The longest long poll SQS allows, in seconds. */
export const MAX_WAIT_SECONDS = 20;

export interface SqsClientProps {
  /** A local or alternative endpoint (http://127.0.0.1:9324). Absent: the SDK's own choice,
   * which honours AWS_ENDPOINT_URL_SQS, then AWS_ENDPOINT_URL, then the regional AWS one. */
  readonly endpoint?: string;
  /** Absent: the SDK reads AWS_REGION, then the shared config file. */
  readonly region?: string;
  /** Absent: the SDK's default chain (environment, profile, ECS task role...). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** Attempts per call, the SDK's retries of throttling and network errors included. */
  readonly maxAttempts?: number;
  /** Connection and answer timeouts (default 5 s and 30 s: longer than a 20 s long poll). */
  readonly timeouts?: AwsTimeouts;
}

/** The one place an SQS client is built, so the same code talks to AWS or a local endpoint. */
export function createSqsClient(props: SqsClientProps = {}): SQSClient {
  const config: SQSClientConfig = { requestHandler: awsRequestHandler(props.timeouts) };
  // Only set what was given: an explicit undefined would still count as "configured" for
  // some SDK resolvers and hide the environment variables.
  if (props.endpoint !== undefined) config.endpoint = props.endpoint;
  if (props.region !== undefined) config.region = props.region;
  if (props.credentials !== undefined) config.credentials = { ...props.credentials };
  if (props.maxAttempts !== undefined) config.maxAttempts = props.maxAttempts;
  return new SQSClient(config);
}

/** The region in an AWS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>). */
export function regionOfQueueUrl(queueUrl: string): string | undefined {
  try {
    const host = new URL(queueUrl).hostname;
    return (
      /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host)?.[1] ??
      /^([a-z0-9-]+)\.queue\.amazonaws\.com$/.exec(host)?.[1]
    );
  } catch {
    return undefined;
  }
}

export interface SqsQueueOptions<T> {
  readonly queueUrl: string;
  /** Absent: createSqsClient() with the region of queueUrl when it is an AWS URL. */
  readonly client?: SQSClient;
  readonly clock?: Clock;
  /** SQS lets a receive be held at most 12 hours in all; set lower only to test. */
  readonly maxVisibilityHours?: number;
  /** Called once per lease whose visibility could not be extended (or set) as far as asked,
   * because of the 12-hour limit: the lease will lapse at the limit and the item run again. */
  readonly onVisibilityCapped?: (lease: Lease<T>) => void;
  /** Called for a message whose body is not JSON. It is left in flight and not deleted, so
   * SQS redrives it to the dead-letter queue after maxReceiveCount receives. */
  readonly onInvalidMessage?: (message: { readonly messageId: string; readonly body: string }) => void;
  /** The queue's MaximumMessageSize in bytes (default 256 KiB, at most 1 MiB). */
  readonly maxMessageBytes?: number;
  /** SendMessageBatch calls in flight at once during enqueue(). */
  readonly sendConcurrency?: number;
  /** Attempts per batch entry that SQS reports as failed (Failed[]), the first included. */
  readonly maxSendAttempts?: number;
  /** How long past its long poll a receive may go unanswered before it counts as empty
   * (default 5 s). */
  readonly receiveGraceMs?: number;
  /** Called for each receive that got no answer in time (or could not reach SQS): it counts
   * as an empty receive, and the next one waits a little longer first. */
  readonly onUnansweredReceive?: (reason: string) => void;
}

/** Calls made and messages moved, for benchmarks and tests. */
export interface SqsQueueStats {
  sendMessageBatch: number;
  /** SendMessageBatch calls that re-sent entries SQS reported as failed. */
  sendMessageBatchRetries: number;
  messagesSent: number;
  receiveMessage: number;
  emptyReceives: number;
  messagesReceived: number;
  changeMessageVisibility: number;
  deleteMessage: number;
  getQueueAttributes: number;
  invalidMessages: number;
  visibilityCapped: number;
  /** Receives that got no answer in time or could not reach SQS (counted as empty too). */
  unansweredReceives: number;
}

export type SqsQueue<T> = WorkQueue<T> & {
  readonly queueUrl: string;
  stats(): SqsQueueStats;
};

/** What the queue remembers about a lease it handed out, to respect the 12-hour limit and
 * notice lapsed leases that SQS itself would not report. */
interface LeaseState {
  /** No later than SQS's receive time: the moment the ReceiveMessage call was sent. */
  readonly receivedAt: number;
  /** The lease is surely held until then (measured from before the last call was sent). */
  heldAtLeastUntil: number;
  /** The lease has surely lapsed after then (measured from after the last call returned). */
  heldAtMostUntil: number;
  capped: boolean;
}

/** Margin kept below the 12-hour limit for call latency and rounding to whole seconds. */
const CAP_MARGIN_MS = 30_000;
const BACKOFF_BASE_MS = 100;
const BACKOFF_MAX_MS = 5_000;
/** Pause after the first unanswered receive, doubled each time in a row up to the maximum. */
const UNANSWERED_PAUSE_MS = 1_000;
const UNANSWERED_PAUSE_MAX_MS = 30_000;

/**
 * Creates the SQS work queue.
 *
 * Where SQS differs from the in-memory queue, and what is done about it:
 * - SQS answers a ChangeMessageVisibility on a lapsed receipt handle with success as long as
 *   nobody received the message since, so heartbeat() also checks the lease against its own
 *   record of how long it was granted, and throws LeaseLostError once that has passed.
 * - A receive may be held 12 hours at most (maxVisibilityHours); heartbeat() extends up to
 *   that limit less a margin, reports the lease through onVisibilityCapped, and then lets it
 *   lapse rather than fail.
 * - ack() deletes even with a lapsed lease: standard queues accept an old receipt handle and
 *   the item is done either way. An expired or superseded handle is swallowed.
 * - counts(): a message released with a delay is "not visible" to SQS, so it counts as in
 *   flight here, not as visible; messages sent with a delay count as visible.
 */
export function createSqsQueue<T>(options: SqsQueueOptions<T>): SqsQueue<T> {
  const { queueUrl } = options;
  const client = options.client ?? createSqsClient({ region: regionOfQueueUrl(queueUrl) });
  const clock = options.clock ?? systemClock;
  const maxVisibilityMs = (options.maxVisibilityHours ?? 12) * 3_600_000;
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const sendConcurrency = options.sendConcurrency ?? 8;
  const maxSendAttempts = options.maxSendAttempts ?? 6;
  if (!(maxVisibilityMs > CAP_MARGIN_MS)) {
    throw new RangeError(`maxVisibilityHours must allow more than ${CAP_MARGIN_MS / 1000} seconds`);
  }
  if (!(Number.isInteger(maxMessageBytes) && maxMessageBytes > 0 && maxMessageBytes <= MAX_BATCH_BYTES)) {
    throw new RangeError(`maxMessageBytes must be a whole number from 1 to ${MAX_BATCH_BYTES}`);
  }
  // The longest visibility SQS accepts in one call, in whole seconds.
  const maxVisibilitySeconds = Math.floor(maxVisibilityMs / 1000);
  const states = new WeakMap<Lease<T>, LeaseState>();
  const counters: SqsQueueStats = {
    sendMessageBatch: 0,
    sendMessageBatchRetries: 0,
    messagesSent: 0,
    receiveMessage: 0,
    emptyReceives: 0,
    messagesReceived: 0,
    changeMessageVisibility: 0,
    deleteMessage: 0,
    getQueueAttributes: 0,
    invalidMessages: 0,
    visibilityCapped: 0,
    unansweredReceives: 0,
  };
  const receiveGraceMs = options.receiveGraceMs ?? 5_000;
  /** Receives in a row that got no answer: the pause before the next one grows with it. */
  let unansweredInARow = 0;

  function reportCapped(lease: Lease<T>, state: LeaseState | undefined): void {
    if (state?.capped) return;
    if (state) state.capped = true;
    counters.visibilityCapped += 1;
    options.onVisibilityCapped?.(lease);
  }

  async function sendBatch(batch: readonly PendingMessage[]): Promise<void> {
    let pending = batch;
    for (let attempt = 1; ; attempt++) {
      const entries: SendMessageBatchRequestEntry[] = pending.map((m, i) => ({
        Id: String(i),
        MessageBody: m.body,
      }));
      counters.sendMessageBatch += 1;
      if (attempt > 1) counters.sendMessageBatchRetries += 1;
      let output: Awaited<ReturnType<typeof sendMessageBatch>>;
      try {
        output = await sendMessageBatch(client, queueUrl, entries);
      } catch (e) {
        throw describeSqsError(e, "SendMessageBatch", queueUrl);
      }
      counters.messagesSent += output.Successful?.length ?? 0;
      const failed = output.Failed ?? [];
      if (failed.length === 0) return;
      const retry: PendingMessage[] = [];
      for (const f of failed) {
        const message = pending[Number(f.Id)];
        if (!message) continue;
        // A sender fault (invalid characters, a body over the queue's limit) fails the same
        // way on every attempt; only SQS's own failures and throttling are worth retrying.
        if (f.SenderFault && !/throttl/i.test(f.Code ?? "")) {
          throw new UserError(
            `SQS refused ${message.name} for ${queueUrl} (${f.Code}: ${f.Message ?? "no detail"}); fix the item or the queue's MaximumMessageSize and enqueue it again.`,
          );
        }
        retry.push(message);
      }
      if (retry.length === 0) return;
      if (attempt >= maxSendAttempts) {
        const first = failed[0]!;
        throw new UserError(
          `SQS did not accept ${retry.length} message(s) for ${queueUrl} after ${attempt} attempts (${first.Code}: ${first.Message ?? "no detail"}); run again later: realisations already queued or published are not repeated.`,
        );
      }
      pending = retry;
      await clock.sleep(backoffMs(attempt));
    }
  }

  /** Receives one message; "empty" when the poll ended empty, "unanswered" when SQS did not
   * answer within the long poll and a grace period (or could not be reached). */
  async function receiveOnce(
    visibilitySeconds: number,
    waitSeconds: number,
    signal: AbortSignal | undefined,
  ): Promise<{ message: Message; sentAt: number; returnedAt: number } | "empty" | "unanswered" | "aborted"> {
    const sentAt = clock.now();
    counters.receiveMessage += 1;
    // A deadline on the whole call, the SDK's own retries included: a silent endpoint must
    // not hold a worker past its idle time.
    const deadlineMs = waitSeconds * 1000 + receiveGraceMs;
    const deadline = AbortSignal.timeout(deadlineMs);
    const abortSignal = signal ? AbortSignal.any([signal, deadline]) : deadline;
    const call = client.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 1,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: waitSeconds,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
      }),
      { abortSignal },
    );
    const unanswered = (why: string) => {
      counters.emptyReceives += 1;
      counters.unansweredReceives += 1;
      unansweredInARow += 1;
      options.onUnansweredReceive?.(
        `SQS did not answer ReceiveMessage on ${queueUrl} within ${Math.ceil(deadlineMs / 1000)} s (${why}); counted as an empty receive`,
      );
      return "unanswered" as const;
    };
    let output: Awaited<typeof call> | "aborted";
    try {
      output = await untilAborted(call, abortSignal);
    } catch (e) {
      if (signal?.aborted) return "aborted";
      if (deadline.aborted || isUnansweredError(e)) return unanswered(errorMessage(e));
      throw describeSqsError(e, "ReceiveMessage", queueUrl);
    }
    if (output === "aborted") return signal?.aborted ? "aborted" : unanswered("no answer");
    unansweredInARow = 0;
    const message = output.Messages?.[0];
    if (!message) {
      counters.emptyReceives += 1;
      return "empty";
    }
    counters.messagesReceived += 1;
    return { message, sentAt, returnedAt: clock.now() };
  }

  return {
    queueUrl,

    async enqueue(items) {
      const messages = items.map((item, index) => toPendingMessage(item, index, maxMessageBytes));
      const batches = splitIntoBatches(messages);
      let next = 0;
      // Batches go out a few at a time: one call per 10 items adds up for big ensembles.
      const senders = Array.from({ length: Math.min(sendConcurrency, batches.length) }, async () => {
        while (next < batches.length) await sendBatch(batches[next++]!);
      });
      await Promise.all(senders);
    },

    async lease({ visibilityMs, waitMs = 0, signal }) {
      checkMs("visibilityMs", visibilityMs);
      checkMs("waitMs", waitMs);
      let visibilitySeconds = Math.ceil(visibilityMs / 1000);
      const capped = visibilitySeconds > maxVisibilitySeconds;
      if (capped) visibilitySeconds = maxVisibilitySeconds;
      const giveUpAt = clock.now() + waitMs;
      // The wait still to spend, counted from what was asked of SQS too: an empty long poll
      // has waited its full time, whatever the clock says (a fake one stands still).
      let budgetMs = waitMs;
      for (;;) {
        if (signal?.aborted) return undefined;
        const waitSeconds = Math.min(
          MAX_WAIT_SECONDS,
          Math.round(Math.min(budgetMs, giveUpAt - clock.now()) / 1000),
        );
        const received = await receiveOnce(visibilitySeconds, Math.max(0, waitSeconds), signal);
        if (received === "aborted") return undefined;
        if (received === "unanswered") {
          // Like an empty receive, after a pause that grows while SQS stays silent (an
          // unreachable endpoint answers at once, and must not be asked in a tight loop).
          const pause = Math.min(
            UNANSWERED_PAUSE_MAX_MS,
            UNANSWERED_PAUSE_MS * 2 ** (unansweredInARow - 1),
            Math.max(0, giveUpAt - clock.now()),
          );
          await clock.sleep(pause, signal);
          budgetMs -= Math.max(waitSeconds, 0) * 1000 + pause;
          if (waitSeconds <= 0 || budgetMs < 500 || giveUpAt - clock.now() < 500) return undefined;
          continue;
        }
        if (received !== "empty") {
          const lease = toLease(received.message);
          if (!lease) continue;
          states.set(lease, {
            receivedAt: received.sentAt,
            heldAtLeastUntil: received.sentAt + visibilitySeconds * 1000,
            heldAtMostUntil: received.returnedAt + visibilitySeconds * 1000,
            capped: false,
          });
          if (capped) reportCapped(lease, states.get(lease));
          return lease;
        }
        budgetMs -= Math.max(waitSeconds, 0) * 1000;
        if (waitSeconds <= 0 || budgetMs < 500 || giveUpAt - clock.now() < 500) return undefined;
      }
    },

    async heartbeat(lease, visibilityMs) {
      checkMs("visibilityMs", visibilityMs);
      const state = states.get(lease);
      const now = clock.now();
      if (state && now >= state.heldAtMostUntil) {
        states.delete(lease);
        throw new LeaseLostError(lease.handle);
      }
      let seconds = Math.min(Math.ceil(visibilityMs / 1000), maxVisibilitySeconds);
      if (state) {
        const room = Math.floor((state.receivedAt + maxVisibilityMs - CAP_MARGIN_MS - now) / 1000);
        if (seconds > room) {
          reportCapped(lease, state);
          seconds = room;
          // Nothing left to gain: the lease runs out where it already ends.
          if (seconds <= 0 || now + seconds * 1000 <= state.heldAtLeastUntil) return;
        }
      }
      const sentAt = clock.now();
      counters.changeMessageVisibility += 1;
      try {
        await client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: lease.handle,
            VisibilityTimeout: seconds,
          }),
        );
      } catch (e) {
        if (isLeaseLost(e)) {
          states.delete(lease);
          throw new LeaseLostError(lease.handle);
        }
        if (isBeyondVisibilityLimit(e)) {
          // The margin was not enough (a clock jump, a slow receive): keep what is left.
          reportCapped(lease, state);
          return;
        }
        throw describeSqsError(e, "ChangeMessageVisibility", queueUrl);
      }
      if (state) {
        state.heldAtLeastUntil = sentAt + seconds * 1000;
        state.heldAtMostUntil = clock.now() + seconds * 1000;
      }
    },

    async ack(lease) {
      states.delete(lease);
      counters.deleteMessage += 1;
      try {
        await client.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: lease.handle }));
      } catch (e) {
        // An expired handle (FIFO queues, or a handle superseded by a new receive): the item
        // is delivered again and its duplicate run finds the result already published.
        if (isLeaseLost(e)) return;
        throw describeSqsError(e, "DeleteMessage", queueUrl);
      }
    },

    async release(lease, delayMs = 0) {
      checkMs("delayMs", delayMs);
      const state = states.get(lease);
      states.delete(lease);
      const now = clock.now();
      // Lapsed: the item is visible already, or leased by someone else.
      if (state && now >= state.heldAtMostUntil) return;
      let seconds = Math.min(Math.ceil(delayMs / 1000), maxVisibilitySeconds);
      if (state) {
        seconds = Math.max(
          0,
          Math.min(seconds, Math.floor((state.receivedAt + maxVisibilityMs - CAP_MARGIN_MS - now) / 1000)),
        );
      }
      counters.changeMessageVisibility += 1;
      try {
        await client.send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: queueUrl,
            ReceiptHandle: lease.handle,
            VisibilityTimeout: seconds,
          }),
        );
      } catch (e) {
        if (isLeaseLost(e) || isBeyondVisibilityLimit(e)) return;
        throw describeSqsError(e, "ChangeMessageVisibility", queueUrl);
      }
    },

    async counts() {
      counters.getQueueAttributes += 1;
      let attributes: Partial<Record<string, string>>;
      try {
        const output = await client.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: [
              "ApproximateNumberOfMessages",
              "ApproximateNumberOfMessagesNotVisible",
              "ApproximateNumberOfMessagesDelayed",
            ],
          }),
        );
        attributes = output.Attributes ?? {};
      } catch (e) {
        throw describeSqsError(e, "GetQueueAttributes", queueUrl);
      }
      const count = (name: string) => Number(attributes[name] ?? 0) || 0;
      return {
        visible: count("ApproximateNumberOfMessages") + count("ApproximateNumberOfMessagesDelayed"),
        inFlight: count("ApproximateNumberOfMessagesNotVisible"),
      };
    },

    stats: () => ({ ...counters }),
  };

  /** The lease of a received message, or undefined (reported) when its body is not JSON. */
  function toLease(message: Message): Lease<T> | undefined {
    const body = message.Body ?? "";
    let item: T;
    try {
      item = JSON.parse(body) as T;
    } catch {
      counters.invalidMessages += 1;
      options.onInvalidMessage?.({ messageId: message.MessageId ?? "", body });
      return undefined;
    }
    return {
      item,
      handle: message.ReceiptHandle ?? "",
      receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 1) || 1,
    };
  }
}

/** A message that reached the dead-letter queue: a realisation that failed every receive. */
export interface DeadLetter<T> {
  readonly messageId: string;
  readonly body: string;
  /** The parsed body; undefined when it is not JSON. */
  readonly item: T | undefined;
  /** Receives so far, this read included (SQS keeps counting across the redrive). */
  readonly receiveCount: number;
}

export interface ReadDeadLettersOptions {
  readonly client?: SQSClient;
  /** Delete what was read, so the next run does not report it again (default false). */
  readonly delete?: boolean;
  /** How long messages read but not deleted stay hidden, so one read sees each once. */
  readonly visibilityMs?: number;
  /** Long poll per receive: a short poll samples only some SQS servers and may come back
   * empty while messages remain (default 1000 ms). */
  readonly waitMs?: number;
  /** Stop after this many messages. */
  readonly limit?: number;
}

/** Reads (and optionally deletes) the messages of a dead-letter queue, until it is empty. */
export async function readDeadLetters<T>(
  dlqUrl: string,
  options: ReadDeadLettersOptions = {},
): Promise<DeadLetter<T>[]> {
  const client = options.client ?? createSqsClient({ region: regionOfQueueUrl(dlqUrl) });
  const visibilitySeconds = Math.ceil((options.visibilityMs ?? 300_000) / 1000);
  const waitSeconds = Math.min(MAX_WAIT_SECONDS, Math.round((options.waitMs ?? 1000) / 1000));
  const limit = options.limit ?? Infinity;
  const seen = new Map<string, DeadLetter<T>>();
  while (seen.size < limit) {
    let messages: Message[];
    try {
      const output = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: Math.min(MAX_BATCH_ENTRIES, limit - seen.size),
          VisibilityTimeout: visibilitySeconds,
          WaitTimeSeconds: waitSeconds,
          MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        }),
      );
      messages = output.Messages ?? [];
    } catch (e) {
      throw describeSqsError(e, "ReceiveMessage", dlqUrl);
    }
    if (messages.length === 0) break;
    for (const m of messages) {
      const messageId = m.MessageId ?? "";
      const body = m.Body ?? "";
      let item: T | undefined;
      try {
        item = JSON.parse(body) as T;
      } catch {
        item = undefined;
      }
      const receiveCount = Number(m.Attributes?.ApproximateReceiveCount ?? 1) || 1;
      seen.set(messageId, { messageId, body, item, receiveCount });
    }
    if (options.delete) {
      try {
        const output = await client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: dlqUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
          }),
        );
        const failed = (output.Failed ?? []).filter((f) => f.SenderFault);
        if (failed.length > 0) {
          throw new UserError(
            `SQS did not delete ${failed.length} dead letter(s) from ${dlqUrl} (${failed[0]!.Code}); they will be reported again by the next read.`,
          );
        }
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw describeSqsError(e, "DeleteMessageBatch", dlqUrl);
      }
    }
  }
  return [...seen.values()];
}

interface PendingMessage {
  readonly body: string;
  readonly bytes: number;
  /** How the item is named in errors. */
  readonly name: string;
}

function toPendingMessage(item: unknown, index: number, maxMessageBytes: number): PendingMessage {
  const name = describeItem(item, index);
  const json = JSON.stringify(item);
  if (json === undefined) throw new TypeError(`${name} cannot be sent to SQS: it has no JSON form`);
  // JSON.stringify leaves U+FFFE and U+FFFF raw, and SQS rejects them; as \u escapes they
  // are the same JSON.
  const body = json.replace(/[\uFFFE\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  const bytes = Buffer.byteLength(body, "utf8");
  if (bytes > maxMessageBytes) {
    throw new UserError(
      `${name} is ${bytes} bytes as JSON, over the SQS message limit of ${maxMessageBytes} bytes; keep large inputs in the bundle or S3 and send a reference.`,
    );
  }
  return { body, bytes, name };
}

function describeItem(item: unknown, index: number): string {
  const id = typeof item === "object" && item !== null ? (item as { id?: unknown }).id : undefined;
  return typeof id === "string" || typeof id === "number" ? `item ${index} (id "${id}")` : `item ${index}`;
}

/** Splits messages, in order, into batches of at most 10 entries and 1 MiB of bodies. */
export function splitIntoBatches<M extends { readonly bytes: number }>(messages: readonly M[]): M[][] {
  const batches: M[][] = [];
  let current: M[] = [];
  let bytes = 0;
  for (const m of messages) {
    if (current.length === MAX_BATCH_ENTRIES || (current.length > 0 && bytes + m.bytes > MAX_BATCH_BYTES)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += m.bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

function sendMessageBatch(client: SQSClient, queueUrl: string, entries: SendMessageBatchRequestEntry[]) {
  return client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
}

function backoffMs(attempt: number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
  // Half fixed, half jitter: concurrent senders that failed together do not retry together.
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Resolves to the call's result, or to "aborted" as soon as the signal aborts. */
function untilAborted<R>(call: Promise<R>, signal: AbortSignal): Promise<R | "aborted"> {
  if (signal.aborted) {
    call.catch(() => {});
    return Promise.resolve("aborted");
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve("aborted");
    signal.addEventListener("abort", onAbort, { once: true });
    call.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) resolve("aborted");
        else reject(error);
      },
    );
  });
}

function checkMs(name: string, ms: number): void {
  if (!(ms >= 0)) throw new RangeError(`${name} must be a number of milliseconds of at least 0, not ${ms}`);
}

/** The error code of an SDK error: its name, or the query-compatible Code SQS also sends. */
export function sqsErrorCode(e: unknown): string {
  if (typeof e !== "object" || e === null) return "";
  const err = e as { name?: unknown; Code?: unknown; code?: unknown };
  for (const c of [err.name, err.Code, err.code]) {
    if (typeof c === "string" && c !== "" && c !== "Error" && c !== "SQSServiceException") return c;
  }
  return "";
}

/** The receipt handle no longer names a receive we hold: deleted, re-received or expired. */
function isLeaseLost(e: unknown): boolean {
  const code = sqsErrorCode(e);
  if (code === "ReceiptHandleIsInvalid" || /MessageNotInflight/.test(code)) return true;
  return /InvalidParameterValue/.test(code) && /receipt ?handle/i.test(errorMessage(e));
}

/** SQS refused to hold the message past 12 hours from its receive. */
function isBeyondVisibilityLimit(e: unknown): boolean {
  return /InvalidParameterValue/.test(sqsErrorCode(e)) && /VisibilityTimeout/i.test(errorMessage(e));
}

/**
 * One plain sentence, with the next step, for the SQS errors a user can do something about
 * (a UserError, with the SDK error as its cause); any other error is returned as it is.
 */
export function describeSqsError(e: unknown, action: string, queueUrl: string): unknown {
  if (e instanceof UserError) return e;
  const code = sqsErrorCode(e);
  const detail = errorMessage(e);
  const say = (sentence: string) => new UserError(sentence, { cause: e });
  if (/QueueDoesNotExist|NonExistentQueue/.test(code)) {
    return say(
      `SQS queue ${queueUrl} does not exist; check queueUrl in the infrastructure outputs, or run the infrastructure step again.`,
    );
  }
  if (code === "CredentialsProviderError" || /could not load credentials/i.test(detail)) {
    return say(
      `No AWS credentials were found for ${action} on ${queueUrl}; set AWS_PROFILE or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where a task role provides them.`,
    );
  }
  if (/region is missing/i.test(detail)) {
    return say(
      `No AWS region is set for ${action} on ${queueUrl}; set AWS_REGION (or the region in the infrastructure outputs).`,
    );
  }
  if (
    /AccessDenied|InvalidSecurity|InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch|ExpiredToken|MissingAuthenticationToken/.test(
      code,
    )
  ) {
    return say(
      `AWS refused ${action} on ${queueUrl} (${code}); check that the credentials are current and that the role or user may use this queue.`,
    );
  }
  if (/^Kms|^KMS\./.test(code)) {
    return say(
      `SQS could not use the KMS key of ${queueUrl} for ${action} (${code}); allow the role kms:GenerateDataKey and kms:Decrypt on the queue's key.`,
    );
  }
  if (code === "OverLimit") {
    return say(
      `SQS refused ${action} on ${queueUrl}: too many messages are in flight (${detail}); run fewer workers or ack finished realisations sooner.`,
    );
  }
  if (/Throttl|RequestThrottled|SlowDown/.test(code)) {
    return say(
      `SQS kept throttling ${action} on ${queueUrl} after retries; run again later or with fewer workers.`,
    );
  }
  const network = (e as { code?: unknown } | undefined)?.code;
  if (
    typeof network === "string" &&
    /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET)$/.test(network)
  ) {
    return say(
      `Could not reach SQS for ${action} on ${queueUrl} (${network}); check the network, or AWS_ENDPOINT_URL_SQS when using a local endpoint.`,
    );
  }
  return e;
}
