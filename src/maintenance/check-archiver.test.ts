import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backup } from '../archiver/index.js';
import { FilesSource } from '../source/files/index.js';
import { LocalBackend } from '../backend/local/index.js';
import { Repository } from '../repository/index.js';
import { fixedClock } from '../util/index.js';
import { check } from './index.js';
import { PASSWORD, openTestRepo, packPath, truncateFile } from './testing/check-repo.js';

describe('check on a repository written by the archiver', () => {
  let work: string;
  let repoDir: string;

  beforeEach(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'cairn-check-backup-'));
    const src = path.join(work, 'src');
    await mkdir(path.join(src, 'sub', 'deeper'), { recursive: true });
    await writeFile(path.join(src, 'a.txt'), 'alpha\n');
    await writeFile(path.join(src, 'sub', 'random.bin'), randomBytes(3 * 1024 * 1024));
    await writeFile(path.join(src, 'sub', 'deeper', 'text.txt'), 'lorem ipsum '.repeat(50_000));
    repoDir = path.join(work, 'repo');
    const repo = await Repository.init(new LocalBackend(repoDir), { password: PASSWORD, scryptParams: { N: 1024, r: 8, p: 1 } });
    await backup(repo, new FilesSource({ kind: 'files', paths: [src] }), {
      hostname: 'test-host',
      workers: 0,
      clock: fixedClock(Date.UTC(2024, 0, 2)),
    });
    await repo.close();
  });
  afterEach(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('finds nothing wrong after a backup, reading all data', async () => {
    const r = await check(await openTestRepo(repoDir), { readData: true });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.stats.snapshots).toBe(1);
    expect(r.stats.trees).toBeGreaterThanOrEqual(3);
    expect(r.stats.packs).toBeGreaterThan(0);
    expect(r.stats.packsRead).toBe(r.stats.packs);
  });

  it('names the truncated pack of a backup', async () => {
    const repo = await openTestRepo(repoDir);
    await repo.loadIndex();
    const packs = new Set([...repo.indexEntries()].filter(([, e]) => e.type === 'data').map(([, e]) => e.packId));
    const [packId] = [...packs];
    if (!packId) throw new Error('no data pack');
    await truncateFile(packPath(repoDir, packId), 100);
    const r = await check(await openTestRepo(repoDir));
    expect(r.damagedPacks).toEqual([packId]);
    expect(r.errors).toEqual([expect.stringMatching(new RegExp(`^pack ${packId}: size 100 does not match`))]);
  });
});
