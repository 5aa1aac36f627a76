// Reads items one after another with a few reads in flight ahead of the consumer: what a store
// needs to hand over thousands of results one at a time, fast, without holding them all.

/**
 * Yields `read(item)` for each item, in the items' order, skipping undefined; at most `ahead`
 * reads are in flight or waiting to be taken. A failed read is thrown when its turn comes.
 */
export async function* readAhead<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  ahead: number,
  read: (item: T) => Promise<R | undefined>,
): AsyncGenerator<R> {
  const queue: Array<Promise<R | undefined>> = [];
  const take = async function* () {
    const value = await queue.shift()!;
    if (value !== undefined) yield value;
  };
  for await (const item of items) {
    const pending = read(item);
    // Awaited in turn below; until then a rejection must not count as unhandled.
    pending.catch(() => {});
    queue.push(pending);
    if (queue.length >= ahead) yield* take();
  }
  while (queue.length > 0) yield* take();
}
