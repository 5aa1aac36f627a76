// Reads a large ensemble CSV on several threads: 10,000 realisations × 8,000 parameters are
// 80 million numbers in 1.5 GB, seconds of work for one thread. The file's bytes and the
// values are shared memory; each thread reads a share of the lines that are plain rows
// (ensemble-lines.ts), and this thread then takes every line in order, so names, duplicates,
// problems and their lines come out exactly as the one-thread reader gives them.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type EnsembleRows, RowCollector, readEnsembleRows, startEnsemble } from "./ensemble-csv.ts";
import { readPlainLines } from "./ensemble-lines.ts";
import type { LinesJob } from "./ensemble-rows-worker.ts";
import type { FormatProblems } from "./format-problems.ts";

export interface ParallelReadOptions {
  /** Threads to read on, this one included. Default: the machine's cores, at most 8. */
  readonly threads?: number;
  /** Smaller files are read on this thread alone. Default 32 MiB. */
  readonly minBytes?: number;
}

const MIN_BYTES = 32 * 1024 * 1024;

export async function readEnsembleRowsInParallel(
  bytes: Uint8Array,
  file: string,
  problems?: FormatProblems,
  options: ParallelReadOptions = {},
): Promise<EnsembleRows> {
  const threads = options.threads ?? Math.min(availableParallelism(), 8);
  if (threads < 2 || bytes.length < (options.minBytes ?? MIN_BYTES))
    return readEnsembleRows(bytes, file, problems);
  const start = startEnsemble(bytes, file, problems);
  if (!("reader" in start)) return start;
  const { reader, width } = start;
  // A quoted cell may hold a line break: then lines are not records, and one thread reads.
  if (bytes.indexOf(34, reader.pos) >= 0) return readEnsembleRows(bytes, file, problems);

  const shared = sharedCopy(bytes);
  const starts = lineStarts(shared, reader.pos);
  const lines = starts.length;
  const values = new Float64Array(new SharedArrayBuffer(lines * width * 8));
  const share = Math.ceil(lines / threads);
  const jobs: LinesJob[] = [];
  for (let t = 1; t < threads && t * share < lines; t++)
    jobs.push({
      bytes: shared,
      starts,
      from: t * share,
      to: Math.min(lines, (t + 1) * share),
      width,
      values,
    });
  const others = jobs.map((job) => onThread(job));
  const names = [readPlainLines(shared, starts, 0, Math.min(share, lines), width, values)];
  names.push(...(await Promise.all(others)));

  const rows = new RowCollector(start, values);
  const firstLine = reader.line;
  let i = 0;
  for (const part of names) {
    for (const name of part) {
      if (name !== null) rows.plain(name, firstLine + i, i);
      else {
        reader.pos = starts[i]!;
        reader.line = firstLine + i;
        rows.record(reader.next()!, i);
      }
      i++;
    }
  }
  return rows.finish();
}

function onThread(job: LinesJob): Promise<Array<string | null>> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./ensemble-rows-worker.ts", import.meta.url), { workerData: job });
    worker.once("message", (names: Array<string | null>) => {
      resolve(names);
      void worker.terminate();
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`an ensemble reader thread stopped with exit code ${code}`));
    });
  });
}

/** The bytes in shared memory (as they are when read with readFileShared). */
function sharedCopy(bytes: Uint8Array): Uint8Array {
  if (bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const copy = new Uint8Array(new SharedArrayBuffer(bytes.length));
  copy.set(bytes);
  return copy;
}

/** The first byte of every line from `from` on (a last line without a line break included). */
function lineStarts(shared: Uint8Array, from: number): Float64Array {
  // Buffer's indexOf searches natively; a Uint8Array's goes byte by byte.
  const bytes = Buffer.from(shared.buffer, shared.byteOffset, shared.byteLength);
  const found: number[] = [];
  let at = from;
  while (at < bytes.length) {
    found.push(at);
    const nl = bytes.indexOf(10, at);
    if (nl < 0) break;
    at = nl + 1;
  }
  return Float64Array.from(found);
}
