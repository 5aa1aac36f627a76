// The page at `/` of the results API.
import { describe, expect, it } from "vitest";
import { renderIndexPage } from "./index-page.ts";

describe("renderIndexPage", () => {
  it("lists run sets with their counts and report links, escaped, then the endpoints", () => {
    const html = renderIndexPage({
      root: "/data/<results>",
      runSets: [
        {
          project: "demo",
          scenario: "base",
          running: { pid: 42, host: "box" },
          summary: {
            generatedAt: "2025-01-01T00:00:00Z",
            counts: { realisations: 200, ok: 50, failedModel: 2, failedInfrastructure: 0, notRun: 148 },
          },
          links: {
            summary: "/projects/demo/base/summary",
            report: "/projects/demo/base/report",
            reportMarkdown: "/projects/demo/base/report.md",
          },
        },
      ],
      endpoints: [{ path: "/health", description: "up?" }],
    });
    expect(html).toContain("<p>/data/&lt;results&gt;</p>");
    expect(html).toContain(
      "<td>demo/base</td><td>50 ok, 2 model failures, 0 infrastructure failures, 148 not run of 200 (a run is going on: pid 42 on box)</td>",
    );
    expect(html).toContain('<a href="/projects/demo/base/report">report</a>');
    expect(html).toContain("<code>GET /health</code>");
  });
  it("says how to make a run set when there is none", () => {
    expect(renderIndexPage({ root: "/r", runSets: [], endpoints: [] })).toContain("No run sets yet");
  });
});
