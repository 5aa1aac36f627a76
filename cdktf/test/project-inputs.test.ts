import { describe, expect, it } from "vitest";
import { groupProjectStacks } from "../src/project-inputs.ts";
import { specOf } from "./helpers.ts";

describe("groupProjectStacks", () => {
  it("makes one stack per project and region, scenarios sorted", () => {
    const { stacks, problems } = groupProjectStacks([
      { file: "projects/acme/wet.yaml", spec: specOf({ scenario: "wet" }) },
      { file: "projects/acme/dry.yaml", spec: specOf({ scenario: "dry" }) },
      { file: "projects/acme/west.yaml", spec: specOf({ scenario: "west", cloud: { region: "us-west-2" } }) },
      { file: "projects/demo/base.yaml", spec: specOf({ project: "demo" }) },
    ]);
    expect(problems).toEqual([]);
    expect(stacks.map((s) => [s.project, s.region, s.scenarios.map((x) => x.spec.scenario)])).toEqual([
      ["acme", "us-east-1", ["dry", "wet"]],
      ["acme", "us-west-2", ["west"]],
      ["demo", "us-east-1", ["base"]],
    ]);
  });

  it("gives modelfleet's own network public addresses, and the user's network what the file says", () => {
    const own = groupProjectStacks([{ file: "a.yaml", spec: specOf() }]).stacks[0]!;
    expect(own.network).toEqual({ subnets: [], securityGroups: [], assignPublicIp: true });
    const theirs = groupProjectStacks([
      { file: "a.yaml", spec: specOf({ cloud: { subnets: ["subnet-0abc"], security_groups: ["sg-0abc"] } }) },
    ]).stacks[0]!;
    expect(theirs.network).toEqual({
      subnets: ["subnet-0abc"],
      securityGroups: ["sg-0abc"],
      assignPublicIp: false,
    });
  });

  it("refuses scenarios of one project that disagree on what they share", () => {
    const { problems } = groupProjectStacks([
      { file: "projects/acme/a.yaml", spec: specOf({ scenario: "a", cloud: { client: "Acme Water" } }) },
      {
        file: "projects/acme/b.yaml",
        spec: specOf({ scenario: "b", cloud: { client: "Other", alerts_to: ["x@y.org"] } }),
      },
    ]);
    expect(problems).toEqual([
      {
        file: "projects/acme/b.yaml",
        path: ["cloud", "client"],
        message:
          "differs from projects/acme/a.yaml (scenario a); a project's scenarios in one region share its bucket, cluster, network and alerts",
        fix: "make `cloud.client` the same in every scenario of acme",
      },
      expect.objectContaining({ file: "projects/acme/b.yaml", path: ["cloud", "alerts_to"] }),
    ]);
  });

  it("refuses a project/scenario defined twice", () => {
    const { problems } = groupProjectStacks([
      { file: "projects/acme/a.yaml", spec: specOf() },
      { file: "projects/acme/b.yaml", spec: specOf() },
    ]);
    expect(problems).toEqual([
      {
        file: "projects/acme/b.yaml",
        path: ["scenario"],
        message: "acme/base is also defined by projects/acme/a.yaml",
        fix: "give each scenario of a project its own name",
      },
    ]);
  });
});
