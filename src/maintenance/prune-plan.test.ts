import { describe, expect, it } from 'vitest';
import type { BlobType, Id } from '../core/index.js';
import type { IndexEntry } from '../repository/index.js';
import type { BlobIds, PrunePlanOptions } from './prune-plan.js';
import { bytesToKeep, planPrune } from './prune-plan.js';

const id = (n: number): Id => n.toString(16).padStart(64, '0');
const MiB = 1024 * 1024;

interface B {
  blob: number;
  type?: BlobType;
  length: number;
  compressed?: boolean;
}

/** A repository of packs (pack number → blobs), its listing with the sizes the index implies. */
function repo(packs: Record<number, B[]>) {
  const entries: [Id, IndexEntry][] = [];
  const files: { name: Id; size: number }[] = [];
  for (const [p, blobs] of Object.entries(packs)) {
    const packId = id(1_000_000 + Number(p));
    let offset = 0;
    for (const b of blobs) {
      const e: IndexEntry = { type: b.type ?? 'data', packId, offset, length: b.length };
      if (b.compressed !== false) e.uncompressedLength = b.length * 2;
      entries.push([id(b.blob), e]);
      offset += b.length;
    }
    const header = blobs.reduce((n, b) => n + (b.compressed === false ? 37 : 41), 36);
    files.push({ name: packId, size: offset + header });
  }
  return { entries, files, pack: (p: number) => id(1_000_000 + p) };
}

function used(data: number[], tree: number[] = []): BlobIds {
  return { data: new Set(data.map(id)), tree: new Set(tree.map(id)) };
}

const OPTS: PrunePlanOptions = { maxUnused: { kind: 'percent', value: 5 }, packSize: 16 * MiB, repoVersion: 2 };

function plan(r: ReturnType<typeof repo>, u: BlobIds, opts: Partial<PrunePlanOptions> = {}) {
  return planPrune({ entries: () => r.entries, used: u, packFiles: r.files }, { ...OPTS, ...opts });
}

