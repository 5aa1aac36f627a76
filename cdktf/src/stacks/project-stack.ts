// One project in one region: its cluster, network and execution role; for the scenarios whose
// home is this region, the results bucket, alerts, and per scenario a queue with dead letters,
// the workers' task definition, logs and role, and the service that keeps the workers running,
// scaled by the queue; for the scenarios that only run workers here (their home is another of
// their `cloud.regions`), the task definition, logs, role and service, whose workers read the
// home region's queue and write its bucket (CloudWatch alarms cannot act across regions, so
// these services have no scaling of their own: the run sets them, the workers zero them).
// Outputs what `run --executor ecs` reads, per scenario (see outputs.ts).
import { DataAwsCallerIdentity } from "@cdktn/provider-aws/lib/data-aws-caller-identity/index.js";
import { DataAwsPartition } from "@cdktn/provider-aws/lib/data-aws-partition/index.js";
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktn";
import type { Construct } from "constructs";
import { PESTPP_PORT } from "../../../src/calibrate/pestpp/pestpp-port.ts";
import type { InfraConfig } from "../config.ts";
import { AlertsTopic } from "../constructs/alerts-topic.ts";
import { CalibrationPort } from "../constructs/calibration-port.ts";
import { ExecutionRole } from "../constructs/execution-role.ts";
import { ResultsBucket } from "../constructs/results-bucket.ts";
import { ScenarioQueues } from "../constructs/scenario-queues.ts";
import { LOG_STREAM_PREFIX, ScenarioWorker } from "../constructs/scenario-worker.ts";
import { WorkerCluster } from "../constructs/worker-cluster.ts";
import { WorkerNetwork } from "../constructs/worker-network.ts";
import { WorkerService, type WorkerServiceProps } from "../constructs/worker-service.ts";
import {
  ENGINE_REPOSITORY,
  projectNames,
  RESULTS_PREFIX,
  type ScenarioNames,
  STATE_KEYS,
  scenarioNames,
  WORKLOAD_BOUNDARY_POLICY,
} from "../names.ts";
import { type ScenarioOutputs, scenarioOutputs, type VisitingOutputs } from "../outputs.ts";
import type { ProjectStackInput } from "../project-inputs.ts";
import { maxReceiveCount, queueVisibilitySeconds, scalingSettings } from "../scenario-settings.ts";
import { MANAGED_BY_TAG, useAwsProvider, useStateBackend } from "./stack-basics.ts";

/** The tags every resource of a project stack carries (through the provider's default tags). */
export function projectTags(input: ProjectStackInput): Record<string, string> {
  return {
    ...input.tags,
    ...MANAGED_BY_TAG,
    project: input.project,
    ...(input.client === undefined ? {} : { client: input.client }),
  };
}

