// The account's foundation, applied once by an administrator (and again when it changes): the
// worker image's ECR repository, GitHub's OIDC provider, one role per workflow, and the
// permissions boundary every worker role carries.
import { DataAwsCallerIdentity } from "@cdktn/provider-aws/lib/data-aws-caller-identity/index.js";
import { DataAwsPartition } from "@cdktn/provider-aws/lib/data-aws-partition/index.js";
import { TerraformOutput, TerraformStack } from "cdktn";
import type { Construct } from "constructs";
import type { InfraConfig } from "../config.ts";
import { EngineRepository } from "../constructs/engine-repository.ts";
import { GithubOidcProvider } from "../constructs/github-oidc-provider.ts";
import { WorkflowPolicies } from "../constructs/workflow-policies.ts";
import { WorkflowRole } from "../constructs/workflow-role.ts";
import { WorkloadBoundary } from "../constructs/workload-boundary.ts";
import { githubSubject } from "../iam/trust.ts";
import type { WorkflowScope } from "../iam/workflow-permissions.ts";
import { STATE_KEYS } from "../names.ts";
import { MANAGED_BY_TAG, useAwsProvider, useStateBackend } from "./stack-basics.ts";

const HOUR = 3600;

export class FoundationStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: { readonly config: InfraConfig }) {
    super(scope, id);
    const { config } = props;
    useAwsProvider(this, {
      region: config.foundation_region,
      tags: { ...MANAGED_BY_TAG, component: "foundation" },
    });
    useStateBackend(this, config, STATE_KEYS.foundation);
    const arns = {
      partition: new DataAwsPartition(this, "partition").partition,
      account: new DataAwsCallerIdentity(this, "account").accountId,
    };
    const repository = new EngineRepository(this, "engine").repository;
    const provider = new GithubOidcProvider(this, "github", { create: config.github.create_oidc_provider });
    const boundary = new WorkloadBoundary(this, "workload-boundary", { arns }).policy;
    const permissions: WorkflowScope = {
      ...arns,
      stateBucket: config.state.bucket,
      foundationRegion: config.foundation_region,
      archiveBuckets: config.archive.buckets,
    };
    const policyArns = new WorkflowPolicies(this, "workflow-permissions", { scope: permissions }).arns;
    const repo = config.github.repository;
    const roles = {
      plan: new WorkflowRole(this, "plan", {
        workflow: "plan",
        access: "read-only",
        oidcProviderArn: provider.arn,
        subjects: [githubSubject.pullRequest(repo)],
        policyArns,
        maxSessionSeconds: HOUR,
      }),
      run: new WorkflowRole(this, "run", {
        workflow: "run",
        access: "write",
        oidcProviderArn: provider.arn,
        subjects: [githubSubject.branch(repo, config.github.branch)],
        policyArns,
        maxSessionSeconds: 6 * HOUR,
      }),
      close: new WorkflowRole(this, "close", {
        workflow: "close",
        access: "destructive",
        oidcProviderArn: provider.arn,
        subjects: [githubSubject.environment(repo, config.github.close_environment)],
        policyArns,
        maxSessionSeconds: 6 * HOUR,
      }),
    };
    new TerraformOutput(this, "repository_url", { value: repository.repositoryUrl });
    new TerraformOutput(this, "repository_arn", { value: repository.arn });
    new TerraformOutput(this, "oidc_provider_arn", { value: provider.arn });
    new TerraformOutput(this, "workload_boundary_arn", { value: boundary.arn });
    for (const [name, role] of Object.entries(roles)) {
      new TerraformOutput(this, `${name}_role_arn`, { value: role.role.arn });
    }
  }
}
