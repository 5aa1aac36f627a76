// No policy allows every action of a service (or of all services) on every resource.
import { asList, type Finding, type PolicyRule, policies } from "../terraform-json.ts";

function isWildcardAction(action: string): boolean {
  return action === "*" || /^[a-z0-9-]+:\*$/.test(action);
}

export const noAdminWildcard: PolicyRule = {
  id: "no-admin-wildcard",
  description: "No Allow statement grants `*` or `service:*` on the resource `*` (or uses NotAction).",
  check(stack) {
    const findings: Finding[] = [];
    for (const { resource, attribute, statements } of policies(stack).found) {
      for (const [i, s] of statements.entries()) {
        if (s.Effect !== "Allow") continue;
        const raw = s as unknown as Record<string, unknown>;
        if (raw["NotAction"] !== undefined || raw["NotResource"] !== undefined) {
          findings.push({
            rule: this.id,
            address: resource.address,
            message: `${attribute} statement ${s.Sid ?? i} allows with NotAction/NotResource`,
          });
          continue;
        }
        const wild = asList(s.Action).filter(isWildcardAction);
        if (wild.length > 0 && asList(s.Resource).includes("*")) {
          findings.push({
            rule: this.id,
            address: resource.address,
            message: `${attribute} statement ${s.Sid ?? i} allows ${wild.join(", ")} on every resource`,
          });
        }
      }
    }
    return findings;
  },
};