export class ProjectStack extends TerraformStack {
  constructor(
    scope: Construct,
    id: string,
    props: { readonly input: ProjectStackInput; readonly config: InfraConfig },
  ) {
    super(scope, id);
    const { input, config } = props;
    const { project, region } = input;
    useAwsProvider(this, { region, tags: projectTags(input) });
    useStateBackend(this, config, STATE_KEYS.project(project, region));
    const aws = new DataAwsPartition(this, "partition");
    const partition = aws.partition;
    const account = new DataAwsCallerIdentity(this, "account").accountId;
    const image = new TerraformVariable(this, "worker_image", {
      type: "string",
      description: "The worker image, by digest: <repository url>@sha256:<digest>",
      nullable: false,
    }).stringValue;

    const names = projectNames(project, region);
    const dnsSuffix = aws.dnsSuffix;
    const { cluster, capacity } = new WorkerCluster(this, "cluster", { name: names.cluster });
    const network = new WorkerNetwork(this, "network", {
      name: names.network,
      securityGroupName: names.securityGroup,
      region,
      choice: input.network,
    });
    if (network.ownSecurityGroupId && input.scenarios.some((s) => s.spec.observations !== undefined)) {
      new CalibrationPort(this, "calibration-port", {
        securityGroupId: network.ownSecurityGroupId,
        port: PESTPP_PORT,
      });
    }
    const boundaryArn = `arn:${partition}:iam::${account}:policy/${WORKLOAD_BOUNDARY_POLICY}`;
    const scenarioNamesOf = (s: ProjectStackInput["scenarios"][number]) => ({
      ...s,
      names: scenarioNames(project, s.spec.scenario, region),
    });
    const home = input.scenarios.map(scenarioNamesOf);
    const visiting = input.visiting.map(scenarioNamesOf);
    const execution = new ExecutionRole(this, "execution", {
      name: names.executionRole,
      partition,
      account,
      region,
      boundaryArn,
      repositoryArn: `arn:${partition}:ecr:${config.foundation_region}:${account}:repository/${ENGINE_REPOSITORY}`,
      logGroupArns: [...home, ...visiting].map(
        (s) => `arn:${partition}:logs:${region}:${account}:log-group:${s.names.logGroup}`,
      ),
    }).role;
    const common = {
      partition,
      account,
      region,
      image,
      bucketPrefix: RESULTS_PREFIX,
      clusterName: cluster.name,
      executionRoleArn: execution.arn,
      boundaryArn,
    };
    const serviceOf = (
      scenario: string,
      sNames: ScenarioNames,
      spec: ProjectStackInput["scenarios"][number]["spec"],
      taskDefinitionArn: string,
      autoscaling?: WorkerServiceProps["autoscaling"],
    ) =>
      new WorkerService(this, `${scenario}-service`, {
        names: sNames,
        clusterArn: cluster.arn,
        clusterName: cluster.name,
        capacity,
        taskDefinitionArn,
        spot: spec.resources.spot,
        subnetIds: network.subnetIds,
        securityGroupIds: network.securityGroupIds,
        assignPublicIp: network.assignPublicIp,
        ...(autoscaling ? { autoscaling } : {}),
        tags: { scenario },
      }).service;

    const outputs: Record<string, ScenarioOutputs> = {};
    if (home.length > 0) {
      const bucket = new ResultsBucket(this, "results", {
        name: `${names.bucketStem}-${account}`,
        storage: input.storage,
      }).bucket;
      const alerts = new AlertsTopic(this, "alerts", { name: names.alertsTopic, to: input.alertsTo }).topic;
      for (const { spec, names: sNames } of home) {
        const scenario = spec.scenario;
        const tags = { scenario };
        const queues = new ScenarioQueues(this, `${scenario}-queues`, {
          name: sNames.queue,
          deadLetterName: sNames.deadLetterQueue,
          visibilitySeconds: queueVisibilitySeconds(spec.model.timeout),
          maxReceiveCount: maxReceiveCount(spec.retries),
          tags,
        });
        const worker = new ScenarioWorker(this, `${scenario}-worker`, {
          ...common,
          spec,
          names: sNames,
          homeRegion: region,
          bucketName: bucket.bucket,
          bucketArn: bucket.arn,
          resultsPrefix: `${RESULTS_PREFIX}${project}/${scenario}/`,
          queueUrl: queues.queue.url,
          queueArn: queues.queue.arn,
          tags,
        });
        const service = serviceOf(scenario, sNames, spec, worker.taskDefinition.arn, {
          scaling: scalingSettings(spec),
          queueName: queues.queue.name,
          deadLetterQueueName: queues.deadLetters.name,
          alertsTopicArn: alerts.arn,
        });
        outputs[scenario] = scenarioOutputs({
          region,
          bucket: bucket.bucket,
          queueUrl: queues.queue.url,
          deadLetterQueueUrl: queues.deadLetters.url,
          cluster: cluster.name,
          taskDefinition: worker.taskDefinition.arn,
          subnets: network.subnetIds,
          securityGroups: network.securityGroupIds,
          assignPublicIp: network.assignPublicIp,
          service: service.name,
          logGroup: worker.logGroup.name,
          logStreamPrefix: LOG_STREAM_PREFIX,
          alertsTopicArn: alerts.arn,
        });
      }
    }

    const workers: Record<string, VisitingOutputs> = {};
    for (const { spec, names: sNames } of visiting) {
      const scenario = spec.scenario;
      const homeRegion = spec.cloud.region;
      // The home region's bucket and queue, by name: they are another stack's resources.
      const bucketName = `${projectNames(project, homeRegion).bucketStem}-${account}`;
      const queue = scenarioNames(project, scenario, homeRegion).queue;
      const worker = new ScenarioWorker(this, `${scenario}-worker`, {
        ...common,
        spec,
        names: sNames,
        homeRegion,
        bucketName,
        bucketArn: `arn:${partition}:s3:::${bucketName}`,
        resultsPrefix: `${RESULTS_PREFIX}${project}/${scenario}/`,
        queueUrl: `https://sqs.${homeRegion}.${dnsSuffix}/${account}/${queue}`,
        queueArn: `arn:${partition}:sqs:${homeRegion}:${account}:${queue}`,
        tags: { scenario },
      });
      const service = serviceOf(scenario, sNames, spec, worker.taskDefinition.arn);
      workers[scenario] = {
        homeRegion,
        region,
        cluster: cluster.name,
        service: service.name,
        taskDefinition: worker.taskDefinition.arn,
        subnets: network.subnetIds,
        securityGroups: network.securityGroupIds,
        assignPublicIp: network.assignPublicIp,
        logGroup: worker.logGroup.name,
        logStreamPrefix: LOG_STREAM_PREFIX,
      };
    }
    new TerraformOutput(this, "project", { value: project });
    new TerraformOutput(this, "region", { value: region });
    new TerraformOutput(this, "scenarios", { value: outputs });
    new TerraformOutput(this, "workers", { value: workers });
  }
}
