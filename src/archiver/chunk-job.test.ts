import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Chunker } from '../chunker/index.js';
import { chunkRequest } from './chunk-job.js';
import { POLY, randomBytesSeeded } from './test-support.js';

/** Runs jobs the way FileReader does: `step` new bytes each, the unfinished chunk carried into the next job. */
function jobCuts(data: Buffer, step: number): { ends: number[]; ids: string[] } {
  const sab = new SharedArrayBuffer(data.length);
  Buffer.from(sab).set(data);
  const ends: number[] = [];
  const ids: string[] = [];
  let start = 0;
  for (let end = 0; end < data.length || (end === 0 && data.length === 0); ) {
    end = Math.min(data.length, end + step);
    const res = chunkRequest({ kind: 'chunk', job: 0, polynomial: POLY.toString(), buffer: sab, offset: start, length: end - start, final: end === data.length });
    ends.push(...res.ends!.map((e) => start + e));
    ids.push(...res.ids!);
    if (res.ends!.length > 0) start += res.ends!.at(-1);
    if (data.length === 0) break;
  }
  return { ends, ids };
}

describe('chunk jobs without chunker state', () => {
  const data = randomBytesSeeded(12 << 20, 7);
  const whole = [...new Chunker(POLY).scan(data), data.length];
  const sha = (from: number, to: number): string => createHash('sha256').update(data.subarray(from, to)).digest('hex');

  it.each([1 << 20, 4 << 20, 3_000_001])('cut where one continuous scan cuts, whatever the job size (%i bytes)', (step) => {
    const { ends, ids } = jobCuts(data, step);
    expect(ends).toEqual(whole);
    expect(ids).toEqual(whole.map((e, i) => sha(i === 0 ? 0 : whole[i - 1]!, e)));
  });

  it('a job that is not final leaves the bytes after its last cut to the next one; nothing for no bytes', () => {
    const sab = new SharedArrayBuffer(16);
    expect(chunkRequest({ kind: 'chunk', job: 1, polynomial: POLY.toString(), buffer: sab, offset: 0, length: 16, final: false }).ends).toEqual([]);
    expect(chunkRequest({ kind: 'chunk', job: 1, polynomial: POLY.toString(), buffer: sab, offset: 0, length: 16, final: true }).ends).toEqual([16]);
    expect(chunkRequest({ kind: 'chunk', job: 1, polynomial: POLY.toString(), buffer: sab, offset: 0, length: 0, final: true }).ends).toEqual([]);
  });
});
