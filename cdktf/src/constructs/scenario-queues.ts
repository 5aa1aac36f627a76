// A scenario's work queue and its dead-letter queue. A message received more times than the
// retries allow (its worker lost on every try) moves to the dead letters, which the run turns
// into failed results; only this queue may send to them.
import { SqsQueue } from "@cdktn/provider-aws/lib/sqs-queue/index.js";
import { SqsQueueRedriveAllowPolicy } from "@cdktn/provider-aws/lib/sqs-queue-redrive-allow-policy/index.js";
import { Construct } from "constructs";
import { SQS_MAX_RETENTION_SECONDS } from "../scenario-settings.ts";

export interface ScenarioQueuesProps {
  readonly name: string;
  readonly deadLetterName: string;
  readonly visibilitySeconds: number;
  readonly maxReceiveCount: number;
  readonly tags: Readonly<Record<string, string>>;
}

export class ScenarioQueues extends Construct {
  readonly queue: SqsQueue;
  readonly deadLetters: SqsQueue;

  constructor(scope: Construct, id: string, props: ScenarioQueuesProps) {
    super(scope, id);
    this.deadLetters = new SqsQueue(this, "dead-letters", {
      name: props.deadLetterName,
      messageRetentionSeconds: SQS_MAX_RETENTION_SECONDS,
      sqsManagedSseEnabled: true,
      tags: { ...props.tags },
    });
    this.queue = new SqsQueue(this, "queue", {
      name: props.name,
      visibilityTimeoutSeconds: props.visibilitySeconds,
      messageRetentionSeconds: SQS_MAX_RETENTION_SECONDS,
      receiveWaitTimeSeconds: 20,
      sqsManagedSseEnabled: true,
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: this.deadLetters.arn,
        maxReceiveCount: props.maxReceiveCount,
      }),
      tags: { ...props.tags },
    });
    new SqsQueueRedriveAllowPolicy(this, "dead-letters-source", {
      queueUrl: this.deadLetters.url,
      redriveAllowPolicy: JSON.stringify({ redrivePermission: "byQueue", sourceQueueArns: [this.queue.arn] }),
    });
  }
}
