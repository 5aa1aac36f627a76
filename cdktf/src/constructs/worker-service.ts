// A scenario's workers as an ECS service that AWS keeps running with no client alive: its
// desired count starts at 0 and is set by the run (Terraform never resets it); the workers set
// it back to 0 once the queue stays empty. Lost tasks, Spot interruptions included, are
// replaced by the service. In the scenario's home region, Application Auto Scaling also
// follows the queue (up while messages wait, back to 0 once the queue has been empty for a few
// minutes) and dead letters raise an alarm to the alerts topic; in its other regions there is
// neither, since CloudWatch alarms cannot act across regions.
import {
  AppautoscalingPolicy,
  type AppautoscalingPolicyStepScalingPolicyConfiguration,
} from "@cdktn/provider-aws/lib/appautoscaling-policy/index.js";
import { AppautoscalingTarget } from "@cdktn/provider-aws/lib/appautoscaling-target/index.js";
import { CloudwatchMetricAlarm } from "@cdktn/provider-aws/lib/cloudwatch-metric-alarm/index.js";
import { EcsService } from "@cdktn/provider-aws/lib/ecs-service/index.js";
import type { ITerraformDependable } from "cdktn";
import { Construct } from "constructs";
import type { ScenarioNames } from "../names.ts";
import type { ScalingSettings } from "../scenario-settings.ts";

export interface WorkerServiceProps {
  readonly names: ScenarioNames;
  readonly clusterArn: string;
  readonly clusterName: string;
  /** The cluster's capacity providers: a service using one fails if created first. */
  readonly capacity: ITerraformDependable;
  readonly taskDefinitionArn: string;
  readonly spot: boolean;
  readonly subnetIds: string[];
  readonly securityGroupIds: string[];
  readonly assignPublicIp: boolean;
  /** In the scenario's home region: scaling on the queue's depth, and the dead-letter alarm. */
  readonly autoscaling?: {
    readonly scaling: ScalingSettings;
    readonly queueName: string;
    readonly deadLetterQueueName: string;
    readonly alertsTopicArn: string;
  };
  readonly tags: Readonly<Record<string, string>>;
}

const QUEUE_METRIC = { namespace: "AWS/SQS", period: 60, stat: "Maximum" } as const;

export class WorkerService extends Construct {
  readonly service: EcsService;

  constructor(scope: Construct, id: string, props: WorkerServiceProps) {
    super(scope, id);
    const { names } = props;
    const tags = { ...props.tags };
    this.service = new EcsService(this, "service", {
      name: names.service,
      cluster: props.clusterArn,
      taskDefinition: props.taskDefinitionArn,
      desiredCount: 0,
      capacityProviderStrategy: [{ capacityProvider: props.spot ? "FARGATE_SPOT" : "FARGATE", weight: 1 }],
      platformVersion: "LATEST",
      networkConfiguration: {
        subnets: props.subnetIds,
        securityGroups: props.securityGroupIds,
        assignPublicIp: props.assignPublicIp,
      },
      // A new task definition replaces workers as they finish; none is kept for health.
      deploymentMinimumHealthyPercent: 0,
      deploymentMaximumPercent: 200,
      // Workers are billed as tasks: they carry the service's tags (project, client, ...).
      propagateTags: "SERVICE",
      enableEcsManagedTags: true,
      lifecycle: { ignoreChanges: ["desired_count"] },
      dependsOn: [props.capacity],
      tags,
    });

    if (props.autoscaling) this.scaleWithQueue(props, props.autoscaling);
  }

  private scaleWithQueue(props: WorkerServiceProps, auto: NonNullable<WorkerServiceProps["autoscaling"]>) {
    const { names } = props;
    const { scaling } = auto;
    const tags = { ...props.tags };
    const target = new AppautoscalingTarget(this, "scaling", {
      serviceNamespace: "ecs",
      scalableDimension: "ecs:service:DesiredCount",
      resourceId: `service/${props.clusterName}/${this.service.name}`,
      minCapacity: 0,
      maxCapacity: scaling.maxWorkers,
      tags,
    });
    const policy = (id: string, config: AppautoscalingPolicyStepScalingPolicyConfiguration) =>
      new AppautoscalingPolicy(this, id, {
        name: `${names.service}-${id}`,
        policyType: "StepScaling",
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        stepScalingPolicyConfiguration: config,
      });
    // Doubles the workers (adding at least minScaleOutStep) each minute messages wait.
    const scaleOut = policy("scale-out", {
      adjustmentType: "PercentChangeInCapacity",
      minAdjustmentMagnitude: scaling.minScaleOutStep,
      metricAggregationType: "Maximum",
      cooldown: scaling.cooldownSeconds,
      stepAdjustment: [{ metricIntervalLowerBound: "0", scalingAdjustment: 100 }],
    });
    const scaleIn = policy("scale-in", {
      adjustmentType: "ExactCapacity",
      metricAggregationType: "Maximum",
      cooldown: scaling.cooldownSeconds,
      stepAdjustment: [{ metricIntervalUpperBound: "0", scalingAdjustment: 0 }],
    });

    new CloudwatchMetricAlarm(this, "messages-waiting", {
      alarmName: names.scaleOutAlarm,
      alarmDescription: `Messages wait in ${auto.queueName}: add workers`,
      namespace: QUEUE_METRIC.namespace,
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: auto.queueName },
      statistic: QUEUE_METRIC.stat,
      period: QUEUE_METRIC.period,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [scaleOut.arn],
      tags,
    });
    const queueMetric = (id: string, metricName: string) => ({
      id,
      metric: {
        namespace: QUEUE_METRIC.namespace,
        metricName,
        dimensions: { QueueName: auto.queueName },
        period: QUEUE_METRIC.period,
        stat: QUEUE_METRIC.stat,
      },
    });
    new CloudwatchMetricAlarm(this, "queue-empty", {
      alarmName: names.scaleInAlarm,
      alarmDescription: `${auto.queueName} has had nothing waiting and nothing in flight for ${scaling.emptyMinutesBeforeScaleIn} minutes: no workers`,
      metricQuery: [
        queueMetric("visible", "ApproximateNumberOfMessagesVisible"),
        queueMetric("in_flight", "ApproximateNumberOfMessagesNotVisible"),
        {
          id: "total",
          expression: "visible + in_flight",
          label: "messages waiting or in flight",
          returnData: true,
        },
      ],
      evaluationPeriods: scaling.emptyMinutesBeforeScaleIn,
      datapointsToAlarm: scaling.emptyMinutesBeforeScaleIn,
      threshold: 0,
      comparisonOperator: "LessThanOrEqualToThreshold",
      // SQS stops publishing the metrics of a queue idle for hours: silence means empty.
      treatMissingData: "breaching",
      alarmActions: [scaleIn.arn],
      tags,
    });
    new CloudwatchMetricAlarm(this, "dead-letters", {
      alarmName: names.deadLetterAlarm,
      alarmDescription: `Realisations in ${auto.deadLetterQueueName}: workers were lost on every try`,
      namespace: QUEUE_METRIC.namespace,
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: auto.deadLetterQueueName },
      statistic: QUEUE_METRIC.stat,
      period: 300,
      evaluationPeriods: 1,
      threshold: 0,
      comparisonOperator: "GreaterThanThreshold",
      treatMissingData: "notBreaching",
      alarmActions: [auto.alertsTopicArn],
      tags,
    });
  }
}
