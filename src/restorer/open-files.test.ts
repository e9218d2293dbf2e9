import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Id } from '../core/index.js';
import { OpenFiles, openFileBudget } from './open-files.js';
import type { FileTask } from './pack-plan.js';
import type { PlannedFile } from './plan.js';
import { restore } from './restore.js';
import { newRepo, snapshotFromSpec, scratchDirs } from './test-support.js';

const scratch = scratchDirs();

const limits = (soft: string): string =>
  `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}                 1048576              files\n`;

describe('openFileBudget', () => {
  it('is a quarter of the soft limit, between 8 and 256', () => {
    expect(openFileBudget(limits('256'))).toBe(64);
    expect(openFileBudget(limits('1024'))).toBe(256);
    expect(openFileBudget(limits('1048576'))).toBe(256);
    expect(openFileBudget(limits('unlimited'))).toBe(256);
    expect(openFileBudget(limits('20'))).toBe(8);
    expect(openFileBudget('no such line')).toBe(128);
  });
});

function task(dir: string, name: string): FileTask {
  return { file: {} as PlannedFile, path: path.join(dir, name), pending: 1, written: 0, writing: 0, failed: false };
}

describe('OpenFiles', () => {
  it('closes the least recently used idle file to make room and reopens it later, never a pinned one', async () => {
    const dir = scratch();
    const files = new OpenFiles(1);
    const a = task(dir, 'a');
    const b = task(dir, 'b');
    const fa = await files.pin(a);
    fa!.writeAll(Buffer.from('first '), 0);
    // a is pinned: no room for b.
    expect(await files.pin(b)).toBeUndefined();
    files.unpin(a);
    const fb = await files.pin(b);
    expect(fb).toBeDefined();
    expect(a.fh).toBeUndefined();
    files.unpin(b);
    const again = await files.pin(a);
    again!.writeAll(Buffer.from('second'), 6);
    files.unpin(a);
    await files.close(a);
    expect(fs.readFileSync(path.join(dir, 'a'), 'utf8')).toBe('first second');
  });

  it('refuses to reopen a file that was replaced while it was closed', async () => {
    const dir = scratch();
    const files = new OpenFiles(1);
    const a = task(dir, 'a');
    await files.pin(a);
    files.unpin(a);
    const b = task(dir, 'b');
    await files.pin(b); // closes a
    fs.renameSync(path.join(dir, 'a'), path.join(dir, 'moved-away'));
    fs.writeFileSync(path.join(dir, 'a'), 'someone else');
    files.unpin(b);
    await expect(files.pin(a)).rejects.toThrow('was replaced by another file during the restore');
  });
});

describe('restore with few open files', () => {
  it('restores files whose blobs interleave in a pack, closing and reopening them, byte for byte', async () => {
    const repo = await newRepo();
    const parts = (f: number): Buffer[] => [0, 1, 2].map((p) => Buffer.alloc(10_000 + f * 100 + p, f * 3 + p + 1));
    // Blob p of every file is saved before blob p+1 of any: each file's blobs are far apart in the pack.
    const content: Id[][] = Array.from({ length: 6 }, () => []);
    for (let p = 0; p < 3; p++) for (let f = 0; f < 6; f++) content[f]!.push((await repo.saveBlob('data', parts(f)[p]!)).id);
    await repo.flush();
    const spec = Object.fromEntries(
      content.map((c, f) => [`f${f}`, { node: { type: 'file' as const, content: c, size: Buffer.concat(parts(f)).length } }]),
    );
    const snap = await snapshotFromSpec(repo, spec);
    const target = path.join(scratch(), 'out');
    const r = await restore(repo, snap, { target, openFiles: 2 });
    expect(r.errors).toEqual([]);
    expect(r.filesRestored).toBe(6);
    for (let f = 0; f < 6; f++) expect(fs.readFileSync(path.join(target, `f${f}`)).equals(Buffer.concat(parts(f)))).toBe(true);
  });
});
