// A worker thread of the parallel ensemble reader (ensemble-file.ts): reads its share of the
// file and sends back its lines, their names and values (ensemble-lines.ts).
import { parentPort, workerData } from "node:worker_threads";
import { readShare, type ShareJob } from "./ensemble-lines.ts";

const rows = readShare(workerData as ShareJob);
parentPort!.postMessage(rows, [
  rows.values.buffer as ArrayBuffer,
  rows.starts.buffer as ArrayBuffer,
  rows.bounds.buffer as ArrayBuffer,
]);
