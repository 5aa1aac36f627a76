// A thread of parallel-products.ts: multiplies the rows it is given and says when it is done.
import { parentPort } from "node:worker_threads";
import { type ProductsJob, productsInto } from "./rank-products.ts";

parentPort!.on("message", (job: ProductsJob) => {
  let state = 1;
  try {
    productsInto(job);
  } catch {
    state = 2; // the asking thread does this share itself
  }
  Atomics.store(job.done, 0, state);
  Atomics.notify(job.done, 0);
});
