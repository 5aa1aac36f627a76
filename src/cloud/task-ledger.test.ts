import { describe, expect, it } from "vitest";
import type { WorkerTask } from "./run-set-status.ts";
import { createTaskLedger, mergeTasks } from "./task-ledger.ts";

const task = (id: string, over: Partial<WorkerTask> = {}): WorkerTask => ({
  id,
  region: "us-east-1",
  startedAt: "2026-03-14T09:00:00.000Z",
  cpu: 1,
  memoryGb: 2,
  capacity: "FARGATE_SPOT",
  ...over,
});
const since = Date.parse("2026-03-14T08:59:00Z");

describe("the tasks a run has used", () => {
  it("keeps a stop once seen, takes new tasks, and leaves out tasks older than the run", () => {
    const stopped = task("a", { stoppedAt: "2026-03-14T10:00:00.000Z" });
    const merged = mergeTasks(
      [stopped],
      [task("a"), task("b"), task("old", { startedAt: "2026-03-14T08:00:00Z" })],
      since,
    );
    expect(merged).toEqual([stopped, task("b")]);
    expect(mergeTasks(merged!, [task("b")], since)).toBeUndefined();
  });

  it("is kept in S3, so a later follower knows the tasks ECS no longer lists", async () => {
    const store = new Map<string, string>();
    const objects = {
      getTextIfExists: async (key: string) => store.get(key),
      putText: async (key: string, text: string) => void store.set(key, text),
    };
    const first = createTaskLedger({ objects, key: "runs/tasks-r1.json", since });
    await first.note([task("a"), task("b")]);
    await first.note([task("b", { stoppedAt: "2026-03-14T09:30:00.000Z" })]);
    const later = createTaskLedger({ objects, key: "runs/tasks-r1.json", since });
    expect(await later.note([])).toEqual([task("a"), task("b", { stoppedAt: "2026-03-14T09:30:00.000Z" })]);
  });
});
