import { describe, expect, it } from 'vitest';
import type { StoredSnapshot, TreeNode } from '../../core/index.js';
import { jsonLine, lsNodeJSON, lsSnapshotJSON, snapshotJSON } from './json.js';

const id = 'ab'.repeat(32);
const snap: StoredSnapshot = {
  id,
  time: '2024-01-02T03:04:05Z',
  tree: 'cd'.repeat(32),
  paths: ['/src'],
  hostname: 'h',
  username: 'root',
  uid: 0,
  gid: 0,
  tags: [],
};

describe('snapshot JSON', () => {
  it("has restic's field order, id and short_id last, and leaves empty optional fields out", () => {
    const j = snapshotJSON(snap);
    expect(Object.keys(j)).toEqual(['time', 'tree', 'paths', 'hostname', 'username', 'id', 'short_id']);
    expect(j.short_id).toBe('abababab');
  });
  it('keeps parent, tags and summary when present', () => {
    const j = snapshotJSON({ ...snap, parent: 'ef'.repeat(32), tags: ['x'], uid: 1000 });
    expect(j).toMatchObject({ parent: 'ef'.repeat(32), tags: ['x'], uid: 1000 });
  });
  it('ls marks the snapshot line with message_type and struct_type', () => {
    expect(lsSnapshotJSON(snap)).toMatchObject({ message_type: 'snapshot', struct_type: 'snapshot', id });
  });
});

describe('ls node JSON', () => {
  const base: TreeNode = {
    name: 'a.txt',
    type: 'file',
    mode: 0o644,
    mtime: '2024-01-01T00:00:00Z',
    atime: '2024-01-01T00:00:00Z',
    ctime: '2024-01-01T00:00:00Z',
    uid: 0,
    gid: 0,
    size: 25,
    inode: 7n,
    content: [],
  };
  it("has restic 0.17's fields in order, with permissions", () => {
    const j = lsNodeJSON('/x/a.txt', base);
    expect(Object.keys(j)).toEqual([
      'name',
      'type',
      'path',
      'uid',
      'gid',
      'size',
      'mode',
      'permissions',
      'mtime',
      'atime',
      'ctime',
      'inode',
      'message_type',
      'struct_type',
    ]);
    expect(j).toMatchObject({ permissions: '-rw-r--r--', size: 25, struct_type: 'node' });
  });
  it('gives folders no size', () => {
    const dir: TreeNode = {
      ...base,
      type: 'dir',
      mode: 2 ** 31 + 0o755,
      content: null,
      subtree: 'ee'.repeat(32),
    };
    delete dir.size;
    expect(lsNodeJSON('/x', dir)).not.toHaveProperty('size');
  });
  it('writes an inode beyond 2^53 with its exact digits, as restic writes a uint64', () => {
    const line = jsonLine(lsNodeJSON('/x/a.txt', { ...base, inode: 4611686018427387905n }));
    expect(line).toContain('"inode":4611686018427387905,');
    expect(line.endsWith('}\n')).toBe(true);
  });
});
