import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRange } from './range.js';

describe('parseRange', () => {
  it('without a header the whole file is sent', () => {
    expect(parseRange(undefined, 10)).toEqual({ kind: 'full' });
  });

  it("restic's forms: bytes=a-b and bytes=a-", () => {
    expect(parseRange('bytes=2-5', 10)).toEqual({ kind: 'partial', start: 2, end: 5 });
    expect(parseRange('bytes=4-', 10)).toEqual({ kind: 'partial', start: 4, end: 9 });
  });

  it('an end past the file is clamped, a suffix range takes the last bytes', () => {
    expect(parseRange('bytes=8-100', 10)).toEqual({ kind: 'partial', start: 8, end: 9 });
    expect(parseRange('bytes=-3', 10)).toEqual({ kind: 'partial', start: 7, end: 9 });
    expect(parseRange('bytes=-30', 10)).toEqual({ kind: 'partial', start: 0, end: 9 });
  });

  it('a start at or past the end is unsatisfiable', () => {
    expect(parseRange('bytes=10-', 10)).toEqual({ kind: 'unsatisfiable' });
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('malformed and multiple ranges are ignored (whole file)', () => {
    expect(parseRange('bytes=5-2', 10)).toEqual({ kind: 'full' });
    expect(parseRange('bytes=0-1,4-5', 10)).toEqual({ kind: 'full' });
    expect(parseRange('items=0-1', 10)).toEqual({ kind: 'full' });
  });

  it('a partial range always lies inside the file', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.integer({ min: 1, max: 1000 }), (a, b, size) => {
        const r = parseRange(`bytes=${a}-${b}`, size);
        if (r.kind === 'partial') {
          expect(r.start).toBe(a);
          expect(r.end).toBeLessThan(size);
          expect(r.end).toBeGreaterThanOrEqual(r.start);
        } else if (r.kind === 'unsatisfiable') expect(a).toBeGreaterThanOrEqual(size);
        else expect(b).toBeLessThan(a);
      }),
    );
  });
});
