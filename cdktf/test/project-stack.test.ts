// The project stack, synthesised with cdktn's Testing helpers and read as Terraform JSON.
import { Testing } from "cdktn";
import { describe, expect, it } from "vitest";
import { checkStack } from "../src/policy/check.ts";
import { groupProjectStacks } from "../src/project-inputs.ts";
import { all, only, RULE_CONTEXT, specOf, stackInput, synthJson, synthStacks } from "./helpers.ts";

function projectJson(...specs: Parameters<typeof stackInput>) {
  const { projects } = synthStacks([stackInput(...specs)]);
  return synthJson(projects[0]!);
}

const acme = (extra: Record<string, unknown> = {}) =>
  specOf({
    resources: { cpu: 2, memory_gb: 8, disk_gb: 50, spot: true },
    retries: { infrastructure: 3, model: 1 },
    cloud: {
      region: "eu-west-1",
      max_workers: 40,
      client: "Acme Water",
      tags: { "cost-centre": "hydro-7" },
      alerts_to: ["ops@acme.example", "+15551234567"],
      storage: { infrequent_access_after_days: 60 },
      log_retention_days: 90,
    },
    ...extra,
  });

describe("project stack", () => {
  const json = projectJson(acme());
  const raw = Testing.synth(synthStacks([stackInput(acme())]).projects[0]!, true);

  it("keeps its state in S3 with S3's lock file, and needs Terraform 1.10", () => {
    expect(json.terraform.backend.s3).toEqual({
      bucket: "acme-terraform-state",
      key: "projects/acme/eu-west-1/terraform.tfstate",
      region: "eu-west-1",
      encrypt: true,
      use_lockfile: true,
    });
    expect(json.terraform.required_version).toBe(">= 1.10.0");
  });

  it("tags every resource with project, client and the file's own tags through the provider", () => {
    expect(Testing.toHaveProviderWithProperties(raw, "aws", { region: "eu-west-1" })).toBe(true);
    expect(json.provider.aws[0].default_tags[0].tags).toEqual({
      "cost-centre": "hydro-7",
      "managed-by": "modelfleet",
      project: "acme",
      client: "Acme Water",
    });
  });

  it("makes an encrypted, versioned, private, TLS-only results bucket that ages into cheaper storage", () => {
    expect(only(json, "aws_s3_bucket").bucket).toBe(
      "modelfleet-acme-eu-west-1-${data.aws_caller_identity.account.account_id}",
    );
    expect(
      Testing.toHaveResourceWithProperties(raw, "aws_s3_bucket_versioning", {
        versioning_configuration: { status: "Enabled" },
      }),
    ).toBe(true);
    expect(
      only(json, "aws_s3_bucket_server_side_encryption_configuration").rule[0]
        .apply_server_side_encryption_by_default,
    ).toEqual({
      sse_algorithm: "AES256",
    });
    expect(only(json, "aws_s3_bucket_public_access_block")).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const policy = JSON.parse(only(json, "aws_s3_bucket_policy").policy);
    expect(policy.Statement[0]).toMatchObject({
      Effect: "Deny",
      Condition: { Bool: { "aws:SecureTransport": "false" } },
    });
    expect(only(json, "aws_s3_bucket_lifecycle_configuration").rule[0]).toMatchObject({
      status: "Enabled",
      transition: [{ days: 60, storage_class: "STANDARD_IA" }],
      noncurrent_version_expiration: [{ noncurrent_days: 90 }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    });
  });

  it("gives the scenario a queue whose dead letters come after the last allowed retry", () => {
    const queues = all(json, "aws_sqs_queue");
    const queue = queues.find((q) => q.name === "modelfleet-acme-base")!;
    const dlq = queues.find((q) => q.name === "modelfleet-acme-base-dlq")!;
    expect(queue).toMatchObject({
      visibility_timeout_seconds: 7200 + 300,
      message_retention_seconds: 1209600,
      receive_wait_time_seconds: 20,
      sqs_managed_sse_enabled: true,
      tags: { scenario: "base" },
    });
    expect(JSON.parse(queue.redrive_policy)).toEqual({
      deadLetterTargetArn: "${aws_sqs_queue.base-queues_dead-letters_3CC3B3B2.arn}",
      maxReceiveCount: 4,
    });
    expect(dlq.message_retention_seconds).toBe(1209600);
    expect(JSON.parse(only(json, "aws_sqs_queue_redrive_allow_policy").redrive_allow_policy)).toEqual({
      redrivePermission: "byQueue",
      sourceQueueArns: ["${aws_sqs_queue.base-queues_queue_EEA12BFC.arn}"],
    });
  });

  it("runs an ECS cluster on Fargate and Fargate Spot", () => {
    expect(only(json, "aws_ecs_cluster").name).toBe("modelfleet-acme");
    expect(only(json, "aws_ecs_cluster_capacity_providers").capacity_providers).toEqual([
      "FARGATE",
      "FARGATE_SPOT",
    ]);
  });

  it("sizes the worker task from resources, with the agent's environment, Spot's stop timeout and logs", () => {
    const task = only(json, "aws_ecs_task_definition");
    expect(task).toMatchObject({
      family: "modelfleet-acme-base",
      cpu: "2048",
      memory: "8192",
      ephemeral_storage: { size_in_gib: 50 },
      network_mode: "awsvpc",
      requires_compatibilities: ["FARGATE"],
      runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "X86_64" },
    });
    const [container] = JSON.parse(task.container_definitions);
    expect(container).toMatchObject({
      name: "agent",
      image: "${var.worker_image}",
      essential: true,
      stopTimeout: 120,
      logConfiguration: {
        logDriver: "awslogs",
        options: { "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "worker" },
      },
    });
    expect(
      Object.fromEntries(
        container.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
      ),
    ).toEqual({
      AWS_REGION: "eu-west-1",
      MODELFLEET_BUCKET: "${aws_s3_bucket.results_bucket_F5D1CF61.bucket}",
      MODELFLEET_CLUSTER: "${aws_ecs_cluster.cluster_A4C38409.name}",
      MODELFLEET_HOME_REGION: "eu-west-1",
      MODELFLEET_IDLE_SECONDS: "120",
      MODELFLEET_PREFIX: "results/",
      MODELFLEET_QUEUE_URL: "${aws_sqs_queue.base-queues_queue_EEA12BFC.url}",
      MODELFLEET_SERVICE: "base-workers",
      MODELFLEET_SERVICE_REGION: "eu-west-1",
    });
    expect(only(json, "aws_cloudwatch_log_group")).toMatchObject({
      name: "/modelfleet/acme/base",
      retention_in_days: 90,
    });
  });

  it("limits the task role to the scenario's results prefix, its queue and its cluster's task protection", () => {
    const roles = all(json, "aws_iam_role");
    const task = roles.find((r) => r.name === "modelfleet-acme-base-eu-west-1-task")!;
    expect(task.permissions_boundary).toBe(
      "arn:${data.aws_partition.partition.partition}:iam::${data.aws_caller_identity.account.account_id}:policy/modelfleet-workload-boundary",
    );
    expect(task.path).toBe("/modelfleet/");
    const policy = JSON.parse(
      all(json, "aws_iam_role_policy").find((p) => p.name === "run-realisations")!.policy,
    );
    const bySid = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(bySid.Results.Resource).toBe("${aws_s3_bucket.results_bucket_F5D1CF61.arn}/results/acme/base/*");
    expect(bySid.ListResults.Condition).toEqual({ StringLike: { "s3:prefix": "results/acme/base/*" } });
    expect(bySid.Work.Resource).toBe("${aws_sqs_queue.base-queues_queue_EEA12BFC.arn}");
    expect(bySid.ScaleInProtection).toMatchObject({
      Action: ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"],
      Resource:
        "arn:${data.aws_partition.partition.partition}:ecs:eu-west-1:${data.aws_caller_identity.account.account_id}:task/${aws_ecs_cluster.cluster_A4C38409.name}/*",
    });
    // Its own service only: the workers set it to zero once the queue stays empty.
    expect(bySid.ScaleOwnServiceToZero).toEqual({
      Sid: "ScaleOwnServiceToZero",
      Effect: "Allow",
      Action: "ecs:UpdateService",
      Resource:
        "arn:${data.aws_partition.partition.partition}:ecs:eu-west-1:${data.aws_caller_identity.account.account_id}:service/${aws_ecs_cluster.cluster_A4C38409.name}/base-workers",
    });
  });

  it("lets the execution role pull only the worker image and write only the scenarios' logs", () => {
    const policy = JSON.parse(
      all(json, "aws_iam_role_policy").find((p) => p.name === "start-workers")!.policy,
    );
    expect(policy.Statement.map((s: { Resource: unknown }) => s.Resource)).toEqual([
      "arn:${data.aws_partition.partition.partition}:ecr:eu-west-1:${data.aws_caller_identity.account.account_id}:repository/modelfleet-agent",
      "*",
      [
        "arn:${data.aws_partition.partition.partition}:logs:eu-west-1:${data.aws_caller_identity.account.account_id}:log-group:/modelfleet/acme/base:*",
      ],
    ]);
  });

  it("notifies the addresses the project file names", () => {
    expect(only(json, "aws_sns_topic").name).toBe("modelfleet-acme-alerts");
    expect(
      all(json, "aws_sns_topic_subscription")
        .map((s) => [s.protocol, s.endpoint])
        .sort(),
    ).toEqual([
      ["email", "ops@acme.example"],
      ["sms", "+15551234567"],
    ]);
  });

  it("builds a small VPC by default: public subnets in every zone, no NAT, an S3 endpoint, HTTPS out only", () => {
    expect(only(json, "aws_vpc")).toMatchObject({ cidr_block: "10.0.0.0/16", enable_dns_hostnames: true });
    expect(only(json, "aws_subnet")).toMatchObject({
      for_each: "${toset(data.aws_availability_zones.network_zones_2241F3F0.zone_ids)}",
      availability_zone_id: "${each.value}",
    });
    expect(json.resource.aws_nat_gateway).toBeUndefined();
    expect(only(json, "aws_vpc_endpoint")).toMatchObject({ vpc_endpoint_type: "Gateway" });
    expect(only(json, "aws_route")).toMatchObject({ destination_cidr_block: "0.0.0.0/0" });
    expect(only(json, "aws_vpc_security_group_egress_rule")).toMatchObject({
      ip_protocol: "tcp",
      from_port: 443,
      to_port: 443,
    });
    expect(only(json, "aws_security_group").ingress).toBeUndefined();
    expect(json.resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
    expect(json.data.aws_availability_zones.network_zones_2241F3F0.filter).toEqual([
      { name: "opt-in-status", values: ["opt-in-not-required"] },
    ]);
  });

  it("keeps to the zones where Fargate runs in regions that have such limits", () => {
    const tokyo = projectJson(specOf({ cloud: { region: "ap-northeast-1" } }));
    expect(
      Object.values(tokyo.data.aws_availability_zones as Record<string, { filter: unknown }>)[0]!.filter,
    ).toContainEqual({
      name: "zone-id",
      values: ["apne1-az1", "apne1-az2", "apne1-az4"],
    });
  });

  it("runs each scenario's workers as a service at zero that scales with its queue", () => {
    const service = only(json, "aws_ecs_service");
    expect(service).toMatchObject({
      name: "base-workers",
      desired_count: 0,
      lifecycle: { ignore_changes: ["desired_count"] },
      capacity_provider_strategy: [{ capacity_provider: "FARGATE_SPOT", weight: 1 }],
      propagate_tags: "SERVICE",
      network_configuration: { assign_public_ip: true },
    });
    // ECS refuses a capacity provider strategy before the cluster has the providers.
    expect(service.depends_on).toEqual(["aws_ecs_cluster_capacity_providers.cluster_capacity_BDCA409E"]);
    expect(only(json, "aws_appautoscaling_target")).toMatchObject({
      min_capacity: 0,
      max_capacity: 40,
      scalable_dimension: "ecs:service:DesiredCount",
      resource_id:
        "service/${aws_ecs_cluster.cluster_A4C38409.name}/${aws_ecs_service.base-service_F49CB358.name}",
    });
    const policies = Object.fromEntries(
      all(json, "aws_appautoscaling_policy").map((p) => [p.name, p.step_scaling_policy_configuration]),
    );
    expect(policies["base-workers-scale-out"]).toMatchObject({
      adjustment_type: "PercentChangeInCapacity",
      min_adjustment_magnitude: 4,
      step_adjustment: [{ metric_interval_lower_bound: "0", scaling_adjustment: 100 }],
    });
    expect(policies["base-workers-scale-in"]).toMatchObject({
      adjustment_type: "ExactCapacity",
      step_adjustment: [{ metric_interval_upper_bound: "0", scaling_adjustment: 0 }],
    });
    const alarms = Object.fromEntries(all(json, "aws_cloudwatch_metric_alarm").map((a) => [a.alarm_name, a]));
    expect(alarms["modelfleet-acme-base-scale-out"]).toMatchObject({
      metric_name: "ApproximateNumberOfMessagesVisible",
      comparison_operator: "GreaterThanThreshold",
      threshold: 0,
      alarm_actions: ["${aws_appautoscaling_policy.base-service_scale-out_3A5DA2A4.arn}"],
    });
    const empty = alarms["modelfleet-acme-base-scale-in"];
    expect(empty.metric_query.map((q: { id: string; expression?: string }) => q.expression ?? q.id)).toEqual([
      "visible",
      "in_flight",
      "visible + in_flight",
    ]);
    expect(empty).toMatchObject({
      comparison_operator: "LessThanOrEqualToThreshold",
      evaluation_periods: 5,
      treat_missing_data: "breaching",
    });
    expect(alarms["modelfleet-acme-base-dead-letters"].alarm_actions).toEqual([
      "${aws_sns_topic.alerts_topic_3313844B.arn}",
    ]);
  });

  it("outputs, per scenario, the infrastructure outputs file `run --executor ecs` reads", () => {
    expect(json.output.project.value).toBe("acme");
    expect(json.output.scenarios.value.base).toEqual({
      region: "eu-west-1",
      bucket: "${aws_s3_bucket.results_bucket_F5D1CF61.bucket}",
      prefix: "results/",
      queueUrl: "${aws_sqs_queue.base-queues_queue_EEA12BFC.url}",
      deadLetterQueueUrl: "${aws_sqs_queue.base-queues_dead-letters_3CC3B3B2.url}",
      cluster: "${aws_ecs_cluster.cluster_A4C38409.name}",
      taskDefinition: "${aws_ecs_task_definition.base-worker_task_854D0312.arn}",
      subnets: "${[ for key, val in aws_subnet.network_public_0CBAFAB1: val.id]}",
      securityGroups: ["${aws_security_group.network_workers_0722DD14.id}"],
      assignPublicIp: true,
      containerName: "agent",
      service: "${aws_ecs_service.base-service_F49CB358.name}",
      logGroup: "${aws_cloudwatch_log_group.base-worker_logs_ECFAD73E.name}",
      logStreamPrefix: "worker",
      alertsTopicArn: "${aws_sns_topic.alerts_topic_3313844B.arn}",
    });
    expect(json.variable.worker_image).toMatchObject({ type: "string", nullable: false });
  });

  it("passes every policy rule", () => {
    expect(checkStack(json, RULE_CONTEXT)).toEqual([]);
  });
});

describe("project stack variants", () => {
  it("uses the user's subnets and security groups, and their public address choice", () => {
    const json = projectJson(
      specOf({
        cloud: { subnets: ["subnet-0a", "subnet-0b"], security_groups: ["sg-0c"], assign_public_ip: false },
      }),
    );
    expect(json.resource.aws_vpc).toBeUndefined();
    expect(json.resource.aws_security_group).toBeUndefined();
    expect(only(json, "aws_ecs_service").network_configuration).toEqual({
      subnets: ["subnet-0a", "subnet-0b"],
      security_groups: ["sg-0c"],
      assign_public_ip: false,
    });
    expect(checkStack(json, RULE_CONTEXT)).toEqual([]);
  });

  it("opens the calibration port from the workers' group to itself when a scenario calibrates", () => {
    const observations = { values: { h1: { value: 10, sd: 0.1 } } };
    const json = projectJson(specOf({ observations }));
    expect(only(json, "aws_vpc_security_group_ingress_rule")).toMatchObject({
      security_group_id: "${aws_security_group.network_workers_0722DD14.id}",
      referenced_security_group_id: "${aws_security_group.network_workers_0722DD14.id}",
      ip_protocol: "tcp",
      from_port: 4004,
      to_port: 4004,
    });
    expect(checkStack(json, RULE_CONTEXT)).toEqual([]);
    // The user's own groups are theirs to open.
    const given = projectJson(specOf({ observations, cloud: { security_groups: ["sg-0c"] } }));
    expect(given.resource.aws_vpc_security_group_ingress_rule).toBeUndefined();
  });

  it("makes the egress-only group in the user's VPC when only subnets are given", () => {
    const json = projectJson(specOf({ cloud: { subnets: ["subnet-0a"] } }));
    expect(only(json, "aws_security_group").vpc_id).toBe(
      "${data.aws_subnet.network_given-subnet_6A5C94DB.vpc_id}",
    );
    expect(json.data.aws_subnet["network_given-subnet_6A5C94DB"].id).toBe("subnet-0a");
  });

  it("runs on-demand Fargate when resources.spot is false, without ephemeral storage at 20 GiB", () => {
    const json = projectJson(specOf({ resources: { cpu: 1, memory_gb: 2, disk_gb: 20, spot: false } }));
    expect(only(json, "aws_ecs_service").capacity_provider_strategy).toEqual([
      { capacity_provider: "FARGATE", weight: 1 },
    ]);
    expect(only(json, "aws_ecs_task_definition").ephemeral_storage).toBeUndefined();
  });

  it("holds a queue, task, service and outputs per scenario, sharing bucket, cluster and network", () => {
    const json = projectJson(specOf({ scenario: "dry" }), specOf({ scenario: "wet" }));
    expect(all(json, "aws_ecs_service").map((s) => s.name)).toEqual(["dry-workers", "wet-workers"]);
    expect(all(json, "aws_sqs_queue")).toHaveLength(4);
    expect(all(json, "aws_s3_bucket")).toHaveLength(1);
    expect(all(json, "aws_ecs_cluster")).toHaveLength(1);
    expect(Object.keys(json.output.scenarios.value)).toEqual(["dry", "wet"]);
    const execution = JSON.parse(
      all(json, "aws_iam_role_policy").find((p) => p.name === "start-workers")!.policy,
    );
    expect(execution.Statement[2].Resource).toHaveLength(2);
    expect(checkStack(json, RULE_CONTEXT)).toEqual([]);
  });
});

describe("a project in several regions", () => {
  const spec = specOf({
    cloud: { regions: ["eu-west-1", "eu-central-1"], max_workers: 20, client: "Acme Water" },
  });
  const { stacks, problems } = groupProjectStacks([{ file: "projects/acme/base.yaml", spec }]);
  const [central, west] = synthStacks(stacks).projects.map(synthJson);

  it("makes the home region's stack as with one region, and a workers-only stack in each other", () => {
    expect(problems).toEqual([]);
    expect(stacks.map((s) => [s.region, s.scenarios.length, s.visiting.length])).toEqual([
      ["eu-central-1", 0, 1],
      ["eu-west-1", 1, 0],
    ]);
    expect(all(west, "aws_s3_bucket")).toHaveLength(1);
    expect(all(west, "aws_sqs_queue")).toHaveLength(2);
    expect(all(west, "aws_appautoscaling_target")).toHaveLength(1);
    // The other region: its own cluster, network, logs, task and service; no bucket, no queue,
    // no scaling or alarms of its own (alarms cannot act across regions).
    expect(central.terraform.backend.s3.key).toBe("projects/acme/eu-central-1/terraform.tfstate");
    expect(central.provider.aws[0].region).toBe("eu-central-1");
    expect(all(central, "aws_ecs_cluster")).toHaveLength(1);
    expect(all(central, "aws_vpc")).toHaveLength(1);
    expect(only(central, "aws_ecs_service")).toMatchObject({ name: "base-workers", desired_count: 0 });
    expect(only(central, "aws_cloudwatch_log_group").name).toBe("/modelfleet/acme/base");
    for (const type of [
      "aws_s3_bucket",
      "aws_sqs_queue",
      "aws_sns_topic",
      "aws_appautoscaling_target",
      "aws_appautoscaling_policy",
      "aws_cloudwatch_metric_alarm",
    ]) {
      expect(central.resource[type], type).toBeUndefined();
    }
    expect(checkStack(central, RULE_CONTEXT)).toEqual([]);
    expect(checkStack(west, RULE_CONTEXT)).toEqual([]);
  });

  it("lets its workers read the home region's queue and write its bucket, and nothing else", () => {
    const [container] = JSON.parse(only(central, "aws_ecs_task_definition").container_definitions);
    const env = Object.fromEntries(
      container.environment.map((e: { name: string; value: string }) => [e.name, e.value]),
    );
    expect(env).toEqual({
      AWS_REGION: "eu-central-1",
      MODELFLEET_BUCKET: "modelfleet-acme-eu-west-1-${data.aws_caller_identity.account.account_id}",
      MODELFLEET_CLUSTER: "${aws_ecs_cluster.cluster_A4C38409.name}",
      MODELFLEET_HOME_REGION: "eu-west-1",
      MODELFLEET_IDLE_SECONDS: "120",
      MODELFLEET_PREFIX: "results/",
      MODELFLEET_QUEUE_URL:
        "https://sqs.eu-west-1.${data.aws_partition.partition.dns_suffix}/${data.aws_caller_identity.account.account_id}/modelfleet-acme-base",
      MODELFLEET_SERVICE: "base-workers",
      MODELFLEET_SERVICE_REGION: "eu-central-1",
    });
    expect(container.logConfiguration.options["awslogs-region"]).toBe("eu-central-1");
    const role = all(central, "aws_iam_role").find(
      (r) => r.name === "modelfleet-acme-base-eu-central-1-task",
    )!;
    expect(role.permissions_boundary).toContain("policy/modelfleet-workload-boundary");
    const policy = JSON.parse(
      all(central, "aws_iam_role_policy").find((p) => p.name === "run-realisations")!.policy,
    );
    const bySid = Object.fromEntries(policy.Statement.map((s: { Sid: string }) => [s.Sid, s]));
    expect(bySid.Results.Resource).toBe(
      "arn:${data.aws_partition.partition.partition}:s3:::modelfleet-acme-eu-west-1-${data.aws_caller_identity.account.account_id}/results/acme/base/*",
    );
    expect(bySid.Work.Resource).toBe(
      "arn:${data.aws_partition.partition.partition}:sqs:eu-west-1:${data.aws_caller_identity.account.account_id}:modelfleet-acme-base",
    );
    expect(bySid.ScaleOwnServiceToZero.Resource).toBe(
      "arn:${data.aws_partition.partition.partition}:ecs:eu-central-1:${data.aws_caller_identity.account.account_id}:service/${aws_ecs_cluster.cluster_A4C38409.name}/base-workers",
    );
  });

  it("outputs its workers for the home region's outputs file", () => {
    expect(central.output.scenarios.value).toEqual({});
    expect(central.output.workers.value).toEqual({
      base: {
        homeRegion: "eu-west-1",
        region: "eu-central-1",
        cluster: "${aws_ecs_cluster.cluster_A4C38409.name}",
        service: "${aws_ecs_service.base-service_F49CB358.name}",
        taskDefinition: "${aws_ecs_task_definition.base-worker_task_854D0312.arn}",
        subnets: expect.any(String),
        securityGroups: ["${aws_security_group.network_workers_0722DD14.id}"],
        assignPublicIp: true,
        logGroup: "${aws_cloudwatch_log_group.base-worker_logs_ECFAD73E.name}",
        logStreamPrefix: "worker",
      },
    });
    expect(west.output.workers.value).toEqual({});
  });
});
