import { describe, expect, it } from "vitest";
import { readRunSetStatus } from "./cli-state.ts";

const command = "modelfleet watch projects/demo/base.yaml --executor ecs --once --json";
const cost = { spent: { tasks: 0, taskHours: 0, vcpuHours: 0, gbHours: 0, cost: 0 } };

describe("readRunSetStatus", () => {
  it("reads the last object of what the command printed (run --json prints one over several lines)", () => {
    const status = {
      state: "stopped",
      project: "demo",
      scenario: "base",
      run: "r1",
      text: "stopped by modelfleet stop",
      tasks: [],
      cost,
    };
    const stdout = `noise\n${JSON.stringify({ ...status, state: "running" })}\n${JSON.stringify(status, null, 2)}\n`;
    expect(readRunSetStatus(command, { code: 0, stdout, stderr: "" })).toEqual(status);
  });

  it("says what the command said when it printed no JSON", () => {
    expect(() =>
      readRunSetStatus(command, {
        code: 1,
        stdout: "",
        stderr: "one\ntwo\ninfra.json: infrastructure outputs not found; apply the infrastructure first\n",
      }),
    ).toThrow(
      `\`${command}\` exited 1 without a JSON answer: one | two | infra.json: infrastructure outputs not found; apply the infrastructure first`,
    );
  });

  it("names what does not match the status the CLI prints", () => {
    const stdout = `${JSON.stringify({ state: "running", project: "demo", scenario: "base", text: "", run: "r1", tasks: [], cost, queued: "48" })}\n`;
    expect(() => readRunSetStatus(command, { code: 0, stdout, stderr: "" })).toThrow(
      `\`${command}\` printed not a run set status as modelfleet prints it: queued: Invalid input: expected number, received string; pending: Invalid input: expected number, received undefined`,
    );
    const noCost = `${JSON.stringify({ state: "stopped", project: "demo", scenario: "base", text: "", run: "r1", tasks: [], cost: { spent: { tasks: 1 } } })}\n`;
    expect(() => readRunSetStatus(command, { code: 0, stdout: noCost, stderr: "" })).toThrow(
      "cost.spent: expected the cost spent (tasks, taskHours, vcpuHours, gbHours)",
    );
  });
});
