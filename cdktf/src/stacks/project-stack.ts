// One project in one region: its results bucket, cluster, network, alerts and execution role,
// and per scenario a queue with dead letters, the workers' task definition, logs and role, and
// the service that keeps the workers running. Outputs what `run --executor ecs` reads, per
// scenario (see outputs.ts).
import { DataAwsCallerIdentity } from "@cdktn/provider-aws/lib/data-aws-caller-identity/index.js";
import { DataAwsPartition } from "@cdktn/provider-aws/lib/data-aws-partition/index.js";
import { TerraformOutput, TerraformStack, TerraformVariable } from "cdktn";
import type { Construct } from "constructs";
import type { InfraConfig } from "../config.ts";
import { AlertsTopic } from "../constructs/alerts-topic.ts";
import { ExecutionRole } from "../constructs/execution-role.ts";
import { ResultsBucket } from "../constructs/results-bucket.ts";
import { ScenarioQueues } from "../constructs/scenario-queues.ts";
import { LOG_STREAM_PREFIX, ScenarioWorker } from "../constructs/scenario-worker.ts";
import { WorkerCluster } from "../constructs/worker-cluster.ts";
import { WorkerNetwork } from "../constructs/worker-network.ts";
import { WorkerService } from "../constructs/worker-service.ts";
import {
  ENGINE_REPOSITORY,
  projectNames,
  RESULTS_PREFIX,
  STATE_KEYS,
  scenarioNames,
  WORKLOAD_BOUNDARY_POLICY,
} from "../names.ts";
import { type ScenarioOutputs, scenarioOutputs } from "../outputs.ts";
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
    const partition = new DataAwsPartition(this, "partition").partition;
    const account = new DataAwsCallerIdentity(this, "account").accountId;
    const image = new TerraformVariable(this, "worker_image", {
      type: "string",
      description: "The worker image, by digest: <repository url>@sha256:<digest>",
      nullable: false,
    }).stringValue;

    const names = projectNames(project, region);
    const bucket = new ResultsBucket(this, "results", {
      name: `${names.bucketStem}-${account}`,
      storage: input.storage,
    }).bucket;
    const { cluster, capacity } = new WorkerCluster(this, "cluster", { name: names.cluster });
    const network = new WorkerNetwork(this, "network", {
      name: names.network,
      securityGroupName: names.securityGroup,
      region,
      choice: input.network,
    });
    const alerts = new AlertsTopic(this, "alerts", { name: names.alertsTopic, to: input.alertsTo }).topic;
    const boundaryArn = `arn:${partition}:iam::${account}:policy/${WORKLOAD_BOUNDARY_POLICY}`;
    const perScenario = input.scenarios.map((s) => ({
      ...s,
      names: scenarioNames(project, s.spec.scenario, region),
    }));
    const execution = new ExecutionRole(this, "execution", {
      name: names.executionRole,
      partition,
      account,
      region,
      boundaryArn,
      repositoryArn: `arn:${partition}:ecr:${config.foundation_region}:${account}:repository/${ENGINE_REPOSITORY}`,
      logGroupArns: perScenario.map(
        (s) => `arn:${partition}:logs:${region}:${account}:log-group:${s.names.logGroup}`,
      ),
    }).role;

    const outputs: Record<string, ScenarioOutputs> = {};
    for (const { spec, names: sNames } of perScenario) {
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
        spec,
        names: sNames,
        partition,
        account,
        region,
        image,
        bucketName: bucket.bucket,
        bucketArn: bucket.arn,
        bucketPrefix: RESULTS_PREFIX,
        resultsPrefix: `${RESULTS_PREFIX}${project}/${scenario}/`,
        queueUrl: queues.queue.url,
        queueArn: queues.queue.arn,
        clusterName: cluster.name,
        executionRoleArn: execution.arn,
        boundaryArn,
        tags,
      });
      const service = new WorkerService(this, `${scenario}-service`, {
        names: sNames,
        clusterArn: cluster.arn,
        clusterName: cluster.name,
        capacity,
        taskDefinitionArn: worker.taskDefinition.arn,
        spot: spec.resources.spot,
        subnetIds: network.subnetIds,
        securityGroupIds: network.securityGroupIds,
        assignPublicIp: network.assignPublicIp,
        scaling: scalingSettings(spec),
        queueName: queues.queue.name,
        deadLetterQueueName: queues.deadLetters.name,
        alertsTopicArn: alerts.arn,
        tags,
      }).service;
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
    new TerraformOutput(this, "project", { value: project });
    new TerraformOutput(this, "region", { value: region });
    new TerraformOutput(this, "scenarios", { value: outputs });
  }
}
