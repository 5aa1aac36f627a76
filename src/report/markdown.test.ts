// The PR comment: what a reviewer sees first, escaping, and how it stays under the size limit.
import { describe, expect, it } from "vitest";
import { buildSummary } from "../../test/helpers/summary-builder.ts";
import type { RunSetSummary } from "../results/summary.ts";
import { commentMarker, renderMarkdownReport, sampleSteps } from "./markdown.ts";

const LINK = "https://reports.example.com/demo/base/report.html";

/** Rows of the first markdown table after `heading`. */
function tableAfter(text: string, heading: string): string[] {
  const lines = text.slice(text.indexOf(heading)).split("\n");
  const start = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[] = [];
  for (const l of lines.slice(start)) {
    if (!l.startsWith("|")) break;
    rows.push(l);
  }
  return rows.slice(2);
}

/** Cells split the way GFM does: on pipes not escaped with a backslash. */
function cells(row: string): string[] {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

describe("renderMarkdownReport", () => {
  const { summary } = buildSummary();

  it("starts with the hidden marker the comment is found by", () => {
    const md = renderMarkdownReport(summary);
    expect(md.split("\n")[0]).toBe("<!-- modelfleet:demo/base -->");
    expect(commentMarker("demo", "base")).toBe("<!-- modelfleet:demo/base -->");
    // A name cannot end the HTML comment early.
    expect(commentMarker("a-->b", "c")).not.toMatch(/-->.*-->/);
  });

  it("leads with project, scenario, counts by status, wall time and CPU hours", () => {
    const md = renderMarkdownReport(summary);
    const head = md.slice(0, md.indexOf("###"));
    expect(head).toContain("## 🔴 modelfleet: demo / base");
    expect(head).toContain("**200 realisations:** 197 ok · 2 failed (model) · 1 failed (infrastructure)");
    expect(head).toContain("**1 alert fired**");
    expect(head).toMatch(/Wall time \d+m\d\ds · \d+\.\d\d CPU hours · median model run \d+s/);
    expect(renderMarkdownReport(summary, { title: "Scenario *B*" })).toContain("## 🔴 Scenario \\*B\\*");
  });

  it("shows the alerts that fired first, in a caution block, and the others briefly after", () => {
    // Quiet alert first in the summary: the comment must still lead with the fired one.
    const reordered: RunSetSummary = { ...summary, alerts: [...summary.alerts].reverse() };
    const md = renderMarkdownReport(reordered);
    const fired = summary.alerts.find((a) => a.fired)!;
    const quiet = summary.alerts.find((a) => !a.fired)!;
    const firedAt = md.indexOf(fired.name);
    expect(firedAt).toBeGreaterThan(0);
    expect(firedAt).toBeLessThan(md.indexOf(quiet.name));
    expect(md).toContain(
      "> [!CAUTION]\n> **1 of 2 alerts fired**\n> - **w3\\_high\\_water**".replace(/\\_/g, "_"),
    );
    expect(md).toMatch(
      /Not fired: river_loss \(q_river: P\(below -3600\) is [\d.]+, not above 0\.2 \(on 197 of 200 realisations\)\)\./,
    );
    expect(md.indexOf("### Alerts")).toBeLessThan(md.indexOf("### Key observations"));
  });

  it("says right under the headline that a run set is incomplete, and on how much each alert was judged", () => {
    const partial = buildSummary({ notRun: 147 }).summary;
    const md = renderMarkdownReport(partial);
    const blocks = md.split("\n\n");
    expect(blocks[2]).toBe(
      "> [!WARNING]\n> Incomplete run set: 148 of 200 realisations have no final result (147 not run, 1 infrastructure failure to run again); statistics and alerts cover the 50 that succeeded.",
    );
    expect(md).toContain("(on 50 of 200 realisations)");
    const complete = { ...summary, counts: { ...summary.counts, ok: 198, failedInfrastructure: 0 } };
    expect(renderMarkdownReport(complete)).not.toContain("Incomplete");
  });

  it("says nothing is amiss with a green headline when all ran and no alert fired", () => {
    const calm: RunSetSummary = {
      ...summary,
      alerts: summary.alerts.map((a) => ({ ...a, fired: false })),
      counts: { ...summary.counts, ok: 200, failedModel: 0, failedInfrastructure: 0 },
      failures: [],
    };
    const md = renderMarkdownReport(calm);
    expect(md).toContain("## 🟢");
    expect(md).not.toContain("[!CAUTION]");
    expect(md).not.toContain("### Failures");
    expect(md).toContain("**200 realisations:** 200 ok  ");
  });

  it("tabulates key observations first with quantiles, mean, min, max and count", () => {
    const md = renderMarkdownReport(summary, { keyObservations: ["h_w4", "q_drain", "no_such_obs"] });
    const header = md.split("\n").find((l) => l.startsWith("| Observation"));
    expect(header).toBe("| Observation | Group | P10 | P50 | P90 | Mean | Min | Max | n |");
    const keyRows = tableAfter(md, "### Key observations");
    expect(keyRows.map((r) => cells(r)[0])).toEqual(["h_w4", "q_drain"]);
    const others = tableAfter(md, "All other observations");
    expect(others).toHaveLength(21);
    expect(cells(others[0]!)[0]).toBe("h_well3_t001");
    const q = summary.observations.find((o) => o.name === "q_drain")!;
    expect(cells(keyRows[1]!).at(-1)).toBe(String(q.count));
  });

  it("defaults key observations to the ones alerts watch", () => {
    const keyRows = tableAfter(renderMarkdownReport(summary), "### Key observations");
    expect(keyRows.map((r) => cells(r)[0])).toEqual(["h_well3_t012", "q_river"]);
  });

  it("uses the summary's own quantiles", () => {
    const { summary: five } = buildSummary({ quantiles: [0.05, 0.25, 0.5, 0.75, 0.95] });
    expect(renderMarkdownReport(five)).toContain(
      "| Observation | Group | P5 | P25 | P50 | P75 | P95 | Mean | Min | Max | n |",
    );
  });

  it("formats numbers readably, never as 17-digit floats", () => {
    const md = renderMarkdownReport(summary);
    const numbers = md.match(/(?<![\w.])-?\d[\d,]*(\.\d+)?(e-?\d+)?(?![\w.])/g) ?? [];
    expect(numbers.length).toBeGreaterThan(200);
    for (const n of numbers) {
      const mantissa = n.replace(/e.*$/, "").replace(/[-,.]/g, "").replace(/^0+/, "");
      expect(mantissa.length, n).toBeLessThanOrEqual(5);
    }
    expect(md).not.toContain(String(summary.observations[0]!.mean));
    expect(md).toContain("| 0.00011831 |");
    expect(md).toMatch(/\| \d\.\d{4}e-5 \|/);
  });

  it("escapes pipes, HTML and markdown in names and messages", () => {
    const { summary: odd } = buildSummary({ rename: { h_w1: "head|<b>w1</b>", q_river: "q_*river*" } });
    const md = renderMarkdownReport(odd);
    const row = md.split("\n").find((l) => l.includes("head\\|"))!;
    expect(row).toContain("head\\|&lt;b&gt;w1&lt;/b&gt;");
    expect(cells(row)).toHaveLength(9);
    expect(md).not.toContain("<b>w1</b>");
    expect(md).toContain("q\\_\\*river\\*");
    // The failure message holds a pipe too: still two cells.
    const failureRow = md.split("\n").find((l) => l.includes("FAILURE TO CONVERGE \\|"))!;
    expect(cells(failureRow)).toHaveLength(2);
  });

  it("groups failures by reason with examples, log tails collapsed", () => {
    const md = renderMarkdownReport(summary);
    expect(md).toContain("### Failures (3)");
    expect(md).toMatch(/\*\*2 × model \/ exit_code\*\*: r\d{4}, r\d{4}/);
    expect(md).toMatch(/\*\*1 × infrastructure \/ worker_lost\*\* \(retried by the next run\): r\d{4}/);
    expect(md).toContain("<details><summary>Log tails</summary>");
    expect(md).toContain("```text\n OUTER ITERATION  198");
  });

  it("fences log tails longer than any backtick run in them", () => {
    const { summary: s } = buildSummary();
    const f = s.failures[0]!;
    const tricky: RunSetSummary = {
      ...s,
      failures: [
        { ...f, examples: [{ ...f.examples[0]!, logTail: "before\n```\nnot a fence\n```\nafter" }] },
      ],
    };
    const md = renderMarkdownReport(tricky);
    expect(md).toContain("````text\nbefore\n```\nnot a fence\n```\nafter\n````");
  });

  it("shows series as band tables, long series evenly sampled", () => {
    const md = renderMarkdownReport(summary);
    expect(md).toContain("**h_well3** by month");
    expect(md).toContain("| Month | Observation | P10 | P50 | P90 | Mean |");
    expect(tableAfter(md, "**h_well3** by month")).toHaveLength(12);
    const { summary: long } = buildSummary({ seriesSteps: 100 });
    const longMd = renderMarkdownReport(long);
    expect(longMd).toContain("**h_well3** by month (25 of 100 steps shown, evenly spaced)");
    const rows = tableAfter(longMd, "**h_well3** by month");
    expect(cells(rows[0]!)[0]).toBe("1");
    expect(cells(rows.at(-1)!)[0]).toBe("100");
  });

  it("links the full report in the footer, as a link or a path", () => {
    expect(renderMarkdownReport(summary, { fullReportLink: LINK })).toContain(`[Full report](${LINK})`);
    expect(renderMarkdownReport(summary, { fullReportLink: "results/demo/base/report.html" })).toContain(
      "Full report (`results/demo/base/report.html`)",
    );
  });

  it("adds no shortening note when everything fits", () => {
    const md = renderMarkdownReport(summary, { fullReportLink: LINK });
    expect(md.length).toBeLessThan(60_000);
    expect(md).not.toContain("Shortened");
  });
});

describe("renderMarkdownReport shortening", () => {
  // 3,000 extra observations: about 300,000 characters in full.
  const { summary: big } = buildSummary({ extraObservations: 3000 });

  it("drops non-key observation rows first, keeping as many as fit, and says so", () => {
    const md = renderMarkdownReport(big, { fullReportLink: LINK });
    expect(md.length).toBeLessThanOrEqual(60_000);
    expect(md.length).toBeGreaterThan(50_000);
    expect(md.split("\n")[0]).toBe("<!-- modelfleet:demo/base -->");
    const note = md.slice(md.indexOf("> [!NOTE]"), md.indexOf("### Alerts"));
    expect(note).toMatch(
      /Shortened to fit a comment \(60,000 characters\)\. Left out: [\d,]+ of 3,021 other observations\./,
    );
    expect(note).toContain(`Everything is in the [full report](${LINK}).`);
    // Nothing else had to go.
    expect(md).toContain("<details><summary>Log tails</summary>");
    expect(md).toContain("**h_well3** by month");
    expect(md).toMatch(/<summary>Other observations \(first [\d,]+ of 3,021\)<\/summary>/);
    expect(tableAfter(md, "### Key observations")).toHaveLength(2);
    // The table it cut is still a closed, well-formed table.
    expect(md).toMatch(/\| \d+ \|\n\n<\/details>/);
  });

  it("then drops log tails, failure examples, sensitivities and series, as the limit tightens", () => {
    const noTails = renderMarkdownReport(big, { maxChars: 3_000 });
    expect(noTails.length).toBeLessThanOrEqual(3_000);
    expect(noTails).toContain("Left out: all 3,021 other observations; failure log tails.");
    expect(noTails).not.toContain("Other observations (first");
    expect(noTails).not.toContain("Log tails");
    expect(noTails).toContain("| Realisation | Message |");
    expect(noTails).toContain("**h_well3** by month");

    const tight = renderMarkdownReport(big, { maxChars: 1_600, fullReportLink: LINK });
    expect(tight.length).toBeLessThanOrEqual(1_600);
    expect(tight).toContain("failure examples and logs; sensitivities; the series.");
    expect(tight).not.toContain("| Realisation | Message |");
    expect(tight).toContain("**2 × model / exit_code**");
    expect(tight).toContain("Not shown here: h_well3.");
    // What matters most survives: headline, fired alert, key observations.
    expect(tight).toContain("**200 realisations:**");
    expect(tight).toContain("w3_high_water");
    expect(tableAfter(tight, "### Key observations")).toHaveLength(2);
  });

  it("never exceeds maxChars, and keeps the marker and the pointer to the full report", () => {
    for (const maxChars of [300, 800, 1_500, 2_500, 4_000, 8_000, 20_000, 60_000, 65_536]) {
      const md = renderMarkdownReport(big, { maxChars, fullReportLink: LINK });
      expect(md.length, `maxChars ${maxChars}`).toBeLessThanOrEqual(maxChars);
      expect(md.startsWith("<!-- modelfleet:demo/base -->")).toBe(true);
      expect(md).toContain(LINK);
    }
  });

  it("says where the full report is even without a link", () => {
    const md = renderMarkdownReport(big);
    expect(md).toContain("Everything is in the full HTML report.");
  });
});

describe("sampleSteps", () => {
  it("keeps the first and last and spaces the rest evenly", () => {
    const steps = Array.from({ length: 100 }, (_, i) => i);
    const picked = sampleSteps(steps, 25);
    expect(picked).toHaveLength(25);
    expect(picked[0]).toBe(0);
    expect(picked.at(-1)).toBe(99);
    expect(sampleSteps([1, 2, 3], 25)).toEqual([1, 2, 3]);
  });
});

describe("sensitivities of a large run set", () => {
  it("say how many observations every parameter was correlated with, when not all", () => {
    const { summary } = buildSummary();
    const all = renderMarkdownReport(summary, { fullReportLink: LINK });
    expect(all).toContain("### Strongest sensitivities");
    expect(all).not.toContain("was correlated with");
    const some = renderMarkdownReport(
      { ...summary, sensitivityScope: { observations: 24, ofObservations: 1025 } },
      { fullReportLink: LINK },
    );
    expect(some).toContain(
      "Every parameter was correlated with 24 of the 1,025 observations (the key observations, those with alerts, then others spread evenly)",
    );
  });
});
