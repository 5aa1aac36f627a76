import { describe, expect, it } from "vitest";
import { judgeCrashLoop, type StoppedWorker } from "./worker-deaths.ts";

const stopped = (
  id: string,
  stoppedAt: number,
  end: StoppedWorker["end"],
  exitCode?: number,
): StoppedWorker => ({
  id,
  status: "stopped",
  stoppedAt,
  ...(end === undefined ? {} : { end }),
  reason: end === "failed" ? "Essential container in task exited" : "other",
  ...(exitCode === undefined ? {} : { exitCode }),
});

describe("the crash-loop judgement", () => {
  it("counts workers that stopped with a failure after the run started or its last result", () => {
    const tasks = [
      stopped("a", 100, "failed", 1),
      stopped("b", 200, "failed", 1),
      stopped("c", 300, "out_of_memory", 137),
      stopped("old", 50, "failed", 1),
    ];
    const loop = judgeCrashLoop({ stopped: tasks, since: 60, limit: 3 });
    expect(loop?.deaths.map((d) => d.id)).toEqual(["c", "b", "a"]);
    expect(loop?.groups).toEqual([
      { end: "failed", reason: "Essential container in task exited", exitCode: 1, count: 2, example: "b" },
      { end: "out_of_memory", reason: "other", exitCode: 137, count: 1, example: "c" },
    ]);
    // A result at 150 resets the count: only two deaths since.
    expect(judgeCrashLoop({ stopped: tasks, since: 150, limit: 3 })).toBeUndefined();
  });

  it("does not count Spot interruptions, scale-in, stops by a person or workers that finished", () => {
    const tasks = [
      stopped("s", 100, "spot_interruption"),
      stopped("i", 110, "stopped", 143),
      stopped("d", 120, "completed", 0),
      stopped("f", 130, "failed", 1),
    ];
    expect(judgeCrashLoop({ stopped: tasks, since: 0, limit: 2 })).toBeUndefined();
    expect(judgeCrashLoop({ stopped: tasks, since: 0, limit: 1 })?.deaths.map((d) => d.id)).toEqual(["f"]);
  });
});
