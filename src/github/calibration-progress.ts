// A calibration's progress as `modelfleet calibrate` tells it on stderr, one line per event:
// an iteration's runs queued on ECS (`<p>/<s>: iteration 2: 50 run(s) on ECS, 10 done already`)
// and an iteration finished (`<p>/<s>: iteration 2: mean phi 312.4, 48 realisations, 150 model
// runs so far`). Pure: the lines in, what the comment shows out.

export interface IterationDone {
  readonly iteration: number;
  /** The mean measured phi, as the CLI printed it. */
  readonly meanPhi: string;
  readonly realisations: number;
  readonly modelRuns: number;
}

export interface CalibrationProgress {
  /** The iteration whose runs are on the workers now. */
  readonly running?: { readonly iteration: number; readonly runs: number; readonly doneAlready: number };
  /** Iterations finished, 0 the prior, oldest first. */
  readonly done: readonly IterationDone[];
}

const BATCH = /: iteration (\d+): (\d+) run\(s\) on ECS(?:, (\d+) done already)?$/;
const FINISHED = /: iteration (\d+): mean phi (\S+), (\d+) realisations, (\d+) model runs so far$/;

/** The progress after one more line; the same object when the line says nothing of it. */
export function nextProgress(p: CalibrationProgress, line: string): CalibrationProgress {
  const batch = BATCH.exec(line);
  if (batch) {
    return {
      ...p,
      running: { iteration: Number(batch[1]), runs: Number(batch[2]), doneAlready: Number(batch[3] ?? 0) },
    };
  }
  const finished = FINISHED.exec(line);
  if (finished) {
    const it: IterationDone = {
      iteration: Number(finished[1]),
      meanPhi: finished[2]!.replace(/,$/, ""),
      realisations: Number(finished[3]),
      modelRuns: Number(finished[4]),
    };
    const { running: _, ...rest } = p;
    return { ...rest, done: [...p.done.filter((d) => d.iteration !== it.iteration), it] };
  }
  return p;
}
