import { describe, expect, it } from "vitest";
import { PESTPP_PORT } from "./pestpp-port.ts";
import { pestppTaskSettings } from "./pestpp-task.ts";
import { privateAddressOf } from "./task-address.ts";

const base = {
  MODELFLEET_PESTPP_ROLE: "agent",
  MODELFLEET_PESTPP_PROJECT: "demo",
  MODELFLEET_PESTPP_SCENARIO: "calibrate",
  MODELFLEET_PESTPP_CASE: "calibrate",
  MODELFLEET_PESTPP_MANAGER: "10.0.3.7:4004",
};

describe("pestppTaskSettings", () => {
  it("reads a task's role, its calibration's folder and the manager's address", () => {
    expect(pestppTaskSettings(base)).toEqual({
      role: "agent",
      folder: { project: "demo", scenario: "calibrate/calibration" },
      caseName: "calibrate",
      port: PESTPP_PORT,
      manager: "10.0.3.7:4004",
      syncMs: 10_000,
    });
  });

  it("rejects an unknown role", () => {
    expect(() => pestppTaskSettings({ ...base, MODELFLEET_PESTPP_ROLE: "worker" })).toThrow(
      'MODELFLEET_PESTPP_ROLE must be manager or agent, got "worker"',
    );
  });

  it("says which settings an agent lacks", () => {
    expect(() =>
      pestppTaskSettings({ MODELFLEET_PESTPP_ROLE: "agent", MODELFLEET_PESTPP_PROJECT: "demo" }),
    ).toThrow(
      "a PEST++ agent task needs MODELFLEET_PESTPP_SCENARIO, MODELFLEET_PESTPP_CASE, MODELFLEET_PESTPP_MANAGER (modelfleet calibrate --engine pestpp-ies --executor ecs sets them)",
    );
  });

  it("rejects a port that is not one", () => {
    expect(() => pestppTaskSettings({ ...base, MODELFLEET_PESTPP_PORT: "70000" })).toThrow(
      'MODELFLEET_PESTPP_PORT must be a TCP port, got "70000"',
    );
  });
});

describe("privateAddressOf", () => {
  it("reads the address from the task's network interface attachment", () => {
    expect(
      privateAddressOf({
        attachments: [
          {
            type: "ElasticNetworkInterface",
            details: [
              { name: "subnetId", value: "subnet-1" },
              { name: "privateIPv4Address", value: "10.0.3.7" },
            ],
          },
        ],
      }),
    ).toBe("10.0.3.7");
  });

  it("falls back on the container's interface, and is undefined before either has one", () => {
    expect(
      privateAddressOf({ containers: [{ networkInterfaces: [{ privateIpv4Address: "10.0.9.1" }] }] }),
    ).toBe("10.0.9.1");
    expect(
      privateAddressOf({ attachments: [{ type: "ElasticNetworkInterface", details: [] }] }),
    ).toBeUndefined();
  });
});
