import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Id } from '../core/index.js';
import { parseReadDataSubset, selectPacks } from './read-data-subset.js';

const hexId = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const packMap = fc.uniqueArray(hexId, { maxLength: 60 }).chain((ids) =>
  fc.tuple(fc.constant(ids), fc.array(fc.integer({ min: 1, max: 1 << 24 }), { minLength: ids.length, maxLength: ids.length })),
).map(([ids, sizes]) => new Map<Id, number>(ids.map((id, i) => [id, sizes[i] ?? 1])));

describe('parseReadDataSubset', () => {
  it('parses n/t buckets, percentages and sizes with 1024-based units', () => {
    expect(parseReadDataSubset('2/5')).toEqual({ kind: 'bucket', n: 2, t: 5 });
    expect(parseReadDataSubset('12.5%')).toEqual({ kind: 'percent', percent: 12.5 });
    expect(parseReadDataSubset('500M')).toEqual({ kind: 'size', bytes: 500 * 1024 * 1024 });
    expect(parseReadDataSubset('3k')).toEqual({ kind: 'size', bytes: 3072 });
    expect(parseReadDataSubset('1G')).toEqual({ kind: 'size', bytes: 1024 ** 3 });
  });

  it.each(['0/3', '4/3', '1/0', '1/257', '0%', '101%', 'x', '5X', '', '-1/2', '1/2/3'])('rejects "%s"', (text) => {
    expect(() => parseReadDataSubset(text)).toThrow(expect.objectContaining({ code: 'invalid-argument' }));
  });
});

describe('selectPacks', () => {
  it('puts each pack in exactly one bucket of t, by its first byte mod t (as restic)', () => {
    fc.assert(
      fc.property(packMap, fc.integer({ min: 1, max: 256 }), (packs, t) => {
        const chosen = Array.from({ length: t }, (_, i) => selectPacks(packs, { kind: 'bucket', n: i + 1, t })).flat();
        expect(chosen.sort()).toEqual([...packs.keys()].sort());
        for (let n = 1; n <= Math.min(t, 3); n++) {
          for (const id of selectPacks(packs, { kind: 'bucket', n, t })) expect(parseInt(id.slice(0, 2), 16) % t).toBe(n - 1);
        }
      }),
    );
  });

  it('picks floor(count × p%) distinct packs, at least one', () => {
    fc.assert(
      fc.property(packMap, fc.double({ min: 0.01, max: 100, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }), (packs, p, r) => {
        const chosen = selectPacks(packs, { kind: 'percent', percent: p }, () => r);
        const expected = packs.size === 0 ? 0 : Math.max(1, Math.floor((packs.size * p) / 100));
        expect(chosen).toHaveLength(expected);
        expect(new Set(chosen).size).toBe(expected);
        for (const id of chosen) expect(packs.has(id)).toBe(true);
      }),
    );
  });

  it('turns a size into the matching share of packs, all of them when the size exceeds the repository', () => {
    const packs = new Map<Id, number>(Array.from({ length: 10 }, (_, i) => [i.toString(16).padStart(64, '0'), 100]));
    expect(selectPacks(packs, { kind: 'size', bytes: 300 })).toHaveLength(3);
    expect(selectPacks(packs, { kind: 'size', bytes: 5000 })).toHaveLength(10);
    expect(selectPacks(new Map(), { kind: 'size', bytes: 5000 })).toEqual([]);
  });
});

/** A seeded generator in [0, 1) (mulberry32), so the random subsets are repeatable. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('random subsets read about the requested amount', () => {
  // 400 packs of 1 to 8 MiB, as a repository's packs vary.
  const rnd = seeded(1);
  const packs = new Map<Id, number>(
    Array.from({ length: 400 }, (_, i) => [i.toString(16).padStart(64, '0'), (1 + Math.floor(rnd() * 8)) << 20]),
  );
  const total = [...packs.values()].reduce((a, b) => a + b, 0);
  const bytesOf = (ids: Id[]): number => ids.reduce((a, id) => a + (packs.get(id) ?? 0), 0);

  it('is repeatable with the same random source and differs with another', () => {
    const a = selectPacks(packs, { kind: 'percent', percent: 10 }, seeded(7));
    expect(selectPacks(packs, { kind: 'percent', percent: 10 }, seeded(7))).toEqual(a);
    expect(selectPacks(packs, { kind: 'percent', percent: 10 }, seeded(8))).not.toEqual(a);
    expect(a).toHaveLength(40);
  });

  it('a size reads that many bytes on average, a percentage that share of the bytes', () => {
    const size = 200 << 20;
    let sizeBytes = 0;
    let percentBytes = 0;
    const runs = 200;
    for (let seed = 0; seed < runs; seed++) {
      sizeBytes += bytesOf(selectPacks(packs, { kind: 'size', bytes: size }, seeded(seed)));
      percentBytes += bytesOf(selectPacks(packs, { kind: 'percent', percent: 25 }, seeded(seed + runs)));
    }
    expect(sizeBytes / runs / size).toBeGreaterThan(0.95);
    expect(sizeBytes / runs / size).toBeLessThan(1.05);
    expect(percentBytes / runs / (total / 4)).toBeGreaterThan(0.95);
    expect(percentBytes / runs / (total / 4)).toBeLessThan(1.05);
  });
});
