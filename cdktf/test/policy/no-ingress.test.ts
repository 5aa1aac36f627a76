import { describe, expect, it } from "vitest";
import { noIngress } from "../../src/policy/rules/no-ingress.ts";
import { RULE_CONTEXT } from "../helpers.ts";
import { stackOf } from "./fixtures.ts";

describe("no-ingress", () => {
  it("passes egress-only groups and an emptied default group", () => {
    const json = stackOf({
      aws_security_group: { w: { name: "w", vpc_id: "v" } },
      aws_vpc_security_group_egress_rule: {
        out: { security_group_id: "x", ip_protocol: "tcp", from_port: 443, to_port: 443 },
      },
      aws_security_group_rule: { e: { type: "egress" } },
      aws_default_security_group: { d: { vpc_id: "v" } },
    });
    expect(noIngress.check(json, RULE_CONTEXT)).toEqual([]);
  });

  it("passes the calibration port: TCP 4004 from the group to itself", () => {
    const json = stackOf({
      aws_vpc_security_group_ingress_rule: {
        pestpp: {
          security_group_id: "${aws_security_group.w.id}",
          referenced_security_group_id: "${aws_security_group.w.id}",
          ip_protocol: "tcp",
          from_port: 4004,
          to_port: 4004,
        },
      },
    });
    expect(noIngress.check(json, RULE_CONTEXT)).toEqual([]);
  });

  it("finds the calibration port opened to another group, another port or an address range", () => {
    const rule = {
      security_group_id: "${aws_security_group.w.id}",
      referenced_security_group_id: "${aws_security_group.w.id}",
      ip_protocol: "tcp",
      from_port: 4004,
      to_port: 4004,
    };
    const json = stackOf({
      aws_vpc_security_group_ingress_rule: {
        other: { ...rule, referenced_security_group_id: "sg-0other" },
        ports: { ...rule, to_port: 4010 },
        world: { ...rule, cidr_ipv4: "0.0.0.0/0" },
      },
    });
    expect(noIngress.check(json, RULE_CONTEXT).map((f) => f.address)).toEqual([
      "aws_vpc_security_group_ingress_rule.other",
      "aws_vpc_security_group_ingress_rule.ports",
      "aws_vpc_security_group_ingress_rule.world",
    ]);
  });

  it("finds every way of letting traffic in", () => {
    const json = stackOf({
      aws_security_group: {
        inline: { ingress: [{ from_port: 22, to_port: 22, protocol: "tcp", cidr_blocks: ["0.0.0.0/0"] }] },
      },
      aws_vpc_security_group_ingress_rule: { rule: { security_group_id: "x", ip_protocol: "-1" } },
      aws_security_group_rule: { old: { type: "ingress" } },
      aws_default_security_group: { d: { ingress: [{ self: true }] } },
    });
    expect(noIngress.check(json, RULE_CONTEXT).map((f) => f.address)).toEqual([
      "aws_security_group.inline",
      "aws_vpc_security_group_ingress_rule.rule",
      "aws_security_group_rule.old",
      "aws_default_security_group.d",
    ]);
  });
});
