import { describe, expect, it } from 'vitest';
import { Reservoir, seededRandom } from './sample.js';

const sample = (size: number, n: number, seed: string): number[] => {
  const r = new Reservoir<number>(size, seededRandom(seed));
  for (let i = 0; i < n; i++) r.offer(i);
  return [...r.items()].sort((a, b) => a - b);
};

describe('seeded sampling', () => {
  it('gives the same numbers for the same seed and others for another', () => {
    const a = seededRandom('snapshot-1');
    const b = seededRandom('snapshot-1');
    const c = seededRandom('snapshot-2');
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(xs);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });

  it('keeps exactly the asked number of distinct items, reproducibly', () => {
    const s = sample(10, 1000, 'seed');
    expect(new Set(s).size).toBe(10);
    expect(sample(10, 1000, 'seed')).toEqual(s);
    expect(sample(10, 1000, 'other')).not.toEqual(s);
    expect(sample(10, 4, 'seed')).toEqual([0, 1, 2, 3]);
  });

  it('gives every item about the same chance', () => {
    const hits = new Array<number>(20).fill(0);
    for (let i = 0; i < 2000; i++) for (const x of sample(5, 20, `s${i}`)) hits[x]!++;
    // Expected 500 each (2000 × 5/20); a biased sampler (e.g. one keeping the first items) lands far outside.
    for (const h of hits) {
      expect(h).toBeGreaterThan(400);
      expect(h).toBeLessThan(600);
    }
  });
});
