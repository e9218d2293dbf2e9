import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DirEntry, SourceListing } from '../source.js';
import { runSourceConformance } from '../testing/index.js';
import { FilesSource } from './files-source.js';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-files-source-'));
  for (const n of ['b', 'a', 'ä', 'Z']) fs.writeFileSync(path.join(dir, n), n);
  fs.mkdirSync(path.join(dir, 'd/e'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'd/e/x'), 'x');
  fs.symlinkSync('a', path.join(dir, 'l'));
  // A name that is not UTF-8 is an ordinary child.
  fs.writeFileSync(Buffer.concat([Buffer.from(path.join(dir, 'd/caf')), Buffer.from([0xe9])]), 'latin-1 name');
  // A child whose path is longer than PATH_MAX cannot be read, even by root; made with relative steps in a shell.
  const level = 'n'.repeat(255);
  execFileSync('sh', ['-c', `cd "$1" && for i in $(seq 16); do mkdir ${level} && cd -P ${level}; done`, 'sh', path.join(dir, 'd')]);
});
// rm, unlike fs.rmSync, removes a tree deeper than PATH_MAX.
afterAll(() => execFileSync('rm', ['-rf', dir]));

runSourceConformance('files (one folder)', {
  open: () => new FilesSource({ kind: 'files', paths: [dir] }),
  hasUnreadable: true,
});
runSourceConformance('files (targets under intermediate folders)', {
  open: () => new FilesSource({ kind: 'files', paths: [path.join(dir, 'd'), path.join(dir, 'b'), path.join(dir, 'Z')] }),
  hasUnreadable: true,
});

describe('FilesSource', () => {
  it('an intermediate folder holds only the targeted children', async () => {
    const s = new FilesSource({ kind: 'files', paths: ['d/e', 'a'], cwd: dir });
    const roots = await s.roots();
    expect(roots.entries.map((e) => e.name)).toEqual(['a', 'd']);
    const d = roots.entries[1]!;
    expect(d.kind).toBe('dir');
    const inside = await s.list(d as typeof d & { kind: 'dir' });
    expect(inside.entries.map((e) => e.path)).toEqual([path.join(dir, 'd/e')]);
    expect(s.paths).toEqual([path.join(dir, 'd/e'), path.join(dir, 'a')]);
  });

  it('a given path that does not exist makes roots throw source-unreadable', async () => {
    const s = new FilesSource({ kind: 'files', paths: ['nope'], cwd: dir });
    await expect(s.roots()).rejects.toMatchObject({ code: 'source-unreadable', message: /does not exist/ });
  });
});

describe('FilesSource: a folder changed after its parent was listed', () => {
  let tree: string;
  beforeEach(() => {
    tree = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-files-changed-'));
    fs.mkdirSync(path.join(tree, 'top/d'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'top/d/x'), 'x');
    fs.mkdirSync(path.join(tree, 'other'));
    fs.writeFileSync(path.join(tree, 'other/secret'), 'secret');
  });
  afterEach(() => fs.rmSync(tree, { recursive: true, force: true }));

  /** The listing of top/d after `change` ran between listing top and listing d. */
  async function listAfter(change: (d: string) => void): Promise<SourceListing> {
    const s = new FilesSource({ kind: 'files', paths: [path.join(tree, 'top')] });
    let dir = (await s.roots()).entries[0]!;
    while (dir.path !== path.join(tree, 'top')) dir = (await s.list(dir as DirEntry)).entries[0]!;
    const d = (await s.list(dir as DirEntry)).entries.find((e) => e.name === 'd') as DirEntry;
    change(d.path);
    return s.list(d);
  }

  it('replaced by a symlink: dirError, nothing listed from the link target', async () => {
    const listing = await listAfter((d) => {
      fs.rmSync(d, { recursive: true });
      fs.symlinkSync(path.join(tree, 'other'), d);
    });
    expect(listing.entries).toEqual([]);
    expect(listing.dirError?.message).toMatch(/was replaced by a symbolic link during the backup/);
  });

  it('replaced by a file or another folder, or vanished: dirError', async () => {
    const byFile = await listAfter((d) => {
      fs.rmSync(d, { recursive: true });
      fs.writeFileSync(d, 'now a file');
    });
    expect(byFile.dirError?.message).toMatch(/replaced by a file/);
    const byFolder = await listAfter((d) => {
      fs.rmSync(d, { recursive: true });
      fs.renameSync(path.join(tree, 'other'), d);
    });
    expect(byFolder).toMatchObject({ entries: [], dirError: { message: expect.stringMatching(/replaced by another folder/) as unknown } });
    const gone = await listAfter((d) => fs.rmSync(d, { recursive: true }));
    expect(gone).toMatchObject({ entries: [], dirError: { message: expect.stringMatching(/does not exist/) as unknown } });
  });

  it('unchanged: listed as usual', async () => {
    const listing = await listAfter(() => undefined);
    expect(listing.entries.map((e) => e.name)).toEqual(['x']);
    expect(listing.dirError).toBeUndefined();
  });
});
