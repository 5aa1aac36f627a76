import { describe, expect, it } from "vitest";
import { boundedName, projectNames, scenarioNames } from "../src/names.ts";

const long = "a".repeat(40);
const other = `${"a".repeat(39)}b`;

describe("boundedName", () => {
  it("joins the parts when they fit", () => {
    expect(boundedName(["modelfleet", "demo", "base"], 80)).toBe("modelfleet-demo-base");
  });

  it("cuts a long name and ends it with a hash of the whole, keeping names distinct", () => {
    const a = boundedName(["modelfleet", long, long], 76);
    const b = boundedName(["modelfleet", long, other], 76);
    expect(a).toHaveLength(76);
    expect(a).toMatch(/^modelfleet-[a-]+a-[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });
});

describe("resource names", () => {
  it("stay within AWS's limits for the longest project and scenario names", () => {
    for (const region of ["us-east-1", "ap-southeast-2", "us-gov-west-1"]) {
      const p = projectNames(long, region);
      expect(`${p.bucketStem}-123456789012`.length).toBeLessThanOrEqual(63);
      expect(p.executionRole.length).toBeLessThanOrEqual(64);
      const s = scenarioNames(long, other, region);
      expect(s.queue.length).toBeLessThanOrEqual(80);
      expect(s.deadLetterQueue.length).toBeLessThanOrEqual(80);
      expect(s.taskRole.length).toBeLessThanOrEqual(64);
      expect(s.taskFamily.length).toBeLessThanOrEqual(255);
    }
  });

  it("keep the same project's roles in two regions apart (IAM names are global)", () => {
    expect(projectNames("demo", "us-east-1").executionRole).not.toBe(
      projectNames("demo", "us-west-2").executionRole,
    );
    expect(scenarioNames("demo", "base", "us-east-1").taskRole).not.toBe(
      scenarioNames("demo", "base", "us-west-2").taskRole,
    );
  });

  it("are readable for short names", () => {
    expect(projectNames("demo", "us-east-1")).toMatchObject({
      cluster: "modelfleet-demo",
      bucketStem: "modelfleet-demo-us-east-1",
      executionRole: "modelfleet-demo-us-east-1-execution",
    });
    expect(scenarioNames("demo", "base", "us-east-1")).toMatchObject({
      queue: "modelfleet-demo-base",
      deadLetterQueue: "modelfleet-demo-base-dlq",
      logGroup: "/modelfleet/demo/base",
      service: "base-workers",
      taskRole: "modelfleet-demo-base-us-east-1-task",
    });
  });
});
