/**
 * Runs `work` over `items` with at most `limit` running at once. After the first failure no item is begun,
 * and those already running are waited for: when this resolves, nothing it started is still running.
 * Resolves with the first failure, if any (never rejects).
 */
export async function runEach<T>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<{ failed: boolean; failure: unknown; begun: number }> {
  let next = 0;
  let failed = false;
  let failure: unknown;
  const worker = async () => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        await work(items[index]!, index);
      } catch (error) {
        if (!failed) failure = error;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return { failed, failure, begun: next };
}

/**
 * `runEach` that collects results in the items' order, and rejects with the first failure once everything it
 * began has settled.
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const { failed, failure } = await runEach(items, limit, async (item, index) => {
    results[index] = await work(item, index);
  });
  if (failed) throw failure;
  return results;
}

/** Runs tasks one after another in call order, e.g. message edits that must not overtake each other. */
export function serialQueue(): (task: () => Promise<unknown>) => Promise<void> {
  let tail: Promise<unknown> = Promise.resolve();
  return (task) => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run.then(() => undefined);
  };
}
