// `modelfleet calibrate`'s bad command lines, and what --executor ecs needs, each with its message.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoCalibrationCopy, runCli } from "./helpers/calibration.ts";

describe("calibrate's command line", () => {
  let dir: string;
  let spec: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mf-calibrate-cli-"));
    spec = await demoCalibrationCopy(dir, 8);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("rejects an unknown method or engine, and a count that is not a whole number", async () => {
    for (const [args, message] of [
      [["--method", "enkf"], 'calibrate: --method takes esmda or ies, got "enkf"'],
      [["--engine", "pest"], 'calibrate: --engine takes builtin or pestpp-ies, got "pest"'],
      [["--agents", "0"], 'calibrate: --agents takes a whole number >= 1, got "0"'],
    ] as const) {
      const out = await runCli(["calibrate", spec, ...args]);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(message);
    }
  });

  it("says where the infrastructure outputs were looked for, with either engine on ECS", async () => {
    const infra = join(dir, "missing.json");
    for (const engine of [[], ["--engine", "pestpp-ies"]]) {
      const out = await runCli(["calibrate", spec, ...engine, "--executor", "ecs", "--infra", infra]);
      expect(out.code).toBe(1);
      expect(out.stderr).toContain(
        `${infra}: infrastructure outputs not found; apply the infrastructure first, or pass --infra <outputs.json>`,
      );
    }
  });
});
