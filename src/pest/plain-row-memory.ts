// The memory plain-row-wat.ts works in: its tables of powers of ten, the file, and a row of
// values per reading thread; and its `row` over that memory. Kept apart from the compiling
// (plain-row-wasm.ts), so the reading threads do not load the compiler.
import { EXACT_POW, MIN_EXPONENT, POW_HI, POW_LO } from "./decimal-bytes.ts";

/** Where the file starts in the memory: after the tables of powers of ten. */
export const FILE_AT = 9216;
const EXACT_AT = 8976;
const PAGE = 65536;
const MAX_PAGES = 65536;

/** A shared memory for a file of `size` bytes read by `threads` threads, rows of `width`
 * values each; undefined when it would pass WebAssembly's 4 GiB. */
export function rowMemory(size: number, threads: number, width: number): WebAssembly.Memory | undefined {
  const bytes = scratchAt(size) + threads * width * 8 + 16;
  const pages = Math.ceil(bytes / PAGE);
  if (pages > MAX_PAGES) return undefined;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
  const tables = new Float64Array(memory.buffer, 0, FILE_AT / 8);
  for (let k = 0; k < POW_HI.length; k++) {
    tables[k * 2] = POW_HI[k]!;
    tables[k * 2 + 1] = POW_LO[k]!;
  }
  tables.set(EXACT_POW, EXACT_AT / 8);
  if (MIN_EXPONENT !== -280 || POW_HI.length * 16 !== EXACT_AT)
    throw new Error("the tables do not match plain-row-wat.ts");
  return memory;
}

/** Where thread t's row of values is: after the file and a zero byte, 8-byte aligned. */
export function scratchAt(size: number, thread = 0, width = 0): number {
  return Math.ceil((FILE_AT + size + 1) / 8) * 8 + thread * width * 8;
}

/** Reads rows in `memory` with the module: `row(pos, width, out)` as the module's `row`,
 * positions counted from the start of the file. */
export function rowReader(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  size: number,
): (pos: number, width: number, out: number) => number {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const row = instance.exports.row as (pos: number, end: number, width: number, out: number) => number;
  const end = FILE_AT + size;
  return (pos, width, out) => row(FILE_AT + pos, end, width, out);
}
