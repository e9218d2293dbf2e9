import { describe, expect, it } from 'vitest';
import type { PackBlob } from '../repository/index.js';
import { planSegments } from './check-segments.js';

const blob = (offset: number, length: number): PackBlob => ({ type: 'data', id: offset.toString(16).padStart(64, '0'), offset, length });
const ranges = (segs: ReturnType<typeof planSegments>): [number, number, number[]][] =>
  segs.map((s) => [s.start, s.end, s.blobs.map((b) => b.index)]);

describe('planSegments', () => {
  it('cuts contiguous blobs at blob ends near the target and gives the header its own segment', () => {
    const blobs = [blob(0, 40), blob(40, 40), blob(80, 40), blob(120, 30)];
    expect(ranges(planSegments(blobs, 200, 100))).toEqual([
      [0, 80, [0, 1]],
      [80, 150, [2, 3]],
      [150, 200, []],
    ]);
  });

  it('gives a blob larger than the target a segment of its own and splits gaps without blobs by size', () => {
    const blobs = [blob(0, 10), blob(10, 250), blob(500, 10)];
    expect(ranges(planSegments(blobs, 520, 100))).toEqual([
      [0, 10, [0]],
      [10, 260, [1]],
      [260, 360, []],
      [360, 460, []],
      [460, 500, []],
      [500, 510, [2]],
      [510, 520, []],
    ]);
  });

  it('never cuts through overlapping blobs (an index may list them), and leaves out blobs past the end', () => {
    const blobs = [blob(50, 100), blob(0, 100), blob(100, 20), blob(180, 40)];
    const segs = planSegments(blobs, 200, 60);
    expect(ranges(segs)).toEqual([
      [0, 150, [1, 0, 2]],
      [150, 200, []],
    ]);
  });

  it('covers an empty pack list and a pack without blobs in order', () => {
    expect(ranges(planSegments([], 250, 100))).toEqual([
      [0, 100, []],
      [100, 200, []],
      [200, 250, []],
    ]);
    expect(planSegments([], 0, 100)).toEqual([]);
  });
});
