// Progress of a run on cloud workers. The client does not see realisations start (workers take
// them from the queue), so "running" is what the queue says a worker holds now, not a count of
// start events, which would stay at 0.
import type { CloudRunEvent } from "../cloud/cloud-run.ts";
import { type ProgressCounts, ProgressTracker } from "./progress.ts";

export class CloudProgressTracker extends ProgressTracker {
  #inFlight = 0;

  onCloud(e: CloudRunEvent): void {
    if (e.type === "queue") this.#inFlight = e.inFlight;
    else if (e.type !== "pool" && e.type !== "fleet" && e.type !== "uploaded" && e.type !== "replacing")
      this.on(e);
  }

  override counts(): ProgressCounts {
    const c = super.counts();
    return { ...c, running: Math.min(this.#inFlight, c.total - c.done) };
  }
}
