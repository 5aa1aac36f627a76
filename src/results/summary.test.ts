// Whether a run set is complete, and the sentence that says it is not.
import { describe, expect, it } from "vitest";
import { incompleteNote, unfinishedCount } from "./summary.ts";

const counts = (c: Partial<Parameters<typeof incompleteNote>[0]> = {}) => ({
  realisations: 200,
  ok: 200,
  failedModel: 0,
  failedInfrastructure: 0,
  notRun: 0,
  ...c,
});

describe("incompleteNote", () => {
  it("says nothing of a run set where every realisation has a final result, model failures included", () => {
    expect(incompleteNote(counts({ ok: 197, failedModel: 3 }))).toBeUndefined();
    expect(unfinishedCount(counts({ ok: 197, failedModel: 3 }))).toBe(0);
  });
  it("says how many realisations have no result and what the statistics and alerts cover", () => {
    expect(incompleteNote(counts({ ok: 53, notRun: 147 }))).toBe(
      "Incomplete run set: 147 of 200 realisations have no final result (147 not run); statistics and alerts cover the 53 that succeeded.",
    );
  });
  it("counts infrastructure failures as unfinished: the next run tries them again", () => {
    const c = counts({ ok: 190, failedModel: 2, failedInfrastructure: 1, notRun: 7 });
    expect(unfinishedCount(c)).toBe(8);
    expect(incompleteNote(c)).toBe(
      "Incomplete run set: 8 of 200 realisations have no final result (7 not run, 1 infrastructure failure to run again); statistics and alerts cover the 190 that succeeded.",
    );
    expect(incompleteNote(counts({ ok: 199, failedInfrastructure: 1 }))).toContain(
      "1 of 200 realisations has no final result",
    );
  });
});
