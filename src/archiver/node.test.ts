import fs from 'node:fs';
import path from 'node:path';
import type { BigIntStats } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { IdNames } from '../source/index.js';
import { fileUnchanged, nodeFromStat, sameEncoding } from './node.js';
import { tempDir } from './test-support.js';

/** Inodes above 2^53 (overlayfs with xino, NFS, FUSE): as doubles both are 4611686018427387904. */
const INODE = 4611686018427387905n;

/** A real lstat of a file, as if the file system had given it this inode. */
function statWithInode(file: string, ino: bigint): BigIntStats {
  const st = fs.lstatSync(file, { bigint: true });
  return Object.assign(Object.create(Object.getPrototypeOf(st) as object) as BigIntStats, st, { ino });
}

describe('inodes beyond 2^53', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  const file = (): string => {
    const dir = tempDir();
    dirs.push(dir);
    const f = path.join(dir, 'f');
    fs.writeFileSync(f, 'data');
    return f;
  };

  it('are recorded exactly', () => {
    const node = nodeFromStat('f', statWithInode(file(), INODE), new IdNames());
    expect(node.inode).toBe(INODE);
  });

  it('tell a parent node of another inode apart, so its content is not reused', () => {
    const f = file();
    const names = new IdNames();
    const old = { ...nodeFromStat('f', statWithInode(f, INODE), names), content: [] };
    const now = nodeFromStat('f', statWithInode(f, INODE + 1n), names);
    expect(fileUnchanged(old, statWithInode(f, INODE), now)).toBe(true);
    expect(fileUnchanged(old, statWithInode(f, INODE + 1n), now)).toBe(false);
    expect(sameEncoding(old, { ...now, content: [] })).toBe(false);
  });
});
