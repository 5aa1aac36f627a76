// The pull-request comment at each stage: what it says, that it starts with its marker, that it
// stays under GitHub's limit; samples of each stage are kept in docs/pr-comment-samples.md.
import { describe, expect, it } from "vitest";
import {
  samplePlanStage,
  sampleProgressStage,
  sampleReportStage,
} from "../../test/helpers/comment-stages.ts";
import { renderCalibratingComment } from "../github/calibration-comment.ts";
import { renderComment } from "./comment.ts";
import { fitSections, progressBar, s3ConsoleUrl, sparkline } from "./comment-parts.ts";

const MARKER = "<!-- modelfleet:demo/base -->";

describe("the plan comment", () => {
  it("says what runs, why, what it costs, and how the smoke run went", () => {
    const md = renderComment(samplePlanStage());
    expect(md.split("\n")[0]).toBe(MARKER);
    expect(md).toContain("on merge, **48** of 200 realisations run on AWS");
    expect(md).toContain("| done | 150 ok, 2 model failures |");
    expect(md).toContain("- 20 new (no result yet)");
    expect(md).toContain("- 25 because their parameter values changed");
    expect(md).toContain("- 3 infrastructure failures to run again");
    expect(md).toMatch(
      /\| \*\*estimated cost\*\* \| \*\*\$0\.\d\d\*\* on Fargate Spot \(\$\d\.\d\d on-demand\) \|/,
    );
    expect(md).toContain("the median of the earlier successful runs");
    expect(md).toContain("Prices of us-east-1 dated 2026-03-10 (https://aws.amazon.com/fargate/pricing/)");
    expect(md).toContain("**Smoke run of realisation `1` on the runner: ok** in 1.9 s: `h_w1` = 101.82");
  });

  it("says when it planned against no results, and that the timeout bounds the estimate", () => {
    const stage = samplePlanStage({
      results: { source: "none", reason: "a pull request from a fork gets no AWS credentials" },
      estimate: { ...samplePlanStage().estimate!, basis: "timeout", secondsPerRealisation: 600 },
    });
    const md = renderComment(stage);
    expect(md).toContain(
      "> Planned against no earlier results: a pull request from a fork gets no AWS credentials.",
    );
    expect(md).toContain("(at most: the timeout)");
    expect(md).toContain("so each realisation is taken to run its full timeout (10 min): an upper bound");
  });

  it("plans a calibration as its iterations' model runs, at most, and costs those", () => {
    const md = renderComment(
      samplePlanStage({
        scenario: "calibrate",
        file: "projects/demo/calibrate.yaml",
        calibration: { method: "esmda", iterations: 4, ensemble: 50, runs: 250 },
      }),
    );
    expect(md).toContain(
      "on merge, a calibration runs on AWS: esmda, 4 iterations of 50 realisations, at most **250** model runs",
    );
    expect(md).toContain("| calibration | esmda: the prior and 4 iterations of 50 realisations |");
    expect(md).toContain("| model runs | at most **250** |");
    expect(md).not.toContain("| to run |");
    expect(md).not.toContain("because their parameter values changed");
    expect(md).toMatch(/\| \*\*estimated cost\*\* \|/);
  });

  it("lists the problems instead of a plan when the project file is invalid", () => {
    const md = renderComment(
      samplePlanStage({
        problems: [
          {
            file: "projects/demo/base.yaml",
            line: 7,
            column: 3,
            key: "model.comand",
            message: "unknown key; did you mean `command`?",
          },
        ],
      }),
    );
    expect(md).toContain("### 🔴 modelfleet plan: demo / base");
    expect(md).toContain(
      "- `projects/demo/base.yaml:7:3` `model.comand`: unknown key; did you mean `command`?",
    );
    expect(md).not.toContain("estimated cost");
  });

  it("says a failed smoke run failed, with its output", () => {
    const md = renderComment(
      samplePlanStage({
        smoke: { id: "7", status: "failed", wallSeconds: 0.4, message: "exit code 2\nmf6: file not found" },
      }),
    );
    expect(md).toContain("### 🟡 modelfleet plan");
    expect(md).toContain(
      "**Smoke run of realisation `7` on the runner: failed** in 0.4 s\n\n```\nexit code 2\nmf6: file not found\n```",
    );
  });
});

describe("the progress comment", () => {
  it("shows done, running, workers, the estimated end, a bar and a sparkline", () => {
    const md = renderComment(sampleProgressStage());
    expect(md.split("\n")[0]).toBe(MARKER);
    expect(md).toContain("`█████████████░░░░░░░ 64%` 31 of 48 realisations have a result.");
    expect(md).toContain("| running | 17 |");
    expect(md).toContain("| workers | 20 |");
    // 31 done in 6 minutes: 17 left at ~5.2 a minute.
    expect(md).toContain("| estimated end | in about 3 min (2026-03-14 09:09 UTC) |");
    expect(md).toContain("Finished per interval: `▄▇▇█▆▅` (5 a minute lately)");
    expect(md).toMatch(
      /\| spent so far \| \*\*\$0\.\d\d\*\* \(2 vCPU-hours, 4 GB-hours on 20 worker task\(s\); prices dated 2026-03-10\) \|/,
    );
  });

  it("says the end is not known before anything has finished", () => {
    const md = renderComment(
      sampleProgressStage({ done: 0, history: [{ at: "2026-03-14T09:00:00Z", done: 0 }] }),
    );
    expect(md).toContain("| estimated end | not known yet");
  });
});

