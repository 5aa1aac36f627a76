// The summary at the end of `modelfleet run`: this run's figures apart from the run set's.
import { describe, expect, it } from "vitest";
import { testResult } from "../../test/helpers/realisation-results.ts";
import { formatRunSummary, type RunSummaryInput } from "./run-summary.ts";

const input = (o: Partial<RunSummaryInput> = {}): RunSummaryInput => ({
  label: "demo/base",
  results: [],
  missing: 0,
  ranNow: 0,
  ranNowCpuSeconds: 0,
  wallSeconds: 0,
  workers: 2,
  location: ".modelfleet/results/demo/base",
  keptWorkdirs: [],
  ...o,
});

describe("formatRunSummary", () => {
  it("gives the model CPU of this run on the 'ran now' line, not the whole run set's", () => {
    // Five realisations done by an earlier run (100 s of CPU each), two run now (3 s each).
    const earlier = ["1", "2", "3", "4", "5"].map((id) => testResult(id, { cpuSeconds: 100 }));
    const now = ["6", "7"].map((id) => testResult(id, { cpuSeconds: 3 }));
    const text = formatRunSummary(
      input({ results: [...earlier, ...now], ranNow: 2, ranNowCpuSeconds: 6, wallSeconds: 4 }),
    );
    expect(text).toContain("  ran now                     2   in 4.0s on 2 worker(s), model CPU 6.0s");
  });
});
