// The run set's report files, read from its results store (S3) into a folder the workflow
// uploads as an artifact, with report.md and summary.json for the comment and the alerts.
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPORT_FILES } from "../report/report-run-set.ts";
import type { RunSetSummary } from "../results/summary.ts";
import type { ResultStore, RunSetRef } from "../store/result-store.ts";

export interface FetchedReport {
  readonly markdown: string | undefined;
  readonly summary: RunSetSummary | undefined;
  /** The files written into the folder. */
  readonly files: readonly string[];
}

export async function fetchReportFiles(options: {
  readonly store: ResultStore;
  readonly runSet: RunSetRef;
  readonly outDir: string;
}): Promise<FetchedReport> {
  await mkdir(options.outDir, { recursive: true });
  const files: string[] = [];
  let markdown: string | undefined;
  let summary: RunSetSummary | undefined;
  for (const name of REPORT_FILES) {
    const bytes = await options.store.getRunSetFile(options.runSet, name);
    if (!bytes) continue;
    await writeFile(join(options.outDir, name), bytes);
    files.push(name);
    const text = Buffer.from(bytes).toString("utf8");
    if (name === "report.md") markdown = text;
    if (name === "summary.json") summary = JSON.parse(text) as RunSetSummary;
  }
  return { markdown, summary, files };
}
