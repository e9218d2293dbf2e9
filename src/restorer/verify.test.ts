import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planRestore } from './plan.js';
import { restore } from './restore.js';
import { makeSelector } from './selection.js';
import { verifyEntries, verifyRestore } from './verify.js';
import { newRepo, snapshotFromSpec, scratchDirs } from './test-support.js';

const scratch = scratchDirs();

const spec = {
  'a.txt': { file: 'alpha', extra: { mode: 0o640, mtime: '2023-05-06T07:08:09.123456789Z' } },
  sub: { dir: { 'b.txt': 'beta', 'c.txt': 'gamma' }, extra: { mtime: '2022-01-01T00:00:00Z' } },
  link: { symlink: 'a.txt', extra: { mtime: '2021-01-01T00:00:00Z' } },
};

describe('verification with metadata', () => {
  it('passes a faithful restore and counts what it checked', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, spec);
    const r = await restore(repo, snap, { target: scratch(), verify: true, verifyMetadata: true });
    expect(r.verifyFailures).toEqual([]);
    expect(r).toMatchObject({ filesVerified: 4, bytesVerified: 5 + 4 + 5 });
  });

  it('names each entry whose mode, time or symlink target differs from the snapshot', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, spec);
    const target = scratch();
    await restore(repo, snap, { target });
    fs.chmodSync(path.join(target, 'a.txt'), 0o600);
    fs.utimesSync(path.join(target, 'sub/b.txt'), new Date(), new Date());
    fs.rmSync(path.join(target, 'link'));
    fs.symlinkSync('sub/b.txt', path.join(target, 'link'));
    fs.utimesSync(path.join(target, 'sub'), new Date(), new Date('2022-01-01T00:00:01Z'));
    const plan = await planRestore(repo, snap, { treeId: snap.tree }, makeSelector({}));
    const meta = { isRoot: false };
    const files = await verifyRestore(repo, target, plan.files, undefined, meta);
    const others = await verifyEntries(target, [...plan.others, ...plan.dirs], meta);
    expect([...files, ...others].map((f) => `${f.item}: ${f.message.replace(/ .*/, '')}`).sort()).toEqual([
      '/a.txt: mode',
      '/link: symlink',
      '/sub/b.txt: modification',
      '/sub: modification',
    ]);
    // Without metadata checks only content counts.
    expect(await verifyRestore(repo, target, plan.files)).toEqual([]);
  });

  it('restores only the chosen entries and the folders above them', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, spec);
    const target = scratch();
    const r = await restore(repo, snap, { target, only: new Set(['/sub/c.txt']), verify: true, verifyMetadata: true });
    expect(fs.readdirSync(target)).toEqual(['sub']);
    expect(fs.readdirSync(path.join(target, 'sub'))).toEqual(['c.txt']);
    expect(r).toMatchObject({ filesRestored: 1, dirsRestored: 1, filesVerified: 1, bytesVerified: 5, verifyFailures: [] });
  });
});