describe('planPrune', () => {
  it('keeps used packs, deletes unused ones, repacks a partly used one beyond 5% unused', () => {
    const r = repo({
      1: [{ blob: 1, length: MiB }, { blob: 2, length: MiB }],
      2: [{ blob: 3, length: MiB }],
      3: [{ blob: 4, length: MiB }, { blob: 5, length: MiB }],
    });
    const p = plan(r, used([1, 2, 4]));
    expect([...p.remove]).toEqual([r.pack(2)]);
    expect([...p.repack]).toEqual([r.pack(3)]);
    expect([...p.keepBlobs.data]).toEqual([id(4)]);
    expect(p.stats.blobs).toMatchObject({ used: 3, unused: 2, remove: 1, repack: 2, repackrm: 1 });
    expect(p.stats.packs).toMatchObject({ used: 1, partlyUsed: 1, unused: 1, keep: 1, repack: 1, remove: 1 });
  });

  it('tolerates unused data up to --max-unused and repacks none below it', () => {
    const r = repo({
      1: Array.from({ length: 20 }, (_, i) => ({ blob: i + 1, length: MiB })),
      2: [{ blob: 100, length: MiB }, { blob: 101, length: MiB }],
    });
    // 1 MiB of 21 MiB used is unused: below 10%, above 1%.
    const u = () => used([...Array.from({ length: 20 }, (_, i) => i + 1), 100]);
    expect(plan(r, u(), { maxUnused: { kind: 'percent', value: 10 } }).repack.size).toBe(0);
    expect(plan(r, u(), { maxUnused: { kind: 'percent', value: 1 } }).repack.size).toBe(1);
    expect(plan(r, u(), { maxUnused: { kind: 'bytes', value: 2 * MiB } }).repack.size).toBe(0);
    expect(plan(r, u(), { maxUnused: { kind: 'unlimited' } }).repack.size).toBe(0);
    expect(plan(r, u(), { maxUnused: { kind: 'percent', value: 0 } }).repack.size).toBe(1);
  });

  it('--max-repack-size stops choosing packs before the limit; --repack-cacheable-only leaves data packs', () => {
    const r = repo({
      1: [{ blob: 1, length: MiB }, { blob: 2, length: MiB }],
      2: [{ blob: 3, length: 3 * MiB }, { blob: 4, length: MiB }],
    });
    expect(plan(r, used([1, 3]), { maxUnused: { kind: 'percent', value: 0 } }).repack.size).toBe(2);
    const limited = plan(r, used([1, 3]), { maxUnused: { kind: 'percent', value: 0 }, maxRepackBytes: 3 * MiB });
    expect([...limited.repack]).toEqual([r.pack(1)]);
    const cacheable = plan(r, used([1, 3]), { maxUnused: { kind: 'percent', value: 0 }, repackCacheableOnly: true });
    expect(cacheable.repack.size).toBe(0);
  });

  it('counts one copy of a duplicate blob as used, preferring a pack with other used blobs', () => {
    const r = repo({
      1: [{ blob: 1, length: MiB }, { blob: 9, length: MiB }],
      2: [{ blob: 9, length: MiB }, { blob: 2, length: MiB }],
      3: [{ blob: 9, length: MiB }],
    });
    const p = plan(r, used([2, 9]));
    expect(p.stats.blobs).toMatchObject({ used: 2, duplicate: 2, unused: 1 });
    // Pack 2 has another used blob, so its copy of 9 is the one kept; pack 1 and 3 hold nothing used.
    expect(new Set(p.remove)).toEqual(new Set([r.pack(1), r.pack(3)]));
    expect(p.repack.size).toBe(0);
    expect(p.stats.packs).toMatchObject({ keep: 1, remove: 2 });
  });

  it('a duplicate used blob whose kept copy is in a repacked pack is saved once; one in a kept pack is not saved', () => {
    const r = repo({
      1: [{ blob: 1, length: MiB }, { blob: 2, length: 4 * MiB }],
      2: [{ blob: 1, length: MiB }, { blob: 3, length: 4 * MiB }],
    });
    const p = plan(r, used([1]), { maxUnused: { kind: 'percent', value: 0 } });
    expect(p.repack.size + p.remove.size).toBe(2);
    expect(p.repack.size).toBe(1);
    expect([...p.keepBlobs.data]).toEqual([id(1)]);
  });

  it('repacks mixed packs and packs of uncompressed trees in a v2 repository, but not in v1', () => {
    const r = repo({
      1: [{ blob: 1, type: 'tree', length: MiB, compressed: false }],
      2: [{ blob: 2, type: 'tree', length: MiB }, { blob: 3, length: MiB }],
    });
    const u = used([3], [1, 2]);
    expect(plan(r, u).repack).toEqual(new Set([r.pack(1), r.pack(2)]));
    expect(plan(r, used([3], [1, 2]), { repoVersion: 1 }).repack).toEqual(new Set([r.pack(2)]));
  });

  it('deletes packs no index names and forgets missing packs that hold nothing used', () => {
    const r = repo({ 1: [{ blob: 1, length: MiB }], 2: [{ blob: 2, length: MiB }] });
    const missing = r.files.pop()!;
    r.files.push({ name: id(42), size: 1234 });
    const p = plan(r, used([1]));
    expect([...p.removeUnreferenced]).toEqual([id(42)]);
    expect([...p.ignore]).toEqual([missing.name]);
    expect(p.stats.size.unref).toBe(1234);
  });

  it('refuses, changing nothing, when a used blob is not indexed, a needed pack is missing or has the wrong size', () => {
    const r = repo({ 1: [{ blob: 1, length: MiB }], 2: [{ blob: 2, length: MiB }] });
    expect(() => plan(r, used([1, 7]))).toThrow(/1 blobs the snapshots use are not in the index/);
    const gone = repo({ 1: [{ blob: 1, length: MiB }] });
    gone.files.pop();
    expect(() => plan(gone, used([1]))).toThrow(/1 needed pack files that are missing/);
    const wrong = repo({ 1: [{ blob: 1, length: MiB }] });
    wrong.files[0]!.size++;
    expect(() => plan(wrong, used([1]))).toThrow(/its index entries imply/);
  });

  it('repacks small fully used packs only when there are ten of them', () => {
    const small = (n: number) =>
      repo(Object.fromEntries(Array.from({ length: n }, (_, i) => [i + 1, [{ blob: i + 1, length: 1000 }]])));
    const nine = small(9);
    expect(plan(nine, used(Array.from({ length: 9 }, (_, i) => i + 1))).repack.size).toBe(0);
    const ten = small(10);
    expect(plan(ten, used(Array.from({ length: 10 }, (_, i) => i + 1))).repack.size).toBe(10);
  });

  it('bytesToKeep is restic\'s p/(100-p) of the used bytes', () => {
    expect(bytesToKeep({ kind: 'percent', value: 5 }, 95_000)).toBe(5000);
    expect(bytesToKeep({ kind: 'bytes', value: 7 }, 95_000)).toBe(7);
    expect(bytesToKeep({ kind: 'unlimited' }, 1)).toBe(Infinity);
  });
});
