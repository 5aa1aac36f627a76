// The products of rank-products.ts on every core: the sensitivities of a run set are computed
// when its models have finished, so the cores are free. Synchronous (the aggregation that
// asks is): the other threads are given their rows by message, this thread does its own
// share, then waits on a shared flag for theirs. The threads are made once, when first
// needed, and do not keep the process alive.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { siblingModule } from "../worker-url.ts";
import { eachProduct, type ProductsJob, productsInto } from "./rank-products.ts";

/** Below this many multiply-adds one thread is quicker than handing work out. */
const WORTH_SHARING = 5e7;

const HELPER_TIMEOUT_MS = 60_000;

const pool: Worker[] = [];
/** Set when a thread failed: no other thread is asked again. */
let broken = false;

/** `count` - 1 threads to help this one (made when first wanted). */
function helpers(count: number): Worker[] {
  if (broken) return [];
  while (pool.length < count - 1) {
    const worker = new Worker(siblingModule(import.meta.url, "products-worker"));
    worker.unref();
    pool.push(worker);
  }
  return pool.slice(0, count - 1);
}

/**
 * Every row of `left` (leftRows × n) times every row of `right` (rightRows × n): the product
 * of left row a and right row b at a × rightRows + b, the same doubles eachProduct gives.
 * `left` and `right` should be in shared memory (sharedMatrix) for other threads to help; the
 * result is then scratch memory the next call reuses: read it before calling again.
 */
export function allProducts(
  left: Float64Array,
  leftRows: number,
  right: Float64Array,
  rightRows: number,
  n: number,
  options: { readonly minWork?: number; readonly threads?: number } = {},
): Float64Array {
  const shared = left.buffer instanceof SharedArrayBuffer && right.buffer instanceof SharedArrayBuffer;
  const others =
    shared && leftRows * rightRows * n >= (options.minWork ?? WORTH_SHARING)
      ? helpers(options.threads ?? Math.min(availableParallelism(), 4))
      : [];
  if (others.length === 0) {
    const out = new Float64Array(leftRows * rightRows);
    eachProduct(left, leftRows, right, rightRows, n, (a, b, p) => {
      out[a * rightRows + b] = p;
    });
    return out;
  }
  const out = scratchMatrix("products", leftRows * rightRows);
  const parts = others.length + 1;
  // Shares of four rows, so each thread keeps the four-row blocks it would have alone.
  const share = Math.ceil(leftRows / parts / 4) * 4;
  const jobs: ProductsJob[] = [];
  for (let t = 0; t < parts; t++) {
    const from = Math.min(leftRows, t * share);
    const to = Math.min(leftRows, from + share);
    const done = new Int32Array(new SharedArrayBuffer(4));
    jobs.push({
      left,
      right,
      rightRows,
      n,
      from,
      to,
      out: out.subarray(from * rightRows, to * rightRows),
      done,
    });
  }
  jobs.slice(1).forEach((job, t) => {
    others[t]!.postMessage(job);
  });
  productsInto(jobs[0]!);
  for (const job of jobs.slice(1)) {
    // A thread that failed (2), or that has not answered in a minute (it never started), leaves
    // its share to this one; the threads are not used again.
    if (Atomics.load(job.done, 0) === 0) Atomics.wait(job.done, 0, 0, HELPER_TIMEOUT_MS);
    if (Atomics.load(job.done, 0) !== 1) {
      broken = true;
      productsInto(job);
    }
  }
  return out;
}

/** A Float64Array of `length` in shared memory. */
export function sharedMatrix(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * 8));
}

const scratch = new Map<string, Float64Array>();

/**
 * `length` doubles of shared memory kept under `name` and handed out again on the next call
 * (whose contents then replace these): a block of parameters after another would otherwise
 * leave a new shared buffer behind each time, which the collector frees late (hundreds of MB at
 * 10,000 realisations).
 */
export function scratchMatrix(name: string, length: number): Float64Array {
  let kept = scratch.get(name);
  if (kept === undefined || kept.length < length) {
    kept = sharedMatrix(length);
    scratch.set(name, kept);
  }
  return kept.subarray(0, length);
}
