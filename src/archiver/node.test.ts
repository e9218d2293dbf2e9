import fs from 'node:fs';
import path from 'node:path';
import type { BigIntStats } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { TreeNode } from '../core/index.js';
import { encodeTree } from '../snapshot/index.js';
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

describe('sameEncoding', () => {
  const base: TreeNode = {
    name: 'f',
    type: 'file',
    mode: 0o644,
    mtime: '2024-06-01T00:00:00.5+02:00',
    atime: '2024-06-01T00:00:00.5+02:00',
    ctime: '2024-06-02T00:00:00Z',
    uid: 1000,
    gid: 1000,
    user: 'u',
    group: 'g',
    inode: 7n,
    device_id: 2049n,
    size: 4,
    links: 1,
    content: ['a'.repeat(64)],
  };
  // One field changed (or added, or removed) at a time: the nodes must be called the same exactly when their tree
  // JSON is the same, since a folder whose nodes are all the same reuses the parent's tree id without encoding it.
  const variants: Partial<Record<keyof TreeNode, unknown[]>> = {
    name: ['g'],
    type: ['dir'],
    mode: [0o600, undefined],
    mtime: ['2024-05-31T22:00:00.5Z', '2024-06-01T00:00:00.50+02:00'],
    atime: ['2024-06-01T00:00:01+02:00'],
    ctime: ['2024-06-02T02:00:00+02:00'],
    uid: [0],
    gid: [0],
    user: [undefined, 'v'],
    group: [undefined],
    inode: [8n, undefined],
    device_id: [undefined],
    size: [5, undefined],
    links: [2],
    linktarget: ['t'],
    extended_attributes: [[{ name: 'user.a', value: Buffer.from('x') }], []],
    device: [3n],
    content: [[], null, ['b'.repeat(64)], ['a'.repeat(64), 'a'.repeat(64)]],
    subtree: ['c'.repeat(64)],
    error: ['e'],
  };

  it.each(Object.entries(variants))('tells nodes apart exactly when their encoding differs: %s', (key, values) => {
    const encode = (n: TreeNode): string => Buffer.from(encodeTree({ nodes: [n] })).toString('hex');
    for (const v of values) {
      const other = { ...base } as Record<string, unknown>;
      if (v === undefined) delete other[key];
      else other[key] = v;
      const node = other as unknown as TreeNode;
      expect(sameEncoding(base, node)).toBe(encode(base) === encode(node));
      expect(sameEncoding(base, { ...base })).toBe(true);
    }
  });
});
