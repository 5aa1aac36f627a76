// A calibration's files, read from its folder in the results store (S3) into a folder the
// workflow uploads as an artifact: report.md (for the comment), report.html, calibration.json
// and PEST++'s CSV files, every iteration's ensemble until the first missing one.
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { obsCsvName, parCsvName } from "../calibrate/pestpp-files.ts";
import type { ResultStore, RunSetRef } from "../store/result-store.ts";

export interface FetchedCalibration {
  readonly markdown: string | undefined;
  /** The files written into the folder. */
  readonly files: readonly string[];
}

export async function fetchCalibrationFiles(options: {
  readonly store: ResultStore;
  /** The calibration's folder (calibrate/iteration-run-set.ts calibrationRunSet). */
  readonly folder: RunSetRef;
  /** PEST++'s case name: the scenario. */
  readonly caseName: string;
  readonly outDir: string;
}): Promise<FetchedCalibration> {
  const { store, folder, caseName, outDir } = options;
  const files: string[] = [];
  const copy = async (name: string): Promise<Uint8Array | undefined> => {
    const bytes = await store.getRunSetFile(folder, name);
    if (!bytes) return undefined;
    await mkdir(dirname(join(outDir, name)), { recursive: true });
    await writeFile(join(outDir, name), bytes);
    files.push(name);
    return bytes;
  };
  await mkdir(outDir, { recursive: true });
  const report = await copy("report.md");
  for (const name of [
    "report.html",
    "calibration.json",
    `${caseName}.obs+noise.csv`,
    `${caseName}.phi.actual.csv`,
    `${caseName}.phi.meas.csv`,
  ])
    await copy(name);
  for (let i = 0; await copy(parCsvName(caseName, i)); i++) await copy(obsCsvName(caseName, i));
  return { markdown: report ? Buffer.from(report).toString("utf8") : undefined, files };
}
