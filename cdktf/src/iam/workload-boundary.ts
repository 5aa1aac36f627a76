// The most a worker's role may ever allow (an IAM permissions boundary on every role the
// project stacks create). The run workflow can create and change those roles only with this
// boundary attached, so nothing it deploys can do more than a worker does.
import { ENGINE_REPOSITORY } from "../names.ts";
import { type Arns, arn, type Statement } from "./policy-document.ts";
import { modelfleetArns } from "./workflow-permissions.ts";

export function workloadBoundaryStatements(scope: Arns): Statement[] {
  const a = modelfleetArns(scope);
  return [
    {
      Sid: "Results",
      Effect: "Allow",
      Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
      Resource: a.objects,
    },
    { Sid: "ListResults", Effect: "Allow", Action: "s3:ListBucket", Resource: a.buckets },
    {
      Sid: "Work",
      Effect: "Allow",
      Action: [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
        "sqs:SendMessage",
      ],
      Resource: a.queues,
    },
    {
      Sid: "TaskProtection",
      Effect: "Allow",
      Action: ["ecs:UpdateTaskProtection", "ecs:GetTaskProtection"],
      Resource: a.tasks,
    },
    {
      Sid: "ScaleOwnService",
      Effect: "Allow",
      Action: "ecs:UpdateService",
      Resource: a.services,
    },
    {
      Sid: "Logs",
      Effect: "Allow",
      Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
      Resource: a.logStreams,
    },
    {
      Sid: "PullTheWorkerImage",
      Effect: "Allow",
      Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
      Resource: arn(scope, "ecr", "*", `repository/${ENGINE_REPOSITORY}`),
    },
    { Sid: "LogInToEcr", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
  ];
}
