import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeIndex, encodeIndex } from '../repository/index.js';
import { check } from './index.js';
import type { TestRepo } from './testing/check-repo.js';
import { makeTestRepo, openTestRepo } from './testing/check-repo.js';
import { rm } from 'node:fs/promises';
import path from 'node:path';

/** Check blames a pack only for its own bytes: a wrong index is an index error, and what was not done is not claimed. */
describe('check: the index is wrong, the pack is not', () => {
  let t: TestRepo;
  beforeEach(async () => {
    t = await makeTestRepo();
  });
  afterEach(async () => {
    await t.close();
  });

  it('calls an index entry with a wrong length an index error and leaves the pack off the damaged list', async () => {
    const packId = t.repo.lookup('data', t.blobs.a)!.packId;
    const doc = decodeIndex(await t.repo.loadUnpacked('index', t.indexFiles.small));
    doc.packs[0]!.blobs[0]!.length += 10;
    await t.repo.saveUnpacked('index', encodeIndex(doc));
    await rm(path.join(t.dir, 'index', t.indexFiles.small));
    for (const readData of [false, true]) {
      const r = await check(await openTestRepo(t.dir), { readData });
      expect(r.damagedPacks).toEqual([]);
      expect(r.errors.length).toBeGreaterThan(0);
      for (const line of r.errors) expect(line).toMatch(new RegExp(`^the index is wrong about pack ${packId}: blob ${t.blobs.a}: `));
    }
  });

  it('hints at a pack listed in several index files, as restic does', async () => {
    const packId = t.repo.lookup('data', t.blobs.a)!.packId;
    const again = await t.repo.saveUnpacked('index', await t.repo.loadUnpacked('index', t.indexFiles.small));
    const r = await check(await openTestRepo(t.dir));
    expect(r.errors).toEqual([]);
    const both = [t.indexFiles.small, again].map((id) => id.slice(0, 8)).sort();
    expect(r.warnings).toEqual([`pack ${packId} contained in several indexes: {${both.join(' ')}}`]);
  });

  it('reports no read-data phase when no data was read', async () => {
    const phases = new Set<string>();
    const r = await check(await openTestRepo(t.dir), {
      onProgress: (e) => {
        if (e.kind === 'check-status') phases.add(e.phase);
      },
    });
    expect(r.stats.packsRead).toBe(0);
    expect(phases.has('read-data')).toBe(false);
  });
});
