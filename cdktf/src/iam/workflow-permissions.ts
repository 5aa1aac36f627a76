// What each GitHub workflow may do in the account, as IAM statements in three sets (read,
// write, destroy) that the workflows' roles combine. Every resource
// modelfleet creates is named `modelfleet-*` (IAM roles under the path /modelfleet/), so the
// permissions are scoped by name; actions that AWS only grants on "*" are listed one by one,
// never as a service wildcard.
//
// - plan: read. Terraform plan's refresh, `modelfleet plan` reading results, the image check.
//   Writes nothing but Terraform's lock files next to the state.
// - run: plan's reads, plus applying the project stacks (create and update, never delete),
//   running a run set (S3, SQS, ECS tasks and services) and pushing the worker image.
//   The workers' roles it creates must carry the workload boundary, so it cannot create a
//   role more powerful than a worker.
// - close: run's permissions plus deleting what the project stacks created, and the state.
import {
  ENGINE_REPOSITORY,
  GITHUB_OIDC_HOST,
  NAME_PREFIX,
  WORKLOAD_BOUNDARY_POLICY,
  WORKLOAD_ROLE_PATH,
} from "../names.ts";
import { type Arns, arn, type Statement } from "./policy-document.ts";

export type WorkflowName = "plan" | "run" | "close";
export type PermissionSet = "read" | "write" | "destroy";

/** The permission sets each workflow's role holds: each set is one managed policy (an IAM
 * managed policy holds at most 6,144 characters; a role's inline policies 10,240 in all). */
export const WORKFLOW_PERMISSIONS: Readonly<Record<WorkflowName, readonly PermissionSet[]>> = {
  plan: ["read"],
  run: ["read", "write"],
  close: ["read", "write", "destroy"],
};

export interface WorkflowScope extends Arns {
  readonly stateBucket: string;
  readonly foundationRegion: string;
  /** Buckets closed projects are archived to (config.yaml `archive.buckets`). */
  readonly archiveBuckets?: readonly string[];
}

/** ARNs of everything modelfleet names, in any region of the account. */
export function modelfleetArns(s: Arns) {
  const any = (service: string, resource: string) => arn(s, service, "*", resource);
  return {
    buckets: arn(s, "s3", "", `${NAME_PREFIX}-*`),
    objects: arn(s, "s3", "", `${NAME_PREFIX}-*/*`),
    queues: any("sqs", `${NAME_PREFIX}-*`),
    clusters: any("ecs", `cluster/${NAME_PREFIX}-*`),
    services: any("ecs", `service/${NAME_PREFIX}-*/*`),
    tasks: any("ecs", `task/${NAME_PREFIX}-*/*`),
    taskDefinitions: any("ecs", `task-definition/${NAME_PREFIX}-*:*`),
    logGroups: any("logs", `log-group:/${NAME_PREFIX}/*`),
    logStreams: any("logs", `log-group:/${NAME_PREFIX}/*:*`),
    workloadRoles: arn(s, "iam", "", `role${WORKLOAD_ROLE_PATH}*`),
    boundaryPolicy: arn(s, "iam", "", `policy/${WORKLOAD_BOUNDARY_POLICY}`),
    oidcProvider: arn(s, "iam", "", `oidc-provider/${GITHUB_OIDC_HOST}`),
    topics: any("sns", `${NAME_PREFIX}-*`),
    alarms: any("cloudwatch", `alarm:${NAME_PREFIX}-*`),
    repositories: any("ecr", `repository/${ENGINE_REPOSITORY}`),
  };
}

export function permissionStatements(set: PermissionSet, scope: WorkflowScope): Statement[] {
  switch (set) {
    case "read":
      return readStatements(scope);
    case "write":
      return [...applyStatements(scope), ...runSetStatements(scope)];
    case "destroy":
      return destroyStatements(scope);
  }
}

