import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../core/index.js';
import { restore } from './restore.js';
import { buildTree, newRepo, snapshotFromSpec, scratchDirs } from './test-support.js';

const scratch = scratchDirs();

/** A tree id that no pack holds: the folder's listing cannot be loaded. */
const LOST_TREE = 'ab'.repeat(32);

describe('restore from a damaged repository', () => {
  it('restores every folder it can read, and names the unreadable one once, even with --verify', async () => {
    const repo = await newRepo();
    const intact = await buildTree(repo, { 'kept.txt': 'kept' });
    const snap = await snapshotFromSpec(repo, {
      'top.txt': 'top',
      good: { dir: { 'g.txt': 'good' } },
      lost: { node: { type: 'dir', mode: 0x80000000 + 0o755, subtree: LOST_TREE } },
      deep: { node: { type: 'dir', mode: 0x80000000 + 0o755, subtree: intact } },
    });
    const target = scratch();
    const warnings: string[] = [];
    const onProgress = (e: ProgressEvent): void => {
      if (e.kind === 'warning') warnings.push(e.message);
    };
    const r = await restore(repo, snap, { target, verify: true, onProgress });
    expect(fs.readFileSync(path.join(target, 'top.txt'), 'utf8')).toBe('top');
    expect(fs.readFileSync(path.join(target, 'good/g.txt'), 'utf8')).toBe('good');
    expect(fs.readFileSync(path.join(target, 'deep/kept.txt'), 'utf8')).toBe('kept');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.item).toBe('/lost');
    expect(r.errors[0]!.message).toMatch(/^cannot read this folder's contents \(tree abababab\): /);
    expect(warnings).toHaveLength(1);
    expect(r.verifyFailures).toEqual([]);
    expect(r.filesRestored).toBe(3);
  });

  it('names the unreadable folder on a dry run too', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, {
      'a.txt': 'a',
      lost: { node: { type: 'dir', mode: 0x80000000 + 0o755, subtree: LOST_TREE } },
    });
    const r = await restore(repo, snap, { target: path.join(scratch(), 'never'), dryRun: true });
    expect(r.errors.map((e) => e.item)).toEqual(['/lost']);
    expect(r.filesRestored).toBe(1);
  });
});

/** A read-only tmpfs, when this process may mount one (root in the test container). */
function readOnlyMount(): string | undefined {
  const dir = scratch();
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return undefined;
  }
}

describe('restore target', () => {
  it('says "read-only file system" for a missing target on a read-only mount', async (t) => {
    const ro = readOnlyMount();
    if (ro === undefined) return t.skip();
    try {
      const repo = await newRepo();
      const snap = await snapshotFromSpec(repo, { 'a.txt': 'a' });
      await expect(restore(repo, snap, { target: path.join(ro, 'out', 'deeper') })).rejects.toMatchObject({ code: 'EROFS' });
    } finally {
      execFileSync('umount', [ro]);
    }
  });
});
