import { describe, expect, it } from "vitest";
import { storedResult } from "../../test/helpers/realisation-results.ts";
import { CloudProgressTracker } from "./cloud-progress.ts";
import { progressLine } from "./progress.ts";

describe("CloudProgressTracker", () => {
  it("counts as running what the queue says workers hold, never more than is left", () => {
    const tracker = new CloudProgressTracker(3, () => 0);
    tracker.onCloud({ type: "queue", visible: 1, inFlight: 2 });
    expect(progressLine("p/s", tracker.counts())).toMatch(/^p\/s: 0\/3 done \(0%\), 0 failed, 2 running/);
    tracker.onCloud({ type: "finished", id: "1", result: storedResult(), duplicate: false });
    tracker.onCloud({ type: "finished", id: "2", result: storedResult(), duplicate: false });
    expect(tracker.counts()).toMatchObject({ done: 2, ok: 2, running: 1 });
  });
});
