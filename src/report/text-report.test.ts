// The report printed at the end of `run` and by `report`.
import { describe, expect, it } from "vitest";
import { buildSummary } from "../../test/helpers/summary-builder.ts";
import { formatTextReport } from "./text-report.ts";

describe("formatTextReport", () => {
  it("says under the headline that a run set is incomplete, and on how many realisations each alert was judged", () => {
    const { summary } = buildSummary({ notRun: 147 });
    const lines = formatTextReport(summary).split("\n");
    expect(lines[0]).toMatch(
      /^demo\/base: 50 ok, 2 model failures, 1 infrastructure failures, 147 not run of 200;/,
    );
    expect(lines[1]).toBe(
      "Incomplete run set: 148 of 200 realisations have no final result (147 not run, 1 infrastructure failure to run again); statistics and alerts cover the 50 that succeeded.",
    );
    const alertLines = lines.filter((l) => /^ {2}(FIRED|ok|n\/a) /.test(l));
    expect(alertLines).toHaveLength(2);
    for (const l of alertLines) expect(l).toContain("(on 50 of 200 realisations)");
  });
  it("has no such line for a complete run set", () => {
    const { summary } = buildSummary();
    const complete = { ...summary, counts: { ...summary.counts, failedInfrastructure: 0, ok: 198 } };
    expect(formatTextReport(complete)).not.toContain("Incomplete");
  });
});
