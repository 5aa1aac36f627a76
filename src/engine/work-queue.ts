// The work queue the engine and the agents share: at-least-once delivery with leases. The
// local engine uses the in-memory queue; the cloud uses SQS behind the same interface.
//
// Semantics every implementation keeps: a lease that lapses makes its item visible again
// and counts as a receive; ack() and release() with a lapsed lease do nothing and do not
// throw (the item is simply delivered again); lease() resolves to undefined when its signal
// aborts; items released with a delay count as `visible` in counts().

export interface Lease<T> {
  readonly item: T;
  /** Opaque handle (an SQS receipt handle in the cloud). */
  readonly handle: string;
  /** How many times this item has been leased, this lease included. */
  readonly receiveCount: number;
}

export interface WorkQueue<T> {
  enqueue(items: readonly T[]): Promise<void>;
  /** Leases the next visible item for `visibilityMs`, waiting up to `waitMs` for one. */
  lease(options: {
    visibilityMs: number;
    waitMs?: number;
    signal?: AbortSignal;
  }): Promise<Lease<T> | undefined>;
  /** Extends a lease that is still held. Throws LeaseLostError if it lapsed. */
  heartbeat(lease: Lease<T>, visibilityMs: number): Promise<void>;
  /** Removes the item: it is done. */
  ack(lease: Lease<T>): Promise<void>;
  /** Returns the item to the queue, visible again after `delayMs` (default 0). */
  release(lease: Lease<T>, delayMs?: number): Promise<void>;
  /** Items waiting to be leased, and items leased and not yet acked. */
  counts(): Promise<{ visible: number; inFlight: number }>;
}

export class LeaseLostError extends Error {
  constructor(handle: string) {
    super(`lease ${handle} lapsed before it was extended; the item may be running elsewhere`);
    this.name = "LeaseLostError";
  }
}
