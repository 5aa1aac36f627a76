// `modelfleet calibrate <spec>` from start to finish: load the spec and its observations, take
// the calibration's lock, run the smoother with an evaluator (the local engine, or ECS), and
// write PEST++'s files and the report into `<results>/<project>/<scenario>/calibration/` after
// every iteration, so a killed calibration leaves every finished iteration's files in place.
import { resolve } from "node:path";
import { DEFAULT_RESULTS_ROOT } from "../engine/local-run.ts";
import { errorMessage, UserError } from "../errors.ts";
import { runSetOf } from "../plan/plan.ts";
import { type CalibrationSpec, calibrationSchema } from "../spec/calibration-schema.ts";
import { loadSpec, type ResolvedSpec } from "../spec/load.ts";
import { createFsResultStore } from "../store/fs-store.ts";
import type { ResultStore } from "../store/result-store.ts";
import { acquireRunLock } from "../store/run-lock.ts";
import { calibrationRunSet } from "./iteration-run-set.ts";
import { loadObservationTargets, type ObservationTarget } from "./observation-targets.ts";
import { type ParameterSpace, parameterSpace } from "./parameter-space.ts";
import { obsCsv, obsCsvName, obsPlusNoiseCsv, parCsv, parCsvName, phiCsv } from "./pestpp-files.ts";
import { writeCalibrationReport } from "./report/write-report.ts";
import {
  type CalibrationResult,
  calibrate,
  type Evaluator,
  type IterationRecord,
  observationsPlusNoise,
} from "./smoother.ts";

export interface CalibrationSetup {
  readonly resolved: ResolvedSpec;
  readonly settings: CalibrationSpec;
  readonly targets: readonly ObservationTarget[];
  readonly space: ParameterSpace;
}

/** Settings from the command line that override the project file's. */
export interface CalibrationOverrides {
  readonly method?: CalibrationSpec["method"];
  readonly iterations?: number;
}

export async function loadCalibration(
  specFile: string,
  overrides: CalibrationOverrides = {},
): Promise<CalibrationSetup> {
  const resolved = await loadSpec(specFile);
  const { spec } = resolved;
  if (!spec.observations) {
    throw new UserError(
      `${specFile}: a calibration needs the observations to match: add \`observations:\` with \`values\`, \`csv\` or \`pst\` (see the README's Calibration section)`,
    );
  }
  const settings = calibrationSchema.parse({
    ...(spec.calibration ?? {}),
    ...(overrides.method ? { method: overrides.method } : {}),
    ...(overrides.iterations ? { iterations: overrides.iterations, alphas: undefined } : {}),
  });
  const targets = await loadObservationTargets({
    observations: spec.observations,
    specFile,
    specDir: resolved.dir,
    read: resolved.observations,
  });
  const space = parameterSpace(spec, settings, resolved.realisations.realisations, specFile);
  if (resolved.realisations.realisations.length < 2) {
    throw new UserError(
      `${specFile}: a calibration needs an ensemble of at least 2 realisations; the parameters give ${resolved.realisations.realisations.length}`,
    );
  }
  return { resolved, settings, targets, space };
}

export interface RunCalibrationOptions {
  readonly setup: CalibrationSetup;
  readonly evaluator: Evaluator;
  /** Where the calibration's files go (the results root's store by default). */
  readonly store?: ResultStore;
  readonly resultsRoot?: string;
  readonly command: string;
  readonly onIteration?: (record: IterationRecord, setup: CalibrationSetup) => void;
  /** Engine and wall time figures for the report. */
  readonly engineLabel?: string;
}

export interface CalibrationRun {
  readonly result: CalibrationResult;
  /** The calibration's folder. */
  readonly location: string;
  /** The posterior: the last iteration's par.csv. */
  readonly posterior: string;
  readonly wallSeconds: number;
}

export async function runCalibration(options: RunCalibrationOptions): Promise<CalibrationRun> {
  const { setup } = options;
  const { resolved, settings, targets, space } = setup;
  const store = options.store ?? createFsResultStore(resolve(options.resultsRoot ?? DEFAULT_RESULTS_ROOT));
  const folder = calibrationRunSet(runSetOf(resolved));
  const location = store.runSetLocation(folder);
  const local = store.location.startsWith("/") || /^[A-Za-z]:/.test(store.location);
  const lock = local
    ? await acquireRunLock(location, { command: options.command, what: "the calibration" }).catch(
        (e: unknown) => {
          if (e instanceof UserError) throw e;
          throw new UserError(
            `cannot write the calibration to ${location}: ${errorMessage(e)}; choose another folder with --results`,
          );
        },
      )
    : undefined;
  const started = Date.now();
  const caseName = resolved.spec.scenario;
  const reals = resolved.realisations.realisations.map((r) => r.id);
  const targetNames = targets.map((t) => t.name);
  const observations = resolved.observations.map((o) => o.toLowerCase());
  const records: IterationRecord[] = [];
  try {
    await store.putRunSetFile(
      folder,
      `${caseName}.obs+noise.csv`,
      obsPlusNoiseCsv(observationsPlusNoise(targets, reals, settings), reals, targetNames),
    );
    const result = await calibrate({
      settings,
      space,
      targets,
      prior: resolved.realisations.realisations.map((r) => ({ real: r.id, values: r.values })),
      evaluator: options.evaluator,
      onIteration: async (rec) => {
        records.push(rec);
        await store.putRunSetFile(folder, parCsvName(caseName, rec.iteration), parCsv(rec, space.names));
        await store.putRunSetFile(folder, obsCsvName(caseName, rec.iteration), obsCsv(rec, observations));
        await store.putRunSetFile(folder, `${caseName}.phi.meas.csv`, phiCsv(records, reals, "phiMeasured"));
        await store.putRunSetFile(folder, `${caseName}.phi.actual.csv`, phiCsv(records, reals, "phiActual"));
        options.onIteration?.(rec, setup);
      },
    });
    const last = result.iterations.at(-1)!;
    await writeCalibrationReport({
      store,
      runSet: folder,
      setup,
      result,
      wallSeconds: (Date.now() - started) / 1000,
      engine: options.engineLabel ?? "modelfleet (built in)",
    });
    return {
      result,
      location,
      posterior: `${location}/${parCsvName(caseName, last.iteration)}`,
      wallSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    await lock?.release();
  }
}
