// One thread's share of a large ensemble CSV (ensemble-file.ts): read its bytes of the file
// into shared memory, wait until every thread has read its own, then read the lines that start
// in its share as plain rows (plain-row.ts). Imports only what it needs, so a worker thread
// starts quickly.
import { isUtf8 } from "node:buffer";
import { readSync } from "node:fs";
import { addRow, type ColumnBounds, emptyBounds } from "./column-bounds.ts";
import { readPlainRow } from "./plain-row.ts";
import { rowReader, scratchAt } from "./plain-row-memory.ts";

const text = new TextDecoder("utf-8");

export interface ShareJob {
  /** An open file descriptor of the file (shared by the threads: reads name their position). */
  readonly fd: number;
  /** The whole file, in shared memory: each thread fills its share. */
  readonly bytes: Uint8Array;
  /** This thread's share: the bytes from `from` to `to`. Lines that start in it are its own. */
  readonly from: number;
  readonly to: number;
  /** Where the rows start (after the header): the first share's first line starts there. */
  readonly dataStart: number;
  readonly width: number;
  /** Counts the threads done reading: [0]; every thread waits for all of them. */
  readonly readers: Int32Array;
  readonly threads: number;
  /** This thread's number, 0 to threads - 1. */
  readonly thread: number;
  /** The WebAssembly row reader (plain-row-wat.ts), when it could be compiled: `bytes` is then its memory's file. */
  readonly wasm?: { readonly module: WebAssembly.Module; readonly memory: WebAssembly.Memory };
}

export interface ShareRows {
  /** The first byte of each of the share's lines. */
  readonly starts: Float64Array;
  /** Each line's realisation name (trimmed), or null when it is not a plain row. */
  readonly names: Array<string | null>;
  /** Line i's values at i × width (a line that is not a plain row: to be written there). */
  readonly values: Float64Array;
  /** The magnitudes of the plain rows' values (column-bounds.ts). */
  readonly bounds: ColumnBounds;
  /** The share's lines hold a double quote (a quoted cell may span lines), or are not UTF-8. */
  readonly needsText: boolean;
}

/** Reads the share's bytes, waits for the others, and reads its lines. */
export function readShare(job: ShareJob): ShareRows {
  const { bytes, from, to } = job;
  let failed: unknown;
  try {
    for (let at = from; at < to; ) {
      const read = readSync(job.fd, bytes, at, Math.min(to - at, 64 * 1024 * 1024), at);
      if (read === 0)
        throw new Error(`the file ended at byte ${at} of ${bytes.length}: it changed while being read`);
      at += read;
    }
  } catch (e) {
    failed = e;
  } finally {
    // Counted even when the read failed, so no thread waits for it forever.
    Atomics.add(job.readers, 0, 1);
    Atomics.notify(job.readers, 0);
  }
  if (failed !== undefined) throw failed;
  for (let done = Atomics.load(job.readers, 0); done < job.threads; done = Atomics.load(job.readers, 0))
    Atomics.wait(job.readers, 0, done);
  return readLines(job);
}

function readLines(job: ShareJob): ShareRows {
  const { bytes, from, to, width } = job;
  // Buffer's indexOf searches natively; a Uint8Array's goes byte by byte.
  const search = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const starts: number[] = [];
  let at = from <= job.dataStart ? job.dataStart : search.indexOf(10, from - 1) + 1;
  while (at > 0 && at < to && at < bytes.length) {
    starts.push(at);
    const nl = search.indexOf(10, at);
    if (nl < 0) break;
    at = nl + 1;
  }
  const end = starts.length === 0 ? from : lineEnd(search, starts[starts.length - 1]!);
  const first = starts[0] ?? from;
  const lines = search.subarray(first, end);
  const needsText = lines.includes(34) || !isUtf8(lines);
  const values = new Float64Array(starts.length * width);
  const names: Array<string | null> = new Array(starts.length);
  const bounds = emptyBounds(width);
  if (!needsText) {
    const wasm = job.wasm && rowReader(job.wasm.module, job.wasm.memory, bytes.length);
    const scratch = scratchAt(bytes.length, job.thread, width);
    const scratchRow = job.wasm && new Float64Array(job.wasm.memory.buffer, scratch, width);
    for (let i = 0; i < starts.length; i++) {
      const pos = starts[i]!;
      let next = -1;
      if (wasm !== undefined && wasm(pos, width, scratch) > 0) {
        values.set(scratchRow!, i * width);
        next = 0;
      } else next = readPlainRow(bytes, pos, width, values, i * width);
      if (next < 0) names[i] = null;
      else {
        names[i] = text.decode(bytes.subarray(pos, search.indexOf(44, pos))).trim();
        addRow(bounds, values.subarray(i * width, (i + 1) * width));
      }
    }
  }
  return { starts: Float64Array.from(starts), names, values, bounds, needsText };
}

function lineEnd(search: Buffer, start: number): number {
  const nl = search.indexOf(10, start);
  return nl < 0 ? search.length : nl + 1;
}
