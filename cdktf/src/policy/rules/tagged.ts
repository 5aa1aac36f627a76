// Cost can be split per project and client: the provider's default tags reach every taggable
// resource, a project stack's carry `project` (and `client` when the project names one), no
// resource overrides them, and a scenario's resources also carry `scenario`. A resource type
// the rule does not know is a finding, so new resources are looked at.
import { defaultTags, type Finding, type PolicyRule, resources } from "../terraform-json.ts";

/** Resource types that take tags (and so receive the provider's default tags). */
export const TAGGABLE: ReadonlySet<string> = new Set([
  "aws_appautoscaling_target",
  "aws_cloudwatch_log_group",
  "aws_cloudwatch_metric_alarm",
  "aws_default_security_group",
  "aws_ecr_repository",
  "aws_ecs_cluster",
  "aws_ecs_service",
  "aws_ecs_task_definition",
  "aws_iam_openid_connect_provider",
  "aws_iam_policy",
  "aws_iam_role",
  "aws_internet_gateway",
  "aws_route_table",
  "aws_s3_bucket",
  "aws_security_group",
  "aws_sns_topic",
  "aws_sqs_queue",
  "aws_subnet",
  "aws_vpc",
  "aws_vpc_endpoint",
  "aws_vpc_security_group_egress_rule",
  "aws_vpc_security_group_ingress_rule",
]);

/** Resource types AWS does not tag: settings of another resource, or attachments. */
export const UNTAGGABLE: ReadonlySet<string> = new Set([
  "aws_appautoscaling_policy",
  "aws_ecr_lifecycle_policy",
  "aws_ecs_cluster_capacity_providers",
  "aws_iam_role_policy",
  "aws_iam_role_policy_attachment",
  "aws_route",
  "aws_route_table_association",
  "aws_s3_bucket_lifecycle_configuration",
  "aws_s3_bucket_ownership_controls",
  "aws_s3_bucket_policy",
  "aws_s3_bucket_public_access_block",
  "aws_s3_bucket_server_side_encryption_configuration",
  "aws_s3_bucket_versioning",
  "aws_sns_topic_subscription",
  "aws_sqs_queue_redrive_allow_policy",
]);

/** Types that exist once per scenario, and so carry its name. */
export const PER_SCENARIO: ReadonlySet<string> = new Set([
  "aws_appautoscaling_target",
  "aws_cloudwatch_log_group",
  "aws_cloudwatch_metric_alarm",
  "aws_ecs_service",
  "aws_ecs_task_definition",
  "aws_sqs_queue",
]);

export const tagged: PolicyRule = {
  id: "tagged",
  description:
    "Default tags carry managed-by (and project, client in a project stack); every resource type is known to be taggable or not; per-scenario resources carry scenario.",
  check(stack) {
    const findings: Finding[] = [];
    const defaults = defaultTags(stack);
    const all = resources(stack);
    const isProjectStack = all.some((r) => r.type === "aws_ecs_cluster");
    const required = isProjectStack ? ["managed-by", "project"] : ["managed-by"];
    for (const key of required.filter((k) => !defaults[k])) {
      findings.push({ rule: this.id, address: "provider.aws", message: `default_tags has no \`${key}\`` });
    }
    for (const r of all) {
      const add = (message: string) => findings.push({ rule: this.id, address: r.address, message });
      if (!TAGGABLE.has(r.type)) {
        if (!UNTAGGABLE.has(r.type))
          add(`${r.type} is not known to be taggable or not; add it to one list in this rule`);
        continue;
      }
      const own = (r.body["tags"] ?? {}) as Record<string, string>;
      for (const [key, value] of Object.entries(defaults)) {
        if (key in own && own[key] !== value)
          add(`tag \`${key}\` is "${own[key]}", not the default "${value}"`);
      }
      if (isProjectStack && PER_SCENARIO.has(r.type) && !own["scenario"]) add("has no `scenario` tag");
    }
    return findings;
  },
};
