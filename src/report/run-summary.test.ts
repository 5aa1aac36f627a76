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

  it("says CPU was not measured rather than printing zero", () => {
    const text = formatRunSummary(
      input({ results: [testResult("1", { cpuSeconds: null })], ranNow: 1, ranNowCpuSeconds: null }),
    );
    expect(text).toContain("model CPU not measured");
  });

  it("says what to do next about each kind of failure", () => {
    const failure = { kind: "model", reason: "exit_code", message: "exited with code 1" } as const;
    const lost = { kind: "infrastructure", reason: "disk_full", message: "disk full" } as const;
    const text = formatRunSummary(
      input({ results: [testResult("1", { failure }), testResult("2", { failure: lost })], ranNow: 2 }),
    );
    expect(text).toContain(
      "model failures are final results: once their cause is fixed, `run --retry-failed` runs them again",
    );
    expect(text).toContain("infrastructure failures run again on the next `run`");
  });
});