/** Everything a workflow's role allows, for reading and for tests. */
export function workflowStatements(workflow: WorkflowName, scope: WorkflowScope): Statement[] {
  return WORKFLOW_PERMISSIONS[workflow].flatMap((set) => permissionStatements(set, scope));
}

function readStatements(scope: WorkflowScope): Statement[] {
  const a = modelfleetArns(scope);
  const state = arn(scope, "s3", "", scope.stateBucket);
  return [
    {
      Sid: "ReadTerraformState",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:ListBucket"],
      Resource: [state, `${state}/*`],
    },
    {
      Sid: "LockTerraformState",
      Effect: "Allow",
      Action: ["s3:PutObject", "s3:DeleteObject"],
      Resource: `${state}/*.tflock`,
    },
    {
      Sid: "ReadBuckets",
      Effect: "Allow",
      Action: [
        "s3:GetBucket*",
        "s3:GetEncryptionConfiguration",
        "s3:GetLifecycleConfiguration",
        "s3:GetAccelerateConfiguration",
        "s3:GetReplicationConfiguration",
        "s3:GetObject",
        "s3:ListBucket",
      ],
      Resource: [a.buckets, a.objects],
    },
    {
      Sid: "ReadQueues",
      Effect: "Allow",
      Action: [
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:ListQueueTags",
        "sqs:ListDeadLetterSourceQueues",
      ],
      Resource: a.queues,
    },
    {
      Sid: "ReadEcs",
      Effect: "Allow",
      Action: [
        "ecs:DescribeClusters",
        "ecs:DescribeServices",
        "ecs:DescribeTasks",
        "ecs:ListTasks",
        "ecs:ListServices",
        "ecs:ListTagsForResource",
      ],
      Resource: [a.clusters, a.services, a.tasks, a.taskDefinitions],
    },
    {
      Sid: "ReadEcsUnscoped",
      Effect: "Allow",
      Action: ["ecs:DescribeTaskDefinition", "ecs:DescribeCapacityProviders"],
      Resource: "*",
    },
    {
      Sid: "ReadRoles",
      Effect: "Allow",
      Action: [
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListRolePolicies",
        "iam:ListAttachedRolePolicies",
        "iam:ListRoleTags",
        "iam:ListInstanceProfilesForRole",
      ],
      Resource: a.workloadRoles,
    },
    {
      Sid: "ReadPoliciesAndProvider",
      Effect: "Allow",
      Action: [
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:ListPolicyVersions",
        "iam:GetOpenIDConnectProvider",
      ],
      Resource: [a.boundaryPolicy, a.oidcProvider],
    },
    {
      Sid: "ReadLogs",
      Effect: "Allow",
      Action: [
        "logs:ListTagsForResource",
        "logs:ListTagsLogGroup",
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
      ],
      Resource: [a.logGroups, a.logStreams],
    },
    {
      Sid: "ListLogGroups",
      Effect: "Allow",
      Action: "logs:DescribeLogGroups",
      Resource: arn(scope, "logs", "*", "log-group:*"),
    },
    {
      Sid: "ReadNetwork",
      Effect: "Allow",
      Action: [
        "ec2:DescribeVpcs",
        "ec2:DescribeVpcAttribute",
        "ec2:DescribeSubnets",
        "ec2:DescribeRouteTables",
        "ec2:DescribeInternetGateways",
        "ec2:DescribeVpcEndpoints",
        "ec2:DescribeVpcEndpointServices",
        "ec2:DescribeNetworkAcls",
        "ec2:DescribePrefixLists",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSecurityGroupRules",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeAvailabilityZones",
        "ec2:DescribeTags",
      ],
      Resource: "*",
    },
    {
      Sid: "ReadTopics",
      Effect: "Allow",
      Action: [
        "sns:GetTopicAttributes",
        "sns:ListTagsForResource",
        "sns:ListSubscriptionsByTopic",
        "sns:GetSubscriptionAttributes",
      ],
      Resource: a.topics,
    },
    {
      Sid: "ReadAlarms",
      Effect: "Allow",
      Action: ["cloudwatch:DescribeAlarms", "cloudwatch:ListTagsForResource"],
      Resource: a.alarms,
    },
    {
      Sid: "ReadScaling",
      Effect: "Allow",
      Action: [
        "application-autoscaling:DescribeScalableTargets",
        "application-autoscaling:DescribeScalingPolicies",
        "application-autoscaling:ListTagsForResource",
      ],
      Resource: "*",
    },
    {
      Sid: "ReadImages",
      Effect: "Allow",
      Action: [
        "ecr:DescribeRepositories",
        "ecr:DescribeImages",
        "ecr:GetLifecyclePolicy",
        "ecr:GetRepositoryPolicy",
        "ecr:ListTagsForResource",
      ],
      Resource: a.repositories,
    },
  ];
}

