import { describe, expect, it } from "vitest";
import {
  ephemeralStorageGib,
  fargateTaskSize,
  maxReceiveCount,
  queueVisibilitySeconds,
  scalingSettings,
} from "../src/scenario-settings.ts";
import { specOf } from "./helpers.ts";

describe("scenario settings", () => {
  it("dead-letters a message only after the last retry the project allows", () => {
    expect(maxReceiveCount({ infrastructure: 3, model: 0 })).toBe(4);
    expect(maxReceiveCount({ infrastructure: 0, model: 0 })).toBe(1);
    // A model retry also costs a receive: its last allowed attempt must not be dead-lettered.
    expect(maxReceiveCount({ infrastructure: 2, model: 5 })).toBe(6);
  });

  it("takes the queue's visibility from the model timeout, at most SQS's 12 hours", () => {
    expect(queueVisibilitySeconds(60)).toBe(360);
    expect(queueVisibilitySeconds(7200)).toBe(7500);
    expect(queueVisibilitySeconds(86400)).toBe(43200);
  });

  it("writes Fargate sizes in CPU units and MiB, and asks for disk only above the included 20 GiB", () => {
    expect(fargateTaskSize({ cpu: 0.25, memory_gb: 0.5, disk_gb: 20, spot: true })).toEqual({
      cpu: "256",
      memory: "512",
    });
    expect(fargateTaskSize({ cpu: 16, memory_gb: 120, disk_gb: 20, spot: true })).toEqual({
      cpu: "16384",
      memory: "122880",
    });
    expect(ephemeralStorageGib({ cpu: 1, memory_gb: 2, disk_gb: 20, spot: true })).toBeUndefined();
    expect(ephemeralStorageGib({ cpu: 1, memory_gb: 2, disk_gb: 150, spot: true })).toBe(150);
  });

  it("scales up to max_workers and waits at least the workers' idle time before scaling in", () => {
    expect(scalingSettings(specOf({ cloud: { max_workers: 50 } }))).toEqual({
      maxWorkers: 50,
      minScaleOutStep: 5,
      emptyMinutesBeforeScaleIn: 5,
      cooldownSeconds: 60,
    });
    expect(scalingSettings(specOf({ cloud: { max_workers: 3, idle_timeout: "15m" } }))).toMatchObject({
      minScaleOutStep: 1,
      emptyMinutesBeforeScaleIn: 15,
    });
  });
});
