import { describe, expect, it } from 'vitest';
import { ListingCache } from './listing-cache.js';

const list = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('ListingCache', () => {
  it('loads a listing once for concurrent and later requests', async () => {
    const c = new ListingCache<number>(100, 60_000);
    let loads = 0;
    const load = async (): Promise<number[]> => {
      loads++;
      await new Promise((r) => setTimeout(r, 10));
      return list(10);
    };
    const [a, b] = await Promise.all([c.get('k', load), c.get('k', load)]);
    expect(await c.get('k', load)).toBe(a);
    expect(b).toBe(a);
    expect(loads).toBe(1);
    expect(c.size()).toEqual({ listings: 1, entries: 10 });
  });

  it('holds at most its number of entries, dropping the least recently used', async () => {
    const c = new ListingCache<number>(25, 60_000);
    await c.get('a', async () => list(10));
    await c.get('b', async () => list(10));
    await c.get('a', async () => list(99)); // a use: b is now the oldest
    await c.get('c', async () => list(10));
    expect(c.size()).toEqual({ listings: 2, entries: 20 });
    expect(await c.get('a', async () => [])).toHaveLength(10);
    expect(await c.get('b', async () => [])).toHaveLength(0);
    // Bigger than the whole bound: served, not kept.
    expect(await c.get('huge', async () => list(30))).toHaveLength(30);
    expect(c.size().entries).toBeLessThanOrEqual(25);
    expect(await c.get('huge', async () => [])).toHaveLength(0);
  });

  it('keeps no failed load, and forgets a listing after its time', async () => {
    const c = new ListingCache<number>(100, 30);
    await expect(c.get('k', () => Promise.reject(new Error('gone')))).rejects.toThrow('gone');
    expect(await c.get('k', async () => list(3))).toHaveLength(3);
    await new Promise((r) => setTimeout(r, 60));
    expect(c.size()).toEqual({ listings: 0, entries: 0 });
    expect(await c.get('k', async () => list(5))).toHaveLength(5);
  });
});