function applyStatements(scope: WorkflowScope): Statement[] {
  const a = modelfleetArns(scope);
  const state = arn(scope, "s3", "", scope.stateBucket);
  return [
    {
      Sid: "WriteProjectState",
      Effect: "Allow",
      Action: "s3:PutObject",
      Resource: `${state}/projects/*`,
    },
    {
      Sid: "ApplyBuckets",
      Effect: "Allow",
      Action: [
        "s3:CreateBucket",
        "s3:PutBucketVersioning",
        "s3:PutEncryptionConfiguration",
        "s3:PutLifecycleConfiguration",
        "s3:PutBucketPolicy",
        "s3:PutBucketPublicAccessBlock",
        "s3:PutBucketOwnershipControls",
        "s3:PutBucketTagging",
      ],
      Resource: a.buckets,
    },
    {
      Sid: "ApplyQueues",
      Effect: "Allow",
      Action: ["sqs:CreateQueue", "sqs:SetQueueAttributes", "sqs:TagQueue", "sqs:UntagQueue"],
      Resource: a.queues,
    },
    {
      Sid: "ApplyEcs",
      Effect: "Allow",
      Action: [
        "ecs:CreateCluster",
        "ecs:UpdateCluster",
        "ecs:UpdateClusterSettings",
        "ecs:PutClusterCapacityProviders",
        "ecs:CreateService",
        "ecs:UpdateService",
        "ecs:TagResource",
        "ecs:UntagResource",
      ],
      Resource: [a.clusters, a.services, a.tasks, a.taskDefinitions],
    },
    {
      Sid: "ApplyTaskDefinitions",
      Effect: "Allow",
      Action: ["ecs:RegisterTaskDefinition", "ecs:DeregisterTaskDefinition"],
      Resource: "*",
    },
    {
      Sid: "CreateWorkerRolesWithinTheBoundary",
      Effect: "Allow",
      Action: ["iam:CreateRole", "iam:PutRolePolicy", "iam:DeleteRolePolicy"],
      Resource: a.workloadRoles,
      Condition: { StringEquals: { "iam:PermissionsBoundary": a.boundaryPolicy } },
    },
    {
      Sid: "UpdateWorkerRoles",
      Effect: "Allow",
      Action: ["iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:TagRole", "iam:UntagRole"],
      Resource: a.workloadRoles,
    },
    {
      Sid: "KeepTheBoundary",
      Effect: "Deny",
      Action: ["iam:DeleteRolePermissionsBoundary", "iam:PutRolePermissionsBoundary", "iam:AttachRolePolicy"],
      Resource: a.workloadRoles,
    },
    {
      Sid: "PassWorkerRolesToEcs",
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: a.workloadRoles,
      Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    },
    {
      Sid: "CreateServiceLinkedRoles",
      Effect: "Allow",
      Action: "iam:CreateServiceLinkedRole",
      Resource: arn(scope, "iam", "", "role/aws-service-role/*"),
      Condition: {
        StringEquals: {
          "iam:AWSServiceName": ["ecs.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"],
        },
      },
    },
    {
      Sid: "ApplyLogGroups",
      Effect: "Allow",
      Action: [
        "logs:CreateLogGroup",
        "logs:PutRetentionPolicy",
        "logs:TagResource",
        "logs:TagLogGroup",
        "logs:UntagResource",
      ],
      Resource: a.logGroups,
    },
    {
      Sid: "ApplyNetwork",
      Effect: "Allow",
      // No AuthorizeSecurityGroupIngress here: the workers take no inbound traffic but the
      // calibration port, opened below on modelfleet's own groups alone.
      Action: [
        "ec2:CreateVpc",
        "ec2:ModifyVpcAttribute",
        "ec2:CreateSubnet",
        "ec2:ModifySubnetAttribute",
        "ec2:CreateInternetGateway",
        "ec2:AttachInternetGateway",
        "ec2:CreateRouteTable",
        "ec2:CreateRoute",
        "ec2:AssociateRouteTable",
        "ec2:CreateVpcEndpoint",
        "ec2:ModifyVpcEndpoint",
        "ec2:CreateSecurityGroup",
        "ec2:AuthorizeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupEgress",
        "ec2:RevokeSecurityGroupIngress",
        "ec2:CreateTags",
      ],
      Resource: "*",
    },
    {
      // PEST++'s agents reach its manager on the calibration port: a rule from the workers'
      // group to itself (the policy rule no-ingress allows no other), on groups modelfleet made.
      Sid: "OpenTheCalibrationPortOnModelfleetGroups",
      Effect: "Allow",
      Action: "ec2:AuthorizeSecurityGroupIngress",
      Resource: "*",
      Condition: { StringEquals: { "ec2:ResourceTag/managed-by": NAME_PREFIX } },
    },
    {
      Sid: "ApplyTopics",
      Effect: "Allow",
      Action: [
        "sns:CreateTopic",
        "sns:SetTopicAttributes",
        "sns:Subscribe",
        "sns:Unsubscribe",
        "sns:TagResource",
        "sns:UntagResource",
        "sns:Publish",
      ],
      Resource: a.topics,
    },
    {
      Sid: "ApplyAlarms",
      Effect: "Allow",
      Action: ["cloudwatch:PutMetricAlarm", "cloudwatch:TagResource", "cloudwatch:UntagResource"],
      Resource: a.alarms,
    },
    {
      Sid: "ApplyScaling",
      Effect: "Allow",
      Action: [
        "application-autoscaling:RegisterScalableTarget",
        "application-autoscaling:PutScalingPolicy",
        "application-autoscaling:TagResource",
      ],
      Resource: "*",
    },
  ];
}

