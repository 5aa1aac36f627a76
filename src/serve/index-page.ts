// The page at `/` of the results API: what a person opening the printed URL in a browser sees.
// Every run set with its counts and links to its reports, then the API's endpoints.
import { escapeHtml as esc } from "../report/escape-html.ts";
import type { RunSetSummary } from "../results/summary.ts";

export interface IndexEntry {
  readonly project: string;
  readonly scenario: string;
  readonly running: { readonly pid: number; readonly host: string } | null;
  readonly summary: { readonly generatedAt: string; readonly counts: RunSetSummary["counts"] } | null;
  readonly links: { readonly summary: string; readonly report: string; readonly reportMarkdown: string };
}

export function renderIndexPage(options: {
  readonly root: string;
  readonly runSets: readonly IndexEntry[];
  readonly endpoints: ReadonlyArray<{ readonly path: string; readonly description: string }>;
}): string {
  const rows = options.runSets.map((r) => {
    const c = r.summary?.counts;
    const counts = c
      ? `${c.ok} ok, ${c.failedModel} model failures, ${c.failedInfrastructure} infrastructure failures${c.notRun ? `, ${c.notRun} not run` : ""} of ${c.realisations}`
      : "no report yet";
    const links = r.summary
      ? `<a href="${esc(r.links.report)}">report</a> · <a href="${esc(r.links.reportMarkdown)}">report.md</a> · <a href="${esc(r.links.summary)}">summary.json</a>`
      : "";
    const running = r.running ? ` (a run is going on: pid ${r.running.pid} on ${esc(r.running.host)})` : "";
    return `<tr><td>${esc(r.project)}/${esc(r.scenario)}</td><td>${esc(counts)}${running}</td><td>${links}</td></tr>`;
  });
  const endpoints = options.endpoints.map(
    (e) => `<tr><td><code>GET ${esc(e.path)}</code></td><td>${esc(e.description)}</td></tr>`,
  );
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>modelfleet results</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:24px;color:#1f2937}td{padding:4px 12px 4px 0;vertical-align:top}code{font-size:13px}</style>
</head>
<body>
<h1>modelfleet results</h1>
<p>${esc(options.root)}</p>
${rows.length > 0 ? `<table>${rows.join("\n")}</table>` : "<p>No run sets yet: run <code>modelfleet run &lt;spec&gt;</code>.</p>"}
<h2>API</h2>
<table>${endpoints.join("\n")}</table>
</body>
</html>
`;
}
