import { describe, expect, it } from 'vitest';
import { splitRanges } from './pack-ranges.js';
import type { IndexEntry } from './types.js';

const blob = (offset: number, length: number): { entry: IndexEntry } => ({
  entry: { type: 'data', packId: 'p'.repeat(64), offset, length },
});

describe('splitRanges', () => {
  it('reads through small gaps, splits at large ones and at the range limit, and marks the pack’s last range', () => {
    const blobs = [blob(1000, 100), blob(0, 100), blob(150, 100), blob(2000, 500), blob(2500, 600)];
    const ranges = splitRanges('p'.repeat(64), blobs, { maxGap: 100, maxRange: 1000 });
    expect(ranges.map((r) => [r.offset, r.length, r.blobs.length, r.endsPack])).toEqual([
      [0, 250, 2, false], // gap of 50 read through
      [1000, 100, 1, false], // gap of 750 is larger than maxGap
      [2000, 500, 1, false], // adding the next blob would make the read 1100 bytes
      [2500, 600, 1, true],
    ]);
  });

  it('returns nothing for no blobs', () => {
    expect(splitRanges('p'.repeat(64), [], { maxGap: 1, maxRange: 1 })).toEqual([]);
  });
});
