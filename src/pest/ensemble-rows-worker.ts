// A worker thread of the parallel ensemble reader: reads its lines into the shared values and
// sends back the names (ensemble-lines.ts).
import { parentPort, workerData } from "node:worker_threads";
import { readPlainLines } from "./ensemble-lines.ts";

export interface LinesJob {
  readonly bytes: Uint8Array;
  readonly starts: Float64Array;
  readonly from: number;
  readonly to: number;
  readonly width: number;
  readonly values: Float64Array;
}

const job = workerData as LinesJob;
parentPort!.postMessage(readPlainLines(job.bytes, job.starts, job.from, job.to, job.width, job.values));
