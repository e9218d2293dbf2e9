import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Id } from '../core/index.js';
import type { IndexEntry, Repository } from '../repository/index.js';
import { saveSnapshot } from '../snapshot/index.js';
import { check } from './index.js';
import type { TestRepo } from './testing/check-repo.js';
import { flipByte, makeTestRepo, openTestRepo, packPath, truncateFile } from './testing/check-repo.js';

function entry(repo: Repository, type: 'data' | 'tree', id: Id): IndexEntry {
  const e = repo.lookup(type, id);
  if (!e) throw new Error(`blob ${id} is not indexed`);
  return e;
}

describe('check names the snapshots and files that damage affects', () => {
  let t: TestRepo;

  beforeEach(async () => {
    t = await makeTestRepo();
  });
  afterEach(async () => {
    await t.close();
  });

  it('lists nothing for a sound repository', async () => {
    const r = await check(await openTestRepo(t.dir), { readData: true });
    expect(r.affected).toEqual([]);
    expect(r.affectedTotal).toBe(0);
  });

  it('names the file that uses a blob with a flipped bit, in every snapshot that has it', async () => {
    const big1 = t.blobs.big[1]!;
    const e = entry(t.repo, 'data', big1);
    // A second snapshot of the same tree: both must be named.
    const second = await saveSnapshot(t.repo, { time: '2024-02-01T00:00:00Z', tree: t.blobs.root, paths: ['/data'], hostname: 'h' });
    await flipByte(packPath(t.dir, e.packId), e.offset + 40);
    const r = await check(await openTestRepo(t.dir), { readData: true });
    const uses = `damaged data blob ${big1} (pack ${e.packId})`;
    expect(r.affected).toEqual(
      [t.snapshotId, second].sort().map((snapshot) => ({ snapshot, path: '/big.bin', uses })),
    );
    expect(r.affectedTotal).toBe(2);
  });

  it('names every file of a deleted pack, down in subfolders', async () => {
    const e = entry(t.repo, 'data', t.blobs.c);
    await rm(packPath(t.dir, e.packId));
    const r = await check(await openTestRepo(t.dir));
    expect(r.missingPacks).toEqual([e.packId]);
    const [b0] = t.blobs.big as [Id];
    expect(r.affected).toEqual([
      { snapshot: t.snapshotId, path: '/big.bin', uses: `data blob ${b0} of missing pack ${e.packId} and 2 more bad blobs` },
      { snapshot: t.snapshotId, path: '/sub/c.txt', uses: `data blob ${t.blobs.c} of missing pack ${e.packId}` },
    ]);
  });

  it('names the files of a truncated pack, without reading data', async () => {
    const e = entry(t.repo, 'data', t.blobs.a);
    await truncateFile(packPath(t.dir, e.packId), 500);
    const r = await check(await openTestRepo(t.dir));
    expect(r.damagedPacks).toEqual([e.packId]);
    expect(r.affected).toEqual([{ snapshot: t.snapshotId, path: '/a.txt', uses: `data blob ${t.blobs.a} of damaged pack ${e.packId}` }]);
  });

  it('names the folder whose tree is damaged, and nothing below it', async () => {
    const e = entry(t.repo, 'tree', t.blobs.sub);
    await flipByte(packPath(t.dir, e.packId), e.offset + 20);
    const r = await check(await openTestRepo(t.dir));
    expect(r.affected).toEqual([{ snapshot: t.snapshotId, path: '/sub', uses: `tree ${t.blobs.sub}, which cannot be loaded` }]);
  });

  it('names a whole snapshot whose root tree pack is damaged', async () => {
    const e = entry(t.repo, 'tree', t.blobs.root);
    const file = packPath(t.dir, e.packId);
    await flipByte(file, (await stat(file)).size - 10);
    const r = await check(await openTestRepo(t.dir));
    expect(r.affected).toEqual([{ snapshot: t.snapshotId, path: '/', uses: `tree blob ${t.blobs.root} of damaged pack ${e.packId}` }]);
  });

  it('does not blame a file whose blob has a sound second copy', async () => {
    const other = await openTestRepo(t.dir);
    await other.saveBlob('data', await t.repo.loadBlob('data', t.blobs.a));
    await other.flush();
    await rm(packPath(t.dir, entry(t.repo, 'data', t.blobs.a).packId));
    const r = await check(await openTestRepo(t.dir));
    expect(r.missingPacks).toHaveLength(1);
    expect(r.affected).toEqual([]);
  });

  it('names the file whose blob no index names (a deleted index file), and reports the search as a phase', async () => {
    await rm(path.join(t.dir, 'index', t.indexFiles.small));
    const phases = new Set<string>();
    const r = await check(await openTestRepo(t.dir), {
      onProgress: (ev) => {
        if (ev.kind === 'check-status') phases.add(ev.phase);
      },
    });
    expect(r.affected).toEqual([{ snapshot: t.snapshotId, path: '/a.txt', uses: `blob ${t.blobs.a}, which no index names` }]);
    expect(phases.has('affected')).toBe(true);
  });

  it('lists at most the limit and counts them all', async () => {
    for (let i = 0; i < 4; i++) {
      await saveSnapshot(t.repo, { time: `2024-03-0${i + 1}T00:00:00Z`, tree: t.blobs.root, paths: ['/data'], hostname: 'h' });
    }
    await rm(packPath(t.dir, entry(t.repo, 'data', t.blobs.c).packId));
    const r = await check(await openTestRepo(t.dir), { affectedLimit: 3 });
    expect(r.affected).toHaveLength(3);
    expect(r.affectedTotal).toBe(10);
  });
});
