import { describe, expect, it } from 'vitest';
import { runPool } from './work-pool.js';

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

describe('runPool', () => {
  it('never runs more than the limit at once and runs every item', async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    await runPool([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
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
    await runPool([1], 2, async (n, enqueue) => {
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
    await expect(runPool([], 4, async () => {})).resolves.toBeUndefined();
  });

  it('rethrows the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const run = runPool([1, 2, 3, 4, 5, 6], 2, async (n) => {
      started.push(n);
      await tick();
      if (n === 2) throw new Error('boom');
    });
    await expect(run).rejects.toThrow('boom');
    expect(started.length).toBeLessThanOrEqual(3);
  });
});
