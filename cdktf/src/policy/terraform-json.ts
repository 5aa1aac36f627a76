// Reading synthesised Terraform JSON (cdk.tf.json) for the policy rules: its resources, the
// provider's default tags, and the IAM policy documents inside string attributes.
import type { PolicyDocument, Statement } from "../iam/policy-document.ts";

export interface TerraformJson {
  readonly provider?: {
    readonly aws?: ReadonlyArray<{
      readonly default_tags?: ReadonlyArray<{ readonly tags?: Record<string, string> }>;
    }>;
  };
  readonly resource?: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>>;
}

export interface TerraformResource {
  readonly type: string;
  readonly name: string;
  /** `type.name`, as Terraform addresses it. */
  readonly address: string;
  readonly body: Readonly<Record<string, unknown>>;
}

export interface Finding {
  readonly rule: string;
  readonly address: string;
  readonly message: string;
}

/** What the rules need to know beyond the JSON: who the roles may trust. */
export interface RuleContext {
  readonly repository: string;
  readonly closeEnvironment: string;
}

export interface PolicyRule {
  readonly id: string;
  /** What a compliant stack looks like, in one sentence. */
  readonly description: string;
  check(stack: TerraformJson, context: RuleContext): Finding[];
}

export function resources(stack: TerraformJson, type?: string): TerraformResource[] {
  const out: TerraformResource[] = [];
  for (const [t, byName] of Object.entries(stack.resource ?? {})) {
    if (type !== undefined && t !== type) continue;
    for (const [name, body] of Object.entries(byName))
      out.push({ type: t, name, address: `${t}.${name}`, body });
  }
  return out;
}

export function defaultTags(stack: TerraformJson): Record<string, string> {
  return Object.assign(
    {},
    ...(stack.provider?.aws ?? []).flatMap((p) => (p.default_tags ?? []).map((d) => d.tags ?? {})),
  );
}

/** Attributes that hold IAM policy documents, by resource type. */
const POLICY_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  aws_iam_role: ["assume_role_policy"],
  aws_iam_role_policy: ["policy"],
  aws_iam_policy: ["policy"],
  aws_s3_bucket_policy: ["policy"],
  aws_sns_topic_policy: ["policy"],
  aws_sqs_queue_policy: ["policy"],
  aws_ecr_repository_policy: ["policy"],
};

export interface FoundPolicy {
  readonly resource: TerraformResource;
  readonly attribute: string;
  readonly statements: readonly Statement[];
}

/** Every policy document in the stack, parsed; a document that is not JSON is a finding of
 * its own (`unreadable`), since no rule could check it. */
export function policies(stack: TerraformJson): { found: FoundPolicy[]; unreadable: Finding[] } {
  const found: FoundPolicy[] = [];
  const unreadable: Finding[] = [];
  for (const resource of resources(stack)) {
    for (const attribute of POLICY_ATTRIBUTES[resource.type] ?? []) {
      const text = resource.body[attribute];
      if (text === undefined) continue;
      try {
        const doc = JSON.parse(String(text)) as PolicyDocument;
        const statements = Array.isArray(doc.Statement)
          ? doc.Statement
          : [doc.Statement as unknown as Statement];
        found.push({ resource, attribute, statements });
      } catch {
        unreadable.push({
          rule: "readable-policies",
          address: resource.address,
          message: `${attribute} is not a JSON policy document the rules can read`,
        });
      }
    }
  }
  return { found, unreadable };
}

export function asList<T>(value: T | readonly T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? [...(value as T[])] : [value as T];
}

/** The forms in which other resources refer to a resource: `${type.name.attr}`. */
export function refersTo(value: unknown, resource: TerraformResource): boolean {
  return typeof value === "string" && value.includes(`\${${resource.address}.`);
}
