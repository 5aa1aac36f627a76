// Runs every policy rule over synthesised stacks: in tests, and after every `npm run synth`,
// which fails on a finding.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { bucketProtected } from "./rules/bucket-protected.ts";
import { logRetention } from "./rules/log-retention.ts";
import { noAdminWildcard } from "./rules/no-admin-wildcard.ts";
import { noIngress } from "./rules/no-ingress.ts";
import { tagged } from "./rules/tagged.ts";
import { trustedPrincipals } from "./rules/trusted-principals.ts";
import {
  type Finding,
  type PolicyRule,
  policies,
  type RuleContext,
  type TerraformJson,
} from "./terraform-json.ts";

export const RULES: readonly PolicyRule[] = [
  noAdminWildcard,
  noIngress,
  bucketProtected,
  logRetention,
  tagged,
  trustedPrincipals,
];

export function checkStack(stack: TerraformJson, context: RuleContext): Finding[] {
  return [...policies(stack).unreadable, ...RULES.flatMap((rule) => rule.check(stack, context))];
}

/** Findings in every cdktf.out/stacks/<name>/cdk.tf.json, as `<stack>: <rule>: <address>: <message>`. */
export async function checkSynthesisedStacks(outdir: string, context: RuleContext): Promise<string[]> {
  const out: string[] = [];
  const dir = join(outdir, "stacks");
  for (const name of (await readdir(dir)).sort()) {
    const stack = JSON.parse(await readFile(join(dir, name, "cdk.tf.json"), "utf8")) as TerraformJson;
    for (const f of checkStack(stack, context)) out.push(`${name}: ${f.rule}: ${f.address}: ${f.message}`);
  }
  return out;
}
