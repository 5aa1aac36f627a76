// Who may assume a role: a GitHub workflow of this repository (by the OIDC token's `sub`), or
// an AWS service acting for this account only.
import { GITHUB_OIDC_HOST } from "../names.ts";
import type { Statement } from "./policy-document.ts";

/** The `sub` claims of GitHub's OIDC tokens, in GitHub's default format. */
export const githubSubject = {
  pullRequest: (repository: string) => `repo:${repository}:pull_request`,
  branch: (repository: string, branch: string) => `repo:${repository}:ref:refs/heads/${branch}`,
  environment: (repository: string, environment: string) => `repo:${repository}:environment:${environment}`,
} as const;

export function githubTrust(providerArn: string, subjects: readonly string[]): Statement[] {
  return [
    {
      Effect: "Allow",
      Principal: { Federated: providerArn },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: "sts.amazonaws.com",
          [`${GITHUB_OIDC_HOST}:sub`]: subjects.length === 1 ? subjects[0]! : subjects,
        },
      },
    },
  ];
}

/** ECS tasks of this account (and region) only: no confused deputy. */
export function ecsTasksTrust(options: { partition: string; account: string; region: string }): Statement[] {
  return [
    {
      Effect: "Allow",
      Principal: { Service: "ecs-tasks.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: {
        StringEquals: { "aws:SourceAccount": options.account },
        ArnLike: { "aws:SourceArn": `arn:${options.partition}:ecs:${options.region}:${options.account}:*` },
      },
    },
  ];
}
