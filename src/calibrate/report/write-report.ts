// Writes the calibration's report beside PEST++'s files: calibration.json, report.md (the pull
// request comment) and report.html, through the ResultStore (a folder or S3).
import type { ResultStore, RunSetRef } from "../../store/result-store.ts";
import type { CalibrationSetup } from "../run-calibration.ts";
import type { CalibrationResult } from "../smoother.ts";
import { renderCalibrationHtml } from "./calibration-html.ts";
import { renderCalibrationMarkdown } from "./calibration-markdown.ts";
import { type CalibrationSummary, calibrationSummary } from "./calibration-summary.ts";

export async function writeCalibrationReport(options: {
  readonly store: ResultStore;
  readonly runSet: RunSetRef;
  readonly setup: CalibrationSetup;
  readonly result: CalibrationResult;
  readonly wallSeconds: number;
  readonly engine: string;
}): Promise<CalibrationSummary> {
  const summary = calibrationSummary(options);
  await writeReportFiles(options.store, options.runSet, summary);
  return summary;
}

export async function writeReportFiles(
  store: ResultStore,
  runSet: RunSetRef,
  summary: CalibrationSummary,
): Promise<void> {
  await store.putRunSetFile(runSet, "calibration.json", `${JSON.stringify(summary, null, 2)}\n`);
  await store.putRunSetFile(runSet, "report.md", renderCalibrationMarkdown(summary));
  await store.putRunSetFile(runSet, "report.html", await renderCalibrationHtml(summary));
}