describe("the report comment", () => {
  it("puts fired alerts first, then report.md without its own marker, the cost and the links", () => {
    const stage = sampleReportStage();
    const md = renderComment(stage);
    expect(md.split("\n")[0]).toBe(MARKER);
    expect(md.match(/<!-- modelfleet:/g)).toHaveLength(1);
    expect(md.indexOf("> [!CAUTION]\n> 1 alert fired")).toBeLessThan(
      md.indexOf("## 🔴 modelfleet: demo / base"),
    );
    expect(md).toMatch(/\*\*Cost:\*\* \*\*\$0\.\d\d\*\* \(3 vCPU-hours/);
    expect(md).toContain(
      "artifact `modelfleet-report-demo-base` of [this workflow run](https://github.com/acme/models/actions/runs/123456789)",
    );
    expect(md).toContain("(AWS console; sign in to the account)");
    expect(md).not.toMatch(/X-Amz-Signature|X-Amz-Credential/);
  });

  it("says when the cost is not known", () => {
    const md = renderComment(
      sampleReportStage({ spent: { unknown: "the run's output lists no worker tasks" } }),
    );
    expect(md).toContain("**Cost:** not known (the run's output lists no worker tasks)");
  });

  it("stays under GitHub's limit when report.md and the rest do not fit, listing the fired alerts itself", () => {
    const base = sampleReportStage();
    const alert = base.alerts.find((a) => a.fired)!;
    const md = renderComment({
      ...base,
      markdown: `${MARKER}\n${"| row | of a long table |\n".repeat(4000)}`.slice(0, 64_900),
      alerts: Array.from({ length: 300 }, (_, i) => ({ ...alert, name: `alert_${i}` })),
    });
    expect(md.length).toBeLessThanOrEqual(65_536);
    expect(md).toContain(
      "Left out to stay under GitHub's comment limit: the report (report.md). The full report is report.html, linked below.",
    );
    expect(md).toContain("> [!CAUTION]\n> 300 alerts fired:");
    expect(md).toContain("alert_299");
    expect(md).toContain("**Links**");
  });

  it("says how a run that did not finish ended", () => {
    const md = renderComment(
      sampleReportStage({
        ended: { state: "failed", text: "4 workers in a row stopped without a result:\nexit code 137" },
      }),
    );
    expect(md).toContain(
      "> [!WARNING]\n> The run was given up: 4 workers in a row stopped without a result:\n> exit code 137",
    );
  });
});

describe("comment parts", () => {
  it("draws bars and sparklines", () => {
    expect(progressBar(0, 10, 10)).toBe("░░░░░░░░░░ 0%");
    expect(progressBar(10, 10, 10)).toBe("██████████ 100%");
    expect(progressBar(0, 0, 4)).toBe("████ 100%");
    expect(sparkline([0, 1, 2, 4])).toBe("▁▂▄█");
    expect(sparkline([0, 0])).toBe("▁▁");
  });

  it("links the S3 console's folder page, which needs no expiring signature", () => {
    expect(s3ConsoleUrl("modelfleet-demo", "results/demo/base", "eu-west-1")).toBe(
      "https://eu-west-1.console.aws.amazon.com/s3/buckets/modelfleet-demo?region=eu-west-1&prefix=results%2Fdemo%2Fbase%2F&showversions=false",
    );
  });

  it("leaves out the least important section first and never goes over the limit", () => {
    const text = fitSections(
      [
        { name: "head", text: "H", keep: Number.POSITIVE_INFINITY },
        { name: "big", text: "x".repeat(100), keep: 1 },
        { name: "small", text: "y".repeat(10), keep: 2 },
      ],
      100,
    );
    expect(text).toBe(
      "H\n\nyyyyyyyyyy\n\n> [!NOTE]\n> Left out to stay under GitHub's comment limit: big.\n",
    );
  });
});

describe("docs/pr-comment-samples.md", () => {
  it("shows the comment at each stage", async () => {
    const sample = (title: string, md: string) =>
      `## ${title}\n\n\`\`\`\`markdown\n${md}\`\`\`\`\n\nRendered:\n\n${md}`;
    const doc = [
      "# The pull-request comment, stage by stage",
      "",
      "One comment per project/scenario, found by its hidden marker and edited in place. These samples are",
      "generated by `src/report/comment.test.ts` (`npx vitest run src/report/comment.test.ts -u` after a change).",
      "",
      sample("1. Plan (pull request opened or pushed)", renderComment(samplePlanStage())),
      sample("2. Progress (after the merge, while it runs)", renderComment(sampleProgressStage())),
      sample("3. Report (when every realisation has a result)", renderComment(sampleReportStage())),
      sample(
        "4. Calibrating (a scenario with observations, after the merge; then its report.md as in 3)",
        renderCalibratingComment({
          project: "demo",
          scenario: "calibrate",
          iterations: 4,
          progress: {
            running: { iteration: 2, runs: 50, doneAlready: 12 },
            done: [
              { iteration: 0, meanPhi: "84,685", realisations: 50, modelRuns: 50 },
              { iteration: 1, meanPhi: "1,204", realisations: 49, modelRuns: 100 },
            ],
          },
          startedAt: "2026-11-30T09:00:00Z",
          updatedAt: "2026-11-30T09:41:00Z",
          links: {
            workflowRun: "https://github.com/acme/models/actions/runs/123456789",
            resultsConsole: s3ConsoleUrl(
              "modelfleet-demo-us-east-1-123456789012",
              "results/demo/calibrate/calibration/",
              "us-east-1",
            ),
            resultsS3: "s3://modelfleet-demo-us-east-1-123456789012/results/demo/calibrate/calibration/",
          },
        }),
      ),
    ].join("\n");
    await expect(doc).toMatchFileSnapshot("../../docs/pr-comment-samples.md");
  });
});