function runSetStatements(scope: WorkflowScope): Statement[] {
  const a = modelfleetArns(scope);
  return [
    {
      Sid: "ResultsAndBundles",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"],
      Resource: [a.buckets, a.objects],
    },
    {
      Sid: "WorkQueues",
      Effect: "Allow",
      Action: [
        "sqs:SendMessage",
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
      ],
      Resource: a.queues,
    },
    {
      Sid: "StartWorkers",
      Effect: "Allow",
      Action: "ecs:RunTask",
      Resource: a.taskDefinitions,
      Condition: { ArnLike: { "ecs:cluster": a.clusters } },
    },
    {
      Sid: "WatchAndStopWorkers",
      Effect: "Allow",
      Action: [
        "ecs:StopTask",
        "ecs:DescribeTasks",
        "ecs:ListTasks",
        "ecs:UpdateService",
        "ecs:DescribeServices",
      ],
      Resource: [a.clusters, a.services, a.tasks],
    },
    {
      Sid: "PushTheWorkerImage",
      Effect: "Allow",
      Action: [
        "ecr:BatchCheckLayerAvailability",
        "ecr:InitiateLayerUpload",
        "ecr:UploadLayerPart",
        "ecr:CompleteLayerUpload",
        "ecr:PutImage",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
      ],
      Resource: arn(scope, "ecr", scope.foundationRegion, `repository/${ENGINE_REPOSITORY}`),
    },
    {
      Sid: "LogInToEcr",
      Effect: "Allow",
      Action: "ecr:GetAuthorizationToken",
      Resource: "*",
    },
  ];
}

