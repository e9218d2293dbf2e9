/**
 * The one concurrency kit: bounded parallel loops that fail fast, a counting semaphore and a budget of units.
 * "Fail fast" everywhere means: after the first rejection no new item starts, the running ones settle (so nothing
 * keeps writing behind the caller's back), and that first rejection is rethrown.
 */

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  let index = 0;
  let failure: { reason: unknown } | undefined;
  const lane = async (): Promise<void> => {
    while (failure === undefined) {
      const next = iterator.next();
      if (next.done === true) return;
      const i = index++;
      try {
        await fn(next.value, i);
      } catch (reason) {
        failure ??= { reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane));
  if (failure !== undefined) throw failure.reason;
}

/** Like {@link forEachLimit}, collecting the results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  await forEachLimit(items, limit, async (item, i) => {
    out[i] = await fn(item, i);
  });
  return out;
}

/**
 * Like {@link forEachLimit}, but `work` may add items while it runs (a tree walk discovers subtrees), and the memory held is the queue of pending items, not their results. The first error stops
 * the pool from starting new items and is rethrown once the running ones have settled.
 */
export async function forEachQueued<T>(
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

/**
 * An async budget of units (open files, bytes in flight). `acquire(n)` waits until `n` units are free, first come,
 * first served; a request larger than the whole budget is let through when nothing else is held, so it cannot wait
 * forever.
 */
export class Budget {
  private used = 0;
  private readonly queue: { n: number; resolve: () => void }[] = [];

  readonly capacity: number;

  // No parameter properties here: worker threads load util/ through Node's type stripping, which refuses them.
  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get inUse(): number {
    return this.used;
  }

  acquire(n = 1): Promise<void> {
    if (this.queue.length === 0 && this.fits(n)) {
      this.used += n;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push({ n, resolve }));
  }

  release(n = 1): void {
    this.used -= n;
    while (this.queue.length > 0 && this.fits(this.queue[0]!.n)) {
      const next = this.queue.shift()!;
      this.used += next.n;
      next.resolve();
    }
  }

  /** Holds `n` units while `task` runs. */
  async use<T>(n: number, task: () => Promise<T>): Promise<T> {
    await this.acquire(n);
    try {
      return await task();
    } finally {
      this.release(n);
    }
  }

  private fits(n: number): boolean {
    return this.used + n <= this.capacity || this.used === 0;
  }
}

/** At most `limit` tasks at once, served first come, first served: a budget whose every task costs one unit. */
export class Semaphore {
  readonly limit: number;
  private readonly budget: Budget;

  constructor(limit: number) {
    this.limit = limit;
    this.budget = new Budget(limit);
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    return this.budget.use(1, task);
  }
}
