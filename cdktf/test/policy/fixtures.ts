// Small hand-written Terraform JSON for the policy rule tests.
import { policyJson, type Statement } from "../../src/iam/policy-document.ts";
import type { TerraformJson } from "../../src/policy/terraform-json.ts";

type Resources = Record<string, Record<string, Record<string, unknown>>>;

export function stackOf(
  resource: Resources,
  tags: Record<string, string> = { "managed-by": "modelfleet" },
): TerraformJson {
  return { provider: { aws: [{ default_tags: [{ tags }] }] }, resource };
}

export function rolePolicy(statements: Statement[]): Resources {
  return { aws_iam_role_policy: { p: { role: "r", policy: policyJson(statements) } } };
}