function destroyStatements(scope: WorkflowScope): Statement[] {
  const a = modelfleetArns(scope);
  const state = arn(scope, "s3", "", scope.stateBucket);
  const archives = (scope.archiveBuckets ?? []).map((b) => arn(scope, "s3", "", b));
  return [
    ...(archives.length === 0
      ? []
      : [
          {
            Sid: "BackUpToArchives",
            Effect: "Allow" as const,
            Action: [
              "s3:PutObject",
              "s3:GetObject",
              "s3:GetObjectAttributes",
              "s3:GetObjectVersion",
              "s3:ListBucket",
              "s3:ListBucketVersions",
              "s3:AbortMultipartUpload",
            ],
            Resource: [...archives, ...archives.map((b) => `${b}/*`)],
          },
        ]),
    {
      Sid: "AbortUploadsInProjectBuckets",
      Effect: "Allow",
      Action: ["s3:ListBucketMultipartUploads", "s3:AbortMultipartUpload"],
      Resource: [a.buckets, a.objects],
    },
    {
      Sid: "DeleteUnusedImages",
      Effect: "Allow",
      Action: "ecr:BatchDeleteImage",
      Resource: a.repositories,
    },
    {
      Sid: "DeleteProjectState",
      Effect: "Allow",
      Action: "s3:DeleteObject",
      Resource: `${state}/projects/*`,
    },
    {
      Sid: "DeleteBuckets",
      Effect: "Allow",
      Action: [
        "s3:DeleteBucket",
        "s3:DeleteBucketPolicy",
        "s3:DeleteObject",
        "s3:DeleteObjectVersion",
        "s3:GetObjectVersion",
        "s3:ListBucketVersions",
      ],
      Resource: [a.buckets, a.objects],
    },
    {
      Sid: "DeleteQueues",
      Effect: "Allow",
      Action: ["sqs:DeleteQueue", "sqs:PurgeQueue"],
      Resource: a.queues,
    },
    {
      Sid: "DeleteEcs",
      Effect: "Allow",
      Action: ["ecs:DeleteService", "ecs:DeleteCluster"],
      Resource: [a.clusters, a.services],
    },
    {
      Sid: "DeleteTaskDefinitions",
      Effect: "Allow",
      Action: "ecs:DeleteTaskDefinitions",
      Resource: "*",
    },
    {
      Sid: "DeleteWorkerRoles",
      Effect: "Allow",
      Action: "iam:DeleteRole",
      Resource: a.workloadRoles,
    },
    {
      Sid: "DeleteLogGroups",
      Effect: "Allow",
      Action: "logs:DeleteLogGroup",
      Resource: a.logGroups,
    },
    {
      Sid: "DeleteNetworkMadeByModelfleet",
      Effect: "Allow",
      Action: [
        "ec2:DeleteVpc",
        "ec2:DeleteSubnet",
        "ec2:DetachInternetGateway",
        "ec2:DeleteInternetGateway",
        "ec2:DeleteRouteTable",
        "ec2:DeleteRoute",
        "ec2:DisassociateRouteTable",
        "ec2:DeleteVpcEndpoints",
        "ec2:DeleteSecurityGroup",
      ],
      Resource: "*",
      Condition: { StringEquals: { "ec2:ResourceTag/managed-by": NAME_PREFIX } },
    },
    {
      Sid: "DeleteTopics",
      Effect: "Allow",
      Action: "sns:DeleteTopic",
      Resource: a.topics,
    },
    {
      Sid: "DeleteAlarms",
      Effect: "Allow",
      Action: "cloudwatch:DeleteAlarms",
      Resource: a.alarms,
    },
    {
      Sid: "DeleteScaling",
      Effect: "Allow",
      Action: [
        "application-autoscaling:DeregisterScalableTarget",
        "application-autoscaling:DeleteScalingPolicy",
      ],
      Resource: "*",
    },
  ];
}
