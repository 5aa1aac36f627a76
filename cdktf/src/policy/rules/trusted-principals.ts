// Roles are assumable only by whom they are for: a GitHub workflow of this repository (the
// destructive role only from its GitHub environment), or an AWS service acting for this
// account. Never by an open principal.
import { GITHUB_OIDC_HOST } from "../../names.ts";
import { asList, type Finding, type PolicyRule, policies } from "../terraform-json.ts";

export const trustedPrincipals: PolicyRule = {
  id: "trusted-principals",
  description:
    "Role trust: GitHub OIDC limited by aud and exact sub to this repository (the destructive role to its environment), services limited to this account.",
  check(stack, context) {
    const findings: Finding[] = [];
    for (const { resource, attribute, statements } of policies(stack).found) {
      if (attribute !== "assume_role_policy") continue;
      const add = (message: string) => findings.push({ rule: this.id, address: resource.address, message });
      const tags = (resource.body["tags"] ?? {}) as Record<string, string>;
      for (const s of statements) {
        if (s.Effect !== "Allow") continue;
        const principal = s.Principal;
        if (principal === undefined || principal === "*" || principal["AWS"] !== undefined) {
          add(`trusts ${JSON.stringify(principal ?? "anyone")}`);
          continue;
        }
        if (principal["Federated"] !== undefined) {
          const equals = s.Condition?.["StringEquals"] ?? {};
          const subjects = asList(equals[`${GITHUB_OIDC_HOST}:sub`]);
          if (equals[`${GITHUB_OIDC_HOST}:aud`] !== "sts.amazonaws.com")
            add("GitHub trust without aud sts.amazonaws.com");
          if (s.Condition?.["StringLike"] !== undefined)
            add("GitHub trust with StringLike (wildcards) on its claims");
          if (subjects.length === 0) add("GitHub trust without an exact sub: any repository could assume it");
          for (const sub of subjects) {
            if (!sub.startsWith(`repo:${context.repository}:`))
              add(`trusts ${sub}, outside repo:${context.repository}`);
          }
          const environment = `repo:${context.repository}:environment:${context.closeEnvironment}`;
          if (tags["access"] === "destructive" && subjects.some((sub) => sub !== environment)) {
            add(`a destructive role must trust only ${environment}`);
          }
          continue;
        }
        if (
          principal["Service"] !== undefined &&
          s.Condition?.["StringEquals"]?.["aws:SourceAccount"] === undefined
        ) {
          add(`trusts ${asList(principal["Service"]).join(", ")} without aws:SourceAccount`);
        }
      }
    }
    return findings;
  },
};
