import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
