import { describe, expect, it } from 'vitest';
import { Budget, Semaphore, forEachLimit, forEachQueued, mapLimit } from './concurrency.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('forEachLimit', () => {
  it('never runs more than the limit at once and visits every item once', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await tick();
      seen.push(n);
      running--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('starts nothing after the first failure, lets running calls settle, and rethrows that failure', async () => {
    const started: number[] = [];
    let settled = 0;
    const run = forEachLimit([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 0) throw new Error('first');
      await tick();
      await tick();
      settled++;
      if (n === 1) throw new Error('second');
    });
    await expect(run).rejects.toThrow('first');
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(1);
  });

  it('takes any iterable, consumed lazily', async () => {
    function* gen() {
      for (let i = 0; i < 5; i++) yield i;
    }
    const out: number[] = [];
    await forEachLimit(gen(), 2, async (n) => {
      out.push(n);
    });
    expect(out).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('mapLimit', () => {
  it('keeps the input order whatever the completion order', async () => {
    const out = await mapLimit([30, 10, 20], 3, async (ms, i) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:10', '2:20']);
  });
});

describe('Budget', () => {
  it('serves waiters first come, first served and lets an oversized request through when idle', async () => {
    const budget = new Budget(10);
    const order: string[] = [];
    await budget.acquire(8);
    const big = budget.acquire(25).then(() => order.push('big'));
    const small = budget.acquire(1).then(() => order.push('small'));
    await tick();
    expect(order).toEqual([]); // the small one waits behind the big one, though it would fit
    budget.release(8);
    await big;
    expect(budget.inUse).toBe(25);
    budget.release(25);
    await small;
    expect(order).toEqual(['big', 'small']);
  });
});

describe('Semaphore', () => {
  it('releases its slot when a task throws', async () => {
    const sem = new Semaphore(1);
    await expect(sem.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(sem.run(() => Promise.resolve(7))).resolves.toBe(7);
  });
});

describe('forEachQueued', () => {
  it('never runs more than the limit at once and runs every item', async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachQueued([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await tick();
      seen.push(n);
      active--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('runs items enqueued by running work, as a tree walk does', async () => {
    const seen: number[] = [];
    await forEachQueued([1], 2, async (n, enqueue) => {
      await tick();
      seen.push(n);
      if (n < 32) {
        enqueue(2 * n);
        enqueue(2 * n + 1);
      }
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 63 }, (_, i) => i + 1));
  });

  it('resolves at once for no items', async () => {
    await expect(forEachQueued([], 4, async () => {})).resolves.toBeUndefined();
  });

  it('rethrows the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const run = forEachQueued([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 2) throw new Error('boom');
    });
    await expect(run).rejects.toThrow('boom');
    expect(started.length).toBeLessThanOrEqual(3);
  });
});
