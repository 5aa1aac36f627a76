import { describe, expect, it } from "vitest";
import { byNaturalOrder, EXAMPLE_LOG_CHARACTERS, groupFailures } from "./failures.ts";
import type { Failure, RealisationResult } from "./realisation-result.ts";

function result(id: string, failure?: Failure, logTail = `log of ${id}`): RealisationResult {
  return {
    schema: 1,
    project: "p",
    scenario: "s",
    id,
    key: "k",
    status: failure === undefined ? "ok" : "failed",
    ...(failure === undefined ? {} : { failure }),
    attempts: 1,
    worker: "w",
    startedAt: "2025-01-01T00:00:00Z",
    endedAt: "2025-01-01T00:01:00Z",
    wallSeconds: 60,
    cpuSeconds: 50,
    peakMemoryMb: null,
    exitCode: null,
    signal: null,
    parameters: {},
    observations: {},
    files: [],
    logTail,
  };
}

const timeout: Failure = { kind: "model", reason: "timeout", message: "ran longer than 10m" };
const exit: Failure = { kind: "model", reason: "exit_code", message: "exited with code 2" };
const lost: Failure = { kind: "infrastructure", reason: "worker_lost", message: "worker stopped" };

describe("groupFailures", () => {
  it("groups by kind and reason, counts every failure and lists all ids in natural order", () => {
    const results = [
      result("r10", timeout),
      result("r1"),
      result("r2", timeout),
      result("r3", lost),
      result("r4", exit),
      result("r5", timeout),
      result("r6", lost),
    ];
    const groups = groupFailures(results);
    expect(groups.map((g) => [g.kind, g.reason, g.count, g.ids])).toEqual([
      ["model", "timeout", 3, ["r2", "r5", "r10"]],
      ["infrastructure", "worker_lost", 2, ["r3", "r6"]],
      ["model", "exit_code", 1, ["r4"]],
    ]);
    expect(groups.reduce((t, g) => t + g.count, 0)).toBe(6);
    expect(groups[0]!.examples).toEqual([
      { id: "r2", message: "ran longer than 10m", logTail: "log of r2" },
      { id: "r5", message: "ran longer than 10m", logTail: "log of r5" },
      { id: "r10", message: "ran longer than 10m", logTail: "log of r10" },
    ]);
  });

  it("keeps a few examples per group, however many failed", () => {
    const results = Array.from({ length: 50 }, (_, i) => result(`r${i}`, exit));
    const [g] = groupFailures(results, 2);
    expect(g!.count).toBe(50);
    expect(g!.ids).toHaveLength(50);
    expect(g!.examples.map((e) => e.id)).toEqual(["r0", "r1"]);
  });

  it("puts model failures before infrastructure ones of the same count", () => {
    const groups = groupFailures([result("a", lost), result("b", exit)]);
    expect(groups.map((g) => g.kind)).toEqual(["model", "infrastructure"]);
  });

  it("counts a failed result without a recorded failure, as infrastructure", () => {
    const bare = { ...result("r1"), status: "failed" as const };
    const [g] = groupFailures([bare]);
    expect(g).toMatchObject({ kind: "infrastructure", reason: "publish", count: 1, ids: ["r1"] });
  });

  it("keeps the end of a long log tail", () => {
    const log = `${"x".repeat(EXAMPLE_LOG_CHARACTERS)}THE END`;
    const [g] = groupFailures([result("r1", exit, log)]);
    expect(g!.examples[0]!.logTail).toHaveLength(EXAMPLE_LOG_CHARACTERS);
    expect(g!.examples[0]!.logTail.endsWith("THE END")).toBe(true);
  });
});

describe("byNaturalOrder", () => {
  it("orders numbered ids by number", () => {
    expect(["r10", "r2", "r1", "a"].sort(byNaturalOrder)).toEqual(["a", "r1", "r2", "r10"]);
  });
});
