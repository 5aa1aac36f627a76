// A calibration's files in PEST++'s layout (pestpp-ies manual, "PESTPP-IES Output Files"), so
// pyemu's and PEST++ users' scripts read them: `<case>.<N>.par.csv` and `<case>.<N>.obs.csv` per
// iteration (one row per realisation, lower-case names), `<case>.obs+noise.csv`, and
// `<case>.phi.actual.csv` / `<case>.phi.meas.csv` (iteration, total_runs, mean,
// standard_deviation, min, max, then one column per realisation, empty once it is dropped).
// Numbers are written in their shortest exact form, so a posterior read back as a parameter
// source is the same doubles.
import { writeEnsembleCsv } from "../pest/ensemble-csv.ts";
import { numberText } from "../pest/par-file.ts";
import { phiStats } from "./phi.ts";
import type { IterationRecord } from "./smoother.ts";

export function parCsvName(caseName: string, iteration: number): string {
  return `${caseName}.${iteration}.par.csv`;
}

export function obsCsvName(caseName: string, iteration: number): string {
  return `${caseName}.${iteration}.obs.csv`;
}

/** Every parameter of every realisation of the iteration's ensemble. */
export function parCsv(record: IterationRecord, parameters: readonly string[]): string {
  return writeEnsembleCsv({
    columns: parameters.map((p) => p.toLowerCase()),
    rows: record.reals.map((r) => ({
      name: r,
      values: parameters.map((p) => record.parameters.get(r)!.get(p)!),
    })),
  });
}

/** Every observation an instruction file reads, simulated by each realisation. */
export function obsCsv(record: IterationRecord, observations: readonly string[]): string {
  const columns = observations.filter((o) =>
    record.reals.every((r) => Number.isFinite(record.simulated.get(r)?.[o])),
  );
  return writeEnsembleCsv({
    columns: columns.map((o) => o.toLowerCase()),
    rows: record.reals.map((r) => ({ name: r, values: columns.map((o) => record.simulated.get(r)![o]!) })),
  });
}

export function obsPlusNoiseCsv(
  noise: ReadonlyMap<string, Readonly<Record<string, number>>>,
  reals: readonly string[],
  observations: readonly string[],
): string {
  return writeEnsembleCsv({
    columns: [...observations],
    rows: reals.map((r) => ({ name: r, values: observations.map((o) => noise.get(r)![o]!) })),
  });
}

/** phi.meas.csv or phi.actual.csv: one row per iteration. */
export function phiCsv(
  records: readonly IterationRecord[],
  reals: readonly string[],
  which: "phiMeasured" | "phiActual",
): string {
  const lines = [
    [
      "iteration",
      "total_runs",
      "mean",
      "standard_deviation",
      "min",
      "max",
      ...reals.map((r) => r.toLowerCase()),
    ].join(","),
  ];
  for (const rec of records) {
    const phis = rec[which];
    const s = phiStats([...phis.values()]);
    lines.push(
      [
        String(rec.iteration),
        String(rec.totalRuns),
        ...[s.mean, s.std, s.min, s.max].map(numberText),
        ...reals.map((r) => (phis.has(r) ? numberText(phis.get(r)!) : "")),
      ].join(","),
    );
  }
  return `${lines.join("\n")}\n`;
}
