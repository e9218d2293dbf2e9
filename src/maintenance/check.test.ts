import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckStatus, Id, ProgressEvent } from '../core/index.js';
import { decodeIndex, encodeIndex } from '../repository/index.js';
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

describe('check', () => {
  let t: TestRepo;
  let repo: Repository;

  beforeEach(async () => {
    t = await makeTestRepo();
    repo = t.repo;
  });
  afterEach(async () => {
    await t.close();
  });

  it('finds nothing wrong in a freshly written repository, with or without --read-data', async () => {
    const plain = await check(await openTestRepo(t.dir));
    const read = await check(await openTestRepo(t.dir), { readData: true });
    for (const r of [plain, read]) {
      expect(r.errors).toEqual([]);
      expect(r.warnings).toEqual([]);
      expect(r.damagedPacks).toEqual([]);
    }
    expect(plain.stats).toMatchObject({ indexFiles: 3, packs: 3, snapshots: 1, trees: 2, packsRead: 0, bytesRead: 0 });
    expect(read.stats.packsRead).toBe(3);
    expect(read.stats.bytesRead).toBeGreaterThan(300_000);
  });

  it('accepts a blob stored in two packs (duplicates are legal)', async () => {
    // A second session that has not loaded the index stores blob a again, in a pack of its own.
    const other = await openTestRepo(t.dir);
    const again = await other.saveBlob('data', await repo.loadBlob('data', t.blobs.a));
    expect(again.known).toBe(false);
    await other.flush();
    const r = await check(await openTestRepo(t.dir), { readData: true });
    expect(r.errors).toEqual([]);
    expect(r.stats.packs).toBe(4);
  });

  it('reports a flipped byte inside a data blob only with --read-data, naming the pack and the blob', async () => {
    const e = entry(repo, 'data', t.blobs.big[1]!);
    await flipByte(packPath(t.dir, e.packId), e.offset + 40);

    const plain = await check(await openTestRepo(t.dir));
    expect(plain.errors).toEqual([]);

    const read = await check(await openTestRepo(t.dir), { readData: true });
    expect(read.errors).toContain(`pack ${e.packId}: ID does not match, file is damaged`);
    expect(read.errors.some((l) => l.startsWith(`pack ${e.packId}: blob ${t.blobs.big[1]}:`))).toBe(true);
    expect(read.errors).toHaveLength(2);
    expect(read.damagedPacks).toEqual([e.packId]);
  });

  it('reads a pack larger than a segment and with a header past the first tail read, naming a damaged blob in a later segment', async () => {
    // Three 1 MiB blobs span two 2 MiB segments; 1,800 small blobs make a header (~74 KiB) longer than the tail read first.
    const other = await openTestRepo(t.dir);
    const big: Id[] = [];
    for (let i = 0; i < 3; i++) big.push((await other.saveBlob('data', randomBytes(1 << 20))).id);
    for (let i = 0; i < 1800; i++) await other.saveBlob('data', randomBytes(64));
    await other.flush();
    const e = entry(other, 'data', big[2]!);
    const clean = await check(await openTestRepo(t.dir), { readData: true });
    expect(clean.errors).toEqual([]);

    await flipByte(packPath(t.dir, e.packId), e.offset + e.length - 100);
    const read = await check(await openTestRepo(t.dir), { readData: true });
    expect(read.errors).toContain(`pack ${e.packId}: ID does not match, file is damaged`);
    expect(read.errors.some((l) => l.startsWith(`pack ${e.packId}: blob ${big[2]}:`))).toBe(true);
    expect(read.errors).toHaveLength(2);
    expect(read.damagedPacks).toEqual([e.packId]);
  });

  it('reports a pack that the index names but that does not exist', async () => {
    const e = entry(repo, 'data', t.blobs.a);
    await rm(packPath(t.dir, e.packId));
    const r = await check(await openTestRepo(t.dir), { readData: true });
    expect(r.errors).toEqual([`pack ${e.packId} does not exist`]);
    expect(r.missingPacks).toEqual([e.packId]);
    expect(r.damagedPacks).toEqual([]);
  });

  it('reports the blobs of a deleted index file as missing and its pack as unreferenced (a warning)', async () => {
    const e = entry(repo, 'data', t.blobs.a);
    await rm(path.join(t.dir, 'index', t.indexFiles.small));
    const r = await check(await openTestRepo(t.dir));
    expect(r.errors).toEqual([`tree ${t.blobs.root}: file "/a.txt" blob ${t.blobs.a} not found in index`]);
    expect(r.warnings).toEqual([`pack ${e.packId} not referenced in any index`]);
    expect(r.unreferencedPacks).toEqual([e.packId]);
  });

  it('reports a truncated pack as damaged because its size does not match the index', async () => {
    const e = entry(repo, 'data', t.blobs.c);
    await truncateFile(packPath(t.dir, e.packId), 150_000);
    const r = await check(await openTestRepo(t.dir), { readData: true });
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(new RegExp(`^pack ${e.packId}: size 150000 does not match the \\d+ bytes`));
    expect(r.damagedPacks).toEqual([e.packId]);
  });

  it('reports a damaged tree blob as an unloadable tree, and its pack as damaged with --read-data', async () => {
    const e = entry(repo, 'tree', t.blobs.sub);
    await flipByte(packPath(t.dir, e.packId), e.offset + 20);

    const plain = await check(await openTestRepo(t.dir));
    expect(plain.errors).toHaveLength(1);
    expect(plain.errors[0]).toMatch(new RegExp(`^tree ${t.blobs.sub}: cannot be loaded: The tree blob ${t.blobs.sub} in pack ${e.packId} is damaged: MAC check failed`));

    const read = await check(await openTestRepo(t.dir), { readData: true });
    expect(read.damagedPacks).toEqual([e.packId]);
    expect(read.errors).toContain(`pack ${e.packId}: ID does not match, file is damaged`);
  });

  it('reports a damaged pack header without --read-data', async () => {
    const e = entry(repo, 'data', t.blobs.c);
    const file = packPath(t.dir, e.packId);
    await flipByte(file, (await stat(file)).size - 10);
    const r = await check(await openTestRepo(t.dir));
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(new RegExp(`^pack ${e.packId}: header cannot be read`));
    expect(r.damagedPacks).toEqual([e.packId]);
  });

  it('reports an index file that cannot be decrypted', async () => {
    await flipByte(path.join(t.dir, 'index', t.indexFiles.trees), 50);
    const r = await check(await openTestRepo(t.dir));
    expect(r.errors[0]).toMatch(new RegExp(`^index ${t.indexFiles.trees}: cannot be loaded`));
    expect(r.errors).toContain(`snapshot ${t.snapshotId}: tree ${t.blobs.root} not found in index`);
  });

  it('reports index entries that disagree with the pack header', async () => {
    const [b0, b1] = t.blobs.big as [Id, Id];
    const doc = decodeIndex(await repo.loadUnpacked('index', t.indexFiles.big));
    for (const blob of doc.packs.flatMap((p) => p.blobs)) {
      if (blob.id === b0) blob.id = b1;
      else if (blob.id === b1) blob.id = b0;
    }
    await repo.saveUnpacked('index', encodeIndex(doc));
    await rm(path.join(t.dir, 'index', t.indexFiles.big));
    const packId = entry(repo, 'data', b0).packId;

    const r = await check(await openTestRepo(t.dir));
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatch(new RegExp(`^the index is wrong about pack ${packId}: blob (${b0}|${b1}): the index says data at offset`));
    // The pack is sound: blaming it would have repair and prune delete good data.
    expect(r.damagedPacks).toEqual([]);
  });

  it('reports a snapshot whose tree is not in the index', async () => {
    const missing = 'ab'.repeat(32);
    const id = await saveSnapshot(repo, { time: '2024-01-03T00:00:00Z', tree: missing, paths: ['/x'], hostname: 'h' });
    const r = await check(await openTestRepo(t.dir));
    expect(r.errors).toEqual([`snapshot ${id}: tree ${missing} not found in index`]);
  });

  it('reads only the packs of the chosen subset', async () => {
    const all = await check(await openTestRepo(t.dir), { readDataSubset: '1/1' });
    expect(all.stats.packsRead).toBe(3);
    const one = await check(await openTestRepo(t.dir), { readDataSubset: '1%', random: () => 0 });
    expect(one.stats.packsRead).toBe(1);
    const big = await check(await openTestRepo(t.dir), { readDataSubset: '1G' });
    expect(big.stats.packsRead).toBe(3);
    expect(big.errors).toEqual([]);
  });

  it('rejects a malformed subset before doing any work', async () => {
    await expect(check(repo, { readDataSubset: '3/2' })).rejects.toMatchObject({ code: 'invalid-argument' });
  });

  it('stops with "interrupted" when the signal is aborted', async () => {
    const controller = new AbortController();
    const events: ProgressEvent[] = [];
    const run = check(await openTestRepo(t.dir), {
      readData: true,
      signal: controller.signal,
      onProgress: (ev) => {
        events.push(ev);
        if (ev.kind === 'check-status' && ev.phase === 'trees') controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'interrupted' });
    expect(events.some((ev) => ev.kind === 'check-status' && ev.phase === 'read-data')).toBe(false);
  });

  it('reports progress for every phase, ending with all packs read', async () => {
    const events: CheckStatus[] = [];
    await check(await openTestRepo(t.dir), {
      readData: true,
      onProgress: (ev) => {
        if (ev.kind === 'check-status') events.push(ev);
      },
    });
    expect(new Set(events.map((e) => e.phase))).toEqual(new Set(['index', 'packs', 'snapshots', 'trees', 'read-data']));
    const last = events.at(-1);
    expect(last).toMatchObject({ phase: 'read-data', done: 3, total: 3, errorCount: 0 });
    expect(last?.bytesDone).toBe(last?.bytesTotal);
  });
});
