// Reads what pestpp-ies wrote (its per-iteration par.csv and obs.csv, phi.meas.csv and
// phi.actual.csv) back into the smoother's iteration records, so a PEST++ calibration gets the
// same report as a built-in one. Realisations that leave the ensemble between two iterations
// were dropped by pestpp-ies (a failed run, or phi far above the rest: its .rec says which).
import { parseEnsembleCsv } from "../../pest/ensemble-csv.ts";
import type { CalibrationResult, Dropped, IterationRecord } from "../smoother.ts";

/** Reads a file of the manager's folder, or undefined when pestpp-ies did not write it. */
export type ReadOutput = (name: string) => Promise<Uint8Array | undefined>;

export async function readPestppResult(
  caseName: string,
  read: ReadOutput,
  noise: CalibrationResult["observationsPlusNoise"],
): Promise<CalibrationResult> {
  const phi = async (which: string) => {
    const bytes = await read(`${caseName}.phi.${which}.csv`);
    if (!bytes) throw new Error(`pestpp-ies wrote no ${caseName}.phi.${which}.csv`);
    const [head, ...rows] = new TextDecoder().decode(bytes).trim().split(/\r?\n/);
    const names = head!.split(",").slice(6);
    const byIteration = new Map<number, { totalRuns: number; phis: Map<string, number> }>();
    for (const row of rows) {
      const cells = row.split(",");
      const phis = new Map<string, number>();
      names.forEach((n, i) => {
        const c = cells[6 + i]?.trim();
        if (c) phis.set(n, Number(c));
      });
      // A later row for the same iteration (a rejected then accepted upgrade) replaces it.
      byIteration.set(Number(cells[0]), { totalRuns: Number(cells[1]), phis });
    }
    return byIteration;
  };
  const measured = await phi("meas");
  const actual = await phi("actual");
  const iterations: IterationRecord[] = [];
  let previous: readonly string[] | undefined;
  for (let n = 0; ; n++) {
    const parBytes = await read(`${caseName}.${n}.par.csv`);
    const obsBytes = await read(`${caseName}.${n}.obs.csv`);
    if (!parBytes || !obsBytes) break;
    const par = parseEnsembleCsv(parBytes, `${caseName}.${n}.par.csv`);
    const obs = parseEnsembleCsv(obsBytes, `${caseName}.${n}.obs.csv`);
    const reals = obs.rows.map((r) => r.name.toLowerCase());
    const parameters = new Map(
      par.rows.map((r) => [
        r.name.toLowerCase(),
        new Map(par.columns.map((c, i) => [c.toLowerCase(), r.values[i]!])),
      ]),
    );
    const simulated = new Map(
      obs.rows.map((r) => [
        r.name.toLowerCase(),
        Object.fromEntries(obs.columns.map((c, i) => [c.toLowerCase(), r.values[i]!])),
      ]),
    );
    const kept = reals.filter((r) => parameters.has(r));
    const dropped: Dropped[] = (previous ?? [])
      .filter((r) => !kept.includes(r))
      .map((real) => ({
        real,
        iteration: n,
        why: `dropped by pestpp-ies (a failed run, or phi far above the rest: see ${caseName}.rec)`,
      }));
    const m = measured.get(n);
    const a = actual.get(n);
    iterations.push({
      iteration: n,
      totalRuns: m?.totalRuns ?? 0,
      reals: kept,
      parameters,
      simulated,
      phiMeasured: new Map(kept.map((r) => [r, m?.phis.get(r) ?? Number.NaN])),
      phiActual: new Map(kept.map((r) => [r, a?.phis.get(r) ?? Number.NaN])),
      dropped,
      accepted: true,
    });
    previous = kept;
  }
  if (iterations.length === 0)
    throw new Error(`pestpp-ies wrote no ${caseName}.0.par.csv and ${caseName}.0.obs.csv`);
  return { iterations, observationsPlusNoise: noise, totalRuns: iterations.at(-1)!.totalRuns };
}
