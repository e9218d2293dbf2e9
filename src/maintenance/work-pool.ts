/**
 * Runs `work` for every item with at most `limit` calls in flight. Items may be added while it runs (the tree walk
 * discovers subtrees), and the memory held is the queue of pending items, not their results. The first error stops
 * the pool from starting new items and is rethrown once the running ones have settled.
 */
export async function runPool<T>(
  initial: Iterable<T>,
  limit: number,
  work: (item: T, enqueue: (next: T) => void) => Promise<void>,
): Promise<void> {
  const queue: T[] = [...initial];
  let head = 0;
  let active = 0;
  let failure: { err: Error } | undefined;

  return new Promise<void>((resolve, reject) => {
    const finishIfIdle = (): void => {
      if (active > 0) return;
      if (failure) reject(failure.err);
      else if (head >= queue.length) resolve();
    };
    const enqueue = (next: T): void => {
      queue.push(next);
      pump();
    };
    const pump = (): void => {
      while (!failure && active < limit && head < queue.length) {
        const item = queue[head] as T;
        // Drop consumed entries now and then so a long walk does not keep every id it has seen.
        head++;
        if (head > 4096 && head * 2 > queue.length) {
          queue.splice(0, head);
          head = 0;
        }
        active++;
        work(item, enqueue).then(
          () => {
            active--;
            pump();
            finishIfIdle();
          },
          (err: unknown) => {
            active--;
            failure ??= { err: err instanceof Error ? err : new Error(String(err)) };
            finishIfIdle();
          },
        );
      }
      finishIfIdle();
    };
    pump();
  });
}
