// Reads an ensemble CSV file, a large one on several threads: 10,000 realisations × 8,000
// parameters are 80 million numbers in 1.5 GB, many seconds for one thread. Each thread reads
// its share of the file into shared memory and then the lines that start in it
// (ensemble-lines.ts); this thread then takes every line in order, so names, repeats, problems
// and their lines come out exactly as the one-thread reader (readEnsembleRows) gives them. A
// file with a double quote after its header (a quoted cell may hold a line break), or that is
// not UTF-8, is read by the one-thread reader, which says where.
import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { siblingModule } from "../worker-url.ts";
import { addBounds, addRow, emptyBounds } from "./column-bounds.ts";
import {
  type EnsembleRows,
  RecordReader,
  RowCollector,
  readEnsembleRows,
  startEnsemble,
} from "./ensemble-csv.ts";
import type { ShareJob, ShareRows } from "./ensemble-lines.ts";
import type { FormatProblems } from "./format-problems.ts";
import { FILE_AT, rowMemory } from "./plain-row-memory.ts";
import { plainRowModule } from "./plain-row-wasm.ts";

export interface EnsembleFileOptions {
  /** Threads to read on. Default: the machine's cores, at most 8. */
  readonly threads?: number;
  /** Smaller files are read on this thread alone. Default 32 MiB. */
  readonly minBytes?: number;
}

const MIN_BYTES = 32 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/** The ensemble CSV at `path`; `shown` names it in messages. */
export async function readEnsembleFile(
  path: string,
  shown: string,
  problems?: FormatProblems,
  options: EnsembleFileOptions = {},
): Promise<EnsembleRows> {
  const file = await open(path, "r");
  try {
    const size = (await file.stat()).size;
    const threads = Math.max(1, options.threads ?? Math.min(availableParallelism(), 8));
    if (threads < 2 || size < (options.minBytes ?? MIN_BYTES))
      return readEnsembleRows(await file.readFile(), shown, problems);

    const compiling = plainRowModule(); // while the header is read
    const first = await readHeader(file, size);
    const header = first.bytes.subarray(0, first.end);
    if (header.includes(34)) {
      const all = new Uint8Array(size);
      all.set(first.bytes);
      return readEnsembleRows(await readRest(file, all, first.bytes.length), shown, problems);
    }
    const start = startEnsemble(header, shown, problems);
    if (!("reader" in start)) return start;
    const dataStart = start.reader.pos;
    // The file goes into shared memory: WebAssembly's, for plain-row-wat.ts to read, when it can.
    const module = await compiling;
    const memory = module && rowMemory(size, threads, start.width);
    const bytes =
      memory !== undefined
        ? new Uint8Array(memory.buffer, FILE_AT, size)
        : new Uint8Array(new SharedArrayBuffer(size));
    bytes.set(first.bytes);
    const wasm = module !== undefined && memory !== undefined ? { module, memory } : undefined;

    const share = Math.ceil((size - dataStart) / threads);
    const readers = new Int32Array(new SharedArrayBuffer(4));
    const jobs: ShareJob[] = [];
    for (let t = 0; t < threads; t++) {
      const from = Math.min(size, dataStart + t * share);
      const to = Math.min(size, from + share);
      jobs.push({
        fd: file.fd,
        bytes,
        from,
        to,
        dataStart,
        width: start.width,
        readers,
        threads,
        thread: t,
        wasm,
      });
    }
    const shares = await onThreads(jobs);
    // The shares hold every byte after the header now; the header's are here already.
    if (shares.some((s) => s.needsText)) return readEnsembleRows(bytes, shown, problems);

    const rows = new RowCollector(start);
    const bounds = emptyBounds(start.width);
    for (const s of shares) addBounds(bounds, s.bounds);
    const reader = new RecordReader(bytes, shown);
    const width = start.width;
    let line = start.reader.line;
    for (const s of shares) {
      for (let i = 0; i < s.names.length; i++, line++) {
        const row = s.values.subarray(i * width, (i + 1) * width);
        const name = s.names[i];
        if (name !== null && name !== undefined) rows.plain(name, line, row);
        else {
          reader.pos = s.starts[i]!;
          reader.line = line;
          rows.record(reader.next()!, row);
          addRow(bounds, row);
        }
      }
    }
    return { ...rows.finish(), bounds };
  } finally {
    await file.close();
  }
}

type Handle = Awaited<ReturnType<typeof open>>;

/** Reads from the start until the first line that is not blank has ended (or the file has):
 * the bytes read, and where that line ends. */
async function readHeader(file: Handle, size: number): Promise<{ bytes: Uint8Array; end: number }> {
  let bytes = new Uint8Array(Math.min(size, CHUNK));
  let have = 0;
  let scanned = 0;
  let seenText = false;
  while (have < size) {
    if (have === bytes.length) {
      const more = new Uint8Array(Math.min(size, bytes.length * 2));
      more.set(bytes);
      bytes = more;
    }
    const { bytesRead } = await file.read(bytes, have, bytes.length - have, have);
    if (bytesRead === 0) break;
    have += bytesRead;
    for (; scanned < have; scanned++) {
      const c = bytes[scanned]!;
      if (c === 10 && seenText) return { bytes: bytes.subarray(0, have), end: scanned + 1 };
      if (c !== 10 && c !== 13 && c !== 32 && c !== 9) seenText = true;
    }
  }
  return { bytes: bytes.subarray(0, have), end: have };
}

async function readRest(file: Handle, bytes: Uint8Array, from: number): Promise<Uint8Array> {
  for (let at = from; at < bytes.length; ) {
    const { bytesRead } = await file.read(bytes, at, Math.min(64 * CHUNK, bytes.length - at), at);
    if (bytesRead === 0) return bytes.subarray(0, at);
    at += bytesRead;
  }
  return bytes;
}

function onThreads(jobs: readonly ShareJob[]): Promise<ShareRows[]> {
  const workers = jobs.map(
    (job) => new Worker(siblingModule(import.meta.url, "ensemble-rows-worker"), { workerData: job }),
  );
  const done = workers.map(
    (worker) =>
      new Promise<ShareRows>((resolve, reject) => {
        worker.once("message", resolve);
        worker.once("error", reject);
        worker.once("exit", (code) => {
          if (code !== 0) reject(new Error(`an ensemble reader thread stopped with exit code ${code}`));
        });
      }),
  );
  return Promise.all(done).finally(() => {
    for (const w of workers) void w.terminate();
  });
}
