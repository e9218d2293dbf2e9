import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../../src/backend/local/index.js';
import { Repository } from '../../src/repository/index.js';
import { saveSnapshot } from '../../src/snapshot/index.js';
import { Sandbox, cairn, restic } from '../harness/cli.js';

const T = '2024-01-01T00:00:00Z';
/** Inodes above 2^53 (overlayfs with xino, NFS, FUSE, CephFS): as doubles both are 4611686018427387904. */
const INODE_A = '4611686018427387905';
const INODE_B = '4611686018427387906';
const INODE_B_LATER = '4611686018427387907';

/** A file node as restic 0.14 writes it, with the inode digits spliced in verbatim. */
function fileJSON(name: string, inode: string, size: number, blob: string): string {
  return (
    `{"name":"${name}","type":"file","mode":420,"mtime":"${T}","atime":"${T}","ctime":"${T}","uid":0,"gid":0,` +
    `"inode":${inode},"device_id":2049,"size":${size},"links":2,"content":["${blob}"]}`
  );
}

/**
 * A repository with one snapshot of a folder holding `a` and `b`: two files that each had a second name elsewhere
 * (links: 2), on one device, with inodes that differ only beyond 2^53. The tree blob is written as raw text.
 */
async function makeRepo(dir: string, password: string): Promise<void> {
  const repo = await Repository.init(new LocalBackend(dir), {
    password,
    scryptParams: { N: 1024, r: 8, p: 1 },
  });
  const a = (await repo.saveBlob('data', Buffer.from('AAAA'))).id;
  const b = (await repo.saveBlob('data', Buffer.from('BBBBBBBB'))).id;
  // A later snapshot in which b has another inode, one more than before (the same double).
  for (const [time, inodeB] of [
    [T, INODE_B],
    ['2024-01-02T00:00:00Z', INODE_B_LATER],
  ] as const) {
    const text = `{"nodes":[${fileJSON('a', INODE_A, 4, a)},${fileJSON('b', inodeB, 8, b)}]}\n`;
    const tree = (await repo.saveBlob('tree', Buffer.from(text))).id;
    await saveSnapshot(repo, { time, tree, paths: ['/src'], hostname: 'h', username: 'u' });
  }
  await repo.close();
}

describe('files whose inodes differ only above 2^53', () => {
  let sb: Sandbox;
  const repo = (): string => sb.path('repo');
  const pw = (): string => sb.path('pw');
  beforeAll(async () => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n');
    await makeRepo(repo(), 'secret');
  });
  afterAll(() => sb.cleanup());
  /** The id of the first snapshot (the one with INODE_B). */
  const first = async (): Promise<string> => {
    const r = await cairn(sb, ['-r', repo(), '-p', pw(), 'snapshots', '--json']);
    return (JSON.parse(r.stdout) as { id: string }[])[0]!.id;
  };

  const expectSeparate = (target: string): void => {
    expect(fs.readFileSync(path.join(target, 'a'), 'utf8')).toBe('AAAA');
    expect(fs.readFileSync(path.join(target, 'b'), 'utf8')).toBe('BBBBBBBB');
    expect(fs.statSync(path.join(target, 'a')).ino).not.toBe(fs.statSync(path.join(target, 'b')).ino);
  };

  it('are restored as two files, not as one hard link', async () => {
    const target = sb.path('cairn-target');
    const r = await cairn(sb, ['-r', repo(), '-p', pw(), 'restore', await first(), '--target', target]);
    expect(r.code, r.stderr).toBe(0);
    expectSeparate(target);
  });

  it('are restored as two files by restic too', async () => {
    const target = sb.path('restic-target');
    const r = await restic(sb, ['-r', repo(), '-p', pw(), 'restore', await first(), '--target', target]);
    expect(r.code, r.stderr).toBe(0);
    expectSeparate(target);
  });

  it('are listed and found with their exact inode numbers', async () => {
    const ls = await cairn(sb, ['-r', repo(), '-p', pw(), 'ls', '--json', await first()]);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain(`"path":"/a",`);
    expect(ls.stdout).toContain(`"inode":${INODE_A},`);
    expect(ls.stdout).toContain(`"inode":${INODE_B},`);
    const find = await cairn(sb, ['-r', repo(), '-p', pw(), 'find', '--json', 'b']);
    expect(find.code, find.stderr).toBe(0);
    expect(find.stdout).toContain(`"inode":${INODE_B},`);
    expect(find.stdout).toContain(`"inode":${INODE_B_LATER},`);
  });

  it('show a changed inode in diff, as restic does', async () => {
    const snaps = (
      JSON.parse((await cairn(sb, ['-r', repo(), '-p', pw(), 'snapshots', '--json'])).stdout) as {
        id: string;
      }[]
    ).map((s) => s.id);
    const args = ['-r', repo(), '-p', pw(), 'diff', '--metadata', ...snaps];
    const ours = await cairn(sb, args);
    expect(ours.code, ours.stderr).toBe(0);
    const theirs = await restic(sb, args);
    expect(theirs.code, theirs.stderr).toBe(0);
    const changes = (out: string): string[] => out.split('\n').filter((l) => /^[-+MTU]+ +\//.test(l));
    expect(changes(ours.stdout), ours.stdout + theirs.stdout).toEqual(['U    /b']);
    expect(changes(ours.stdout)).toEqual(changes(theirs.stdout));
  });

  it('both count in restore-size, as restic counts them', async () => {
    const args = ['-r', repo(), '-p', pw(), 'stats', '--json', '--mode', 'restore-size', await first()];
    const ours = await cairn(sb, args);
    expect(ours.code, ours.stderr).toBe(0);
    const theirs = await restic(sb, args);
    expect(theirs.code, theirs.stderr).toBe(0);
    const size = (out: string): unknown => (JSON.parse(out) as { total_size: number }).total_size;
    expect(size(ours.stdout)).toBe(12);
    expect(size(theirs.stdout)).toBe(12);
  });
});
