// A project's alerts: an SNS topic, and the e-mail addresses, https endpoints and phone numbers
// the project file names in `cloud.alerts_to`. E-mail subscriptions wait for the recipient to
// confirm them.
import { createHash } from "node:crypto";
import { SnsTopic } from "@cdktn/provider-aws/lib/sns-topic/index.js";
import { SnsTopicSubscription } from "@cdktn/provider-aws/lib/sns-topic-subscription/index.js";
import { Construct } from "constructs";

export function subscriptionProtocol(target: string): "email" | "https" | "sms" {
  if (target.startsWith("https://")) return "https";
  if (target.startsWith("+")) return "sms";
  return "email";
}

export class AlertsTopic extends Construct {
  readonly topic: SnsTopic;

  constructor(
    scope: Construct,
    id: string,
    props: { readonly name: string; readonly to: readonly string[] },
  ) {
    super(scope, id);
    this.topic = new SnsTopic(this, "topic", { name: props.name });
    for (const target of props.to) {
      // Named by the target, so removing one never re-creates (and re-confirms) the others.
      const key = createHash("sha256").update(target).digest("hex").slice(0, 12);
      new SnsTopicSubscription(this, `to-${key}`, {
        topicArn: this.topic.arn,
        protocol: subscriptionProtocol(target),
        endpoint: target,
      });
    }
  }
}
