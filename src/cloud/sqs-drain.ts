// Emptying a queue of the work `modelfleet stop` stopped: every visible message is received
// once; those the caller recognises as stopped are deleted, the others are made visible again
// at the end of the pass. Messages held by a worker right now are not visible, and are not
// touched: a worker that is stopping puts its message back (and the next pass removes it), and
// any message that comes back later is deleted by the worker that receives it.
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { describeSqsError, MAX_BATCH_ENTRIES } from "./sqs-queue.ts";

export interface DrainOptions<T> {
  readonly client: SQSClient;
  readonly queueUrl: string;
  /** True for a message to delete; `item` is undefined when the body is not JSON. */
  readonly remove: (item: T | undefined) => boolean;
  /** How long the pass holds the messages it keeps (default 120 s; they are released at its end). */
  readonly holdSeconds?: number;
}

export async function drainQueue<T>(options: DrainOptions<T>): Promise<{ removed: number; kept: number }> {
  const { client, queueUrl } = options;
  const kept: Message[] = [];
  let removed = 0;
  try {
    for (;;) {
      let messages: Message[];
      try {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: MAX_BATCH_ENTRIES,
            VisibilityTimeout: options.holdSeconds ?? 120,
            // A short long poll: a zero-second poll samples only some SQS servers.
            WaitTimeSeconds: 1,
          }),
        );
        messages = out.Messages ?? [];
      } catch (e) {
        throw describeSqsError(e, "ReceiveMessage", queueUrl);
      }
      if (messages.length === 0) break;
      const doomed: Message[] = [];
      for (const m of messages) {
        let item: T | undefined;
        try {
          item = JSON.parse(m.Body ?? "") as T;
        } catch {
          item = undefined;
        }
        (options.remove(item) ? doomed : kept).push(m);
      }
      if (doomed.length > 0) {
        try {
          const out = await client.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: doomed.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? "" })),
            }),
          );
          removed += out.Successful?.length ?? 0;
        } catch (e) {
          throw describeSqsError(e, "DeleteMessageBatch", queueUrl);
        }
      }
    }
  } finally {
    for (let i = 0; i < kept.length; i += MAX_BATCH_ENTRIES) {
      const batch = kept.slice(i, i + MAX_BATCH_ENTRIES);
      await client
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: batch.map((m, j) => ({
              Id: String(j),
              ReceiptHandle: m.ReceiptHandle ?? "",
              VisibilityTimeout: 0,
            })),
          }),
        )
        // Not released: visible again when the hold runs out.
        .catch(() => {});
    }
  }
  return { removed, kept: kept.length };
}
