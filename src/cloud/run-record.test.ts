import { describe, expect, it } from "vitest";
import { judgeMessage, parseRunRecord, type RunRecord } from "./run-record.ts";

const party = {
  host: "h",
  pid: 7,
  command: "modelfleet run a.yaml --executor ecs",
  at: "2030-01-01T00:00:00.000Z",
};
const record: RunRecord = {
  schema: 1,
  run: "r2",
  runConfigKey: "p/s/runs/f.json",
  image: "",
  started: party,
};
const run = (id: string) => ({ id, record: "p/s/current-run.json" });

describe("judgeMessage", () => {
  it("takes a message of the run the record names", () => {
    expect(judgeMessage(run("r2"), record)).toEqual({ take: true });
  });

  it("drops a message of an earlier run, naming the run that replaced it", () => {
    expect(judgeMessage(run("r1"), record)).toEqual({
      take: false,
      why: "queued by an earlier run; the run started 2030-01-01T00:00:00.000Z by `modelfleet run a.yaml --executor ecs` queued its own",
    });
  });

  it("drops a message of a stopped run, saying who stopped it", () => {
    const stopped = {
      ...record,
      stopped: { ...party, command: "modelfleet stop a.yaml --executor ecs", pid: 9 },
    };
    expect(judgeMessage(run("r2"), stopped)).toEqual({
      take: false,
      why: "its run was stopped 2030-01-01T00:00:00.000Z by `modelfleet stop a.yaml --executor ecs` (pid 9 on h)",
    });
  });

  it("drops a message of a run given up because its workers kept dying", () => {
    const failed = {
      ...record,
      failed: {
        ...party,
        command: "modelfleet watch a.yaml --executor ecs",
        reason: "3 workers in a row stopped",
      },
    };
    expect(judgeMessage(run("r2"), failed)).toEqual({
      take: false,
      why: "its run was given up 2030-01-01T00:00:00.000Z by `modelfleet watch a.yaml --executor ecs`: its workers kept dying",
    });
  });

  it("takes a message without a run, or when there is no readable record", () => {
    expect(judgeMessage(undefined, record)).toEqual({ take: true });
    expect(judgeMessage(run("r1"), undefined)).toEqual({ take: true });
    expect(parseRunRecord("not json")).toBeUndefined();
    expect(parseRunRecord(JSON.stringify({ schema: 2, run: "x", started: party }))).toBeUndefined();
    expect(parseRunRecord(JSON.stringify(record))).toEqual(record);
  });
});
