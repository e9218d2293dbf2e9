import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ProgressEvent } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import type { BackupResult } from './index.js';
import { listSnapshots, loadSnapshot, parseTime } from '../snapshot/index.js';
import { findGetfattr } from '../source/files/index.js';
import { StreamSource, stdinSource } from '../source/stream/index.js';
import {
  backupFrom,
  backupPaths,
  contentOf,
  memRepo,
  names,
  nodeAt,
  randomBytesSeeded,
  tempDir,
  writeTree,
  type PathsBackupOptions,
} from './test-support.js';

let dir: string;
let repo: Repository;

beforeEach(async () => {
  dir = tempDir();
  repo = await memRepo();
});
afterEach(() => {
  vi.restoreAllMocks();
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = (paths: string[], extra: Partial<PathsBackupOptions> = {}) =>
  backupPaths(repo, { paths, hostname: 'host', workers: 0, cwd: dir, ...extra });

describe('backup: tree shape', () => {
  it('a relative target is one node named by its path; nodes are sorted and content round-trips', async () => {
    const big = randomBytesSeeded(3 << 20, 7);
    writeTree(dir, { 'src/b.txt': 'bee', 'src/a.txt': 'ay', 'src/sub/c.bin': big, 'src/empty.txt': '', 'src/emptydir/': '' });
    const res = await run(['src']);
    expect(await names(repo, res.snapshot.tree)).toEqual(['src']);
    const src = await nodeAt(repo, res.snapshot.tree, 'src');
    expect(await names(repo, src.subtree!)).toEqual(['a.txt', 'b.txt', 'empty.txt', 'emptydir', 'sub']);
    expect((await contentOf(repo, await nodeAt(repo, res.snapshot.tree, 'src/a.txt'))).toString()).toBe('ay');
    const c = await nodeAt(repo, res.snapshot.tree, 'src/sub/c.bin');
    expect(c.content!.length).toBeGreaterThan(1);
    expect((await contentOf(repo, c)).equals(big)).toBe(true);
    expect((await nodeAt(repo, res.snapshot.tree, 'src/empty.txt')).content).toEqual([]);
    expect(res.snapshot.paths).toEqual([path.join(dir, 'src')]);
  });

  it('an absolute target keeps all path components, as restic 0.14 does', async () => {
    writeTree(dir, { 'x/f': '1' });
    const res = await run([path.join(dir, 'x')]);
    const comps = path.join(dir, 'x', 'f').split('/').filter(Boolean);
    const f = await nodeAt(repo, res.snapshot.tree, comps.join('/'));
    expect(f.type).toBe('file');
  });

  it('colliding relative names from different roots get a -1 suffix', async () => {
    writeTree(dir, { 'w/data/a': '1', 'data/b': '2' });
    // 'data' is relative to '.', '../data' to '..': both are named 'data' at the top, restic appends '-1'.
    const res = await run(['data', '../data'], { cwd: path.join(dir, 'w') });
    expect(await names(repo, res.snapshot.tree)).toEqual(['data', 'data-1']);
    expect(await names(repo, (await nodeAt(repo, res.snapshot.tree, 'data-1')).subtree!)).toEqual(['b']);
  });

  it('targets under the same root share their intermediate folders; nested targets are covered', async () => {
    writeTree(dir, { 'r/a/x': '1', 'r/b/y': '2' });
    const res = await run(['r/a', 'r/b', 'r/a/x']);
    expect(await names(repo, res.snapshot.tree)).toEqual(['r']);
    expect(await names(repo, (await nodeAt(repo, res.snapshot.tree, 'r')).subtree!)).toEqual(['a', 'b']);
    expect(await names(repo, (await nodeAt(repo, res.snapshot.tree, 'r/a')).subtree!)).toEqual(['x']);
  });

  it('writes the snapshot last, after the index, with host, tags, excludes and uid', async () => {
    writeTree(dir, { 'a/f': 'x' });
    const res = await run(['a'], { tags: ['t1'], excludes: { exclude: ['*.tmp'] }, time: 1_700_000_000_000_000_000n });
    const stored = await loadSnapshot(repo, res.snapshotId!);
    expect(stored.hostname).toBe('host');
    expect(stored.tags).toEqual(['t1']);
    expect(stored.excludes).toEqual(['*.tmp']);
    expect(stored.uid ?? 0).toBe(process.getuid!());
    expect(stored.tree).toBe(res.snapshot.tree);
    expect(stored.summary).toMatchObject({ files_new: 1, dirs_new: 1, data_blobs: 1 });
    const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string };
    expect(stored.program_version).toBe(`cairn ${pkg.version}`);
    expect(res.summary.total_duration).toBeGreaterThanOrEqual(0);
    expect(res.summary.snapshot_id).toBe(res.snapshotId);
    expect(repo.has('tree', res.snapshot.tree)).toBe(true);
  });

  it('a missing path fails with source-unreadable before anything is written', async () => {
    await expect(run(['nope'])).rejects.toMatchObject({ code: 'source-unreadable', message: /does not exist/ });
    expect(await listSnapshots(repo)).toEqual([]);
  });
});

describe('backup: node metadata', () => {
  it('records mode, size, times with nanoseconds, inode, links and owner', async () => {
    writeTree(dir, { 'm/f.sh': '#!/bin/sh\n' });
    fs.chmodSync(path.join(dir, 'm/f.sh'), 0o755);
    // A modification time with a fraction of a second, so the nanoseconds are always checked.
    fs.utimesSync(path.join(dir, 'm/f.sh'), 1_700_000_000.5, 1_700_000_000.123456);
    const st = fs.lstatSync(path.join(dir, 'm/f.sh'), { bigint: true });
    const res = await run(['m']);
    const n = await nodeAt(repo, res.snapshot.tree, 'm/f.sh');
    expect(n.mode).toBe(0o755);
    expect(n.size).toBe(10);
    expect(n.inode).toBe(st.ino);
    expect(n.device_id).toBe(st.dev);
    expect(n.links).toBe(1);
    expect(n.uid).toBe(Number(st.uid));
    expect(n.user).toBe(os.userInfo().username);
    const frac = (st.mtimeNs % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
    expect(frac).not.toBe('');
    expect(n.mtime).toContain('.' + frac);
    const dirNode = await nodeAt(repo, res.snapshot.tree, 'm');
    expect(dirNode.type).toBe('dir');
    expect(dirNode.mode! >>> 0).toBe((0x80000000 | (fs.statSync(path.join(dir, 'm')).mode & 0o777)) >>> 0);
    expect(dirNode.size).toBeUndefined();
  });

  it('stores symlinks, fifos and hard links as restic does', async () => {
    writeTree(dir, { 's/target.txt': 'T' });
    fs.symlinkSync('target.txt', path.join(dir, 's/link'));
    fs.symlinkSync('does/not/exist', path.join(dir, 's/dangling'));
    fs.linkSync(path.join(dir, 's/target.txt'), path.join(dir, 's/hard'));
    execFileSync('mkfifo', [path.join(dir, 's/pipe')]);
    const res = await run(['s']);
    const link = await nodeAt(repo, res.snapshot.tree, 's/link');
    expect(link).toMatchObject({ type: 'symlink', linktarget: 'target.txt', content: null });
    expect((await nodeAt(repo, res.snapshot.tree, 's/dangling')).linktarget).toBe('does/not/exist');
    const fifo = await nodeAt(repo, res.snapshot.tree, 's/pipe');
    expect(fifo.type).toBe('fifo');
    expect(fifo.content).toBeNull();
    const a = await nodeAt(repo, res.snapshot.tree, 's/hard');
    const b = await nodeAt(repo, res.snapshot.tree, 's/target.txt');
    expect(a.links).toBe(2);
    expect(a.inode).toBe(b.inode);
    expect(a.content).toEqual(b.content);
  });

  it.skipIf(!fs.existsSync('/usr/bin/setfattr') || !findGetfattr())('records extended attributes via getfattr', async () => {
    writeTree(dir, { 'x/f': 'hi', 'x/plain': 'p' });
    execFileSync('setfattr', ['-n', 'user.test', '-v', 'hello', path.join(dir, 'x/f')]);
    execFileSync('setfattr', ['-n', 'user.bin', '-v', '0x00ff', path.join(dir, 'x')]);
    const res = await run(['x']);
    const f = await nodeAt(repo, res.snapshot.tree, 'x/f');
    expect(f.extended_attributes?.map((a) => [a.name, a.value.toString()])).toEqual([['user.test', 'hello']]);
    const d = await nodeAt(repo, res.snapshot.tree, 'x');
    expect(d.extended_attributes?.map((a) => [a.name, a.value.toString('hex')])).toEqual([['user.bin', '00ff']]);
    expect((await nodeAt(repo, res.snapshot.tree, 'x/plain')).extended_attributes).toBeUndefined();
    const off = await run(['x'], { xattrs: false });
    expect((await nodeAt(repo, off.snapshot.tree, 'x/f')).extended_attributes).toBeUndefined();
  });

  it('without getfattr the backup goes on and warns that extended attributes are missing', async () => {
    writeTree(dir, { 'x/f': 'hi' });
    const saved = process.env['PATH'];
    process.env['PATH'] = dir;
    const events: ProgressEvent[] = [];
    try {
      const res = await run(['x'], { onProgress: (e) => events.push(e) });
      expect(res.snapshotId).toBeDefined();
    } finally {
      process.env['PATH'] = saved;
    }
    const warnings = events.flatMap((e) => (e.kind === 'warning' ? [e.message] : []));
    expect(warnings).toEqual(['getfattr is not installed (package "attr"), so no extended attributes are backed up.']);
  });

  it('stores a character device with its rdev', async () => {
    const res = await backupPaths(repo, { paths: ['null'], cwd: '/dev', hostname: 'h', workers: 0 });
    const n = await nodeAt(repo, res.snapshot.tree, 'null');
    expect(n.type).toBe('chardev');
    expect(n.device).toBe(fs.lstatSync('/dev/null', { bigint: true }).rdev);
  });
});

describe('backup: dedup and parent', () => {
  it('identical files share one blob', async () => {
    writeTree(dir, { 'd/1': 'same content', 'd/2': 'same content', 'd/3': 'other' });
    const res = await run(['d']);
    expect(res.summary.data_blobs).toBe(2);
    expect(res.summary.files_new).toBe(3);
    expect(res.summary.dirs_new).toBe(1);
  });

  it('reuses unchanged files from the parent without reading them and counts changes like restic', async () => {
    writeTree(dir, { 'p/a': 'a', 'p/b': 'b', 'p/sub/c': 'c' });
    // Read the folders once so that relatime has already moved their atime (as after any earlier backup).
    for (const d of ['', 'p', 'p/sub']) fs.readdirSync(path.join(dir, d));
    const first = await run(['p']);
    const parent = await loadSnapshot(repo, first.snapshotId!);
    const openSpy = vi.spyOn(fsp, 'open');
    const second = await run(['p'], { parent });
    expect(openSpy).not.toHaveBeenCalled();
    expect(second.summary).toMatchObject({ files_unmodified: 3, files_new: 0, files_changed: 0, data_blobs: 0 });
    expect(second.summary.dirs_unmodified).toBe(2);
    expect(second.snapshot.tree).toBe(first.snapshot.tree);
    expect(second.snapshot.parent).toBe(first.snapshotId);

    fs.writeFileSync(path.join(dir, 'p/sub/c'), 'changed');
    fs.writeFileSync(path.join(dir, 'p/new'), 'n');
    const third = await run(['p'], { parent: await loadSnapshot(repo, second.snapshotId!) });
    expect(third.summary).toMatchObject({ files_new: 1, files_changed: 1, files_unmodified: 2, data_blobs: 2 });
    expect(third.summary.dirs_changed).toBe(2);
  });

  it('a file whose content is reused counts as unmodified even when only its atime moved (as in restic)', async () => {
    writeTree(dir, { 'p/a': 'a', 'p/b': 'b' });
    const first = await run(['p']);
    const before = fs.statSync(path.join(dir, 'p/a'), { bigint: true });
    fs.readFileSync(path.join(dir, 'p/a')); // relatime: the first read after a write moves atime, not ctime
    const after = fs.statSync(path.join(dir, 'p/a'), { bigint: true });
    expect(after.atimeNs).not.toBe(before.atimeNs);
    expect(after.ctimeNs).toBe(before.ctimeNs);
    const openSpy = vi.spyOn(fsp, 'open');
    const second = await run(['p'], { parent: await loadSnapshot(repo, first.snapshotId!) });
    expect(openSpy).not.toHaveBeenCalled();
    expect(second.summary).toMatchObject({ files_new: 0, files_changed: 0, files_unmodified: 2 });
    // As restic records it by default: atime = mtime, so the read changed no tree.
    const node = await nodeAt(repo, second.snapshot.tree, 'p/a');
    expect(node.atime).toBe(node.mtime);
    expect(second.snapshot.tree).toBe(first.snapshot.tree);
    // --with-atime records the new atime.
    const third = await run(['p'], { parent: await loadSnapshot(repo, second.snapshotId!), change: { withAtime: true } });
    const withAtime = await nodeAt(repo, third.snapshot.tree, 'p/a');
    expect(parseTime(withAtime.atime)).toBe(after.atimeNs);
    expect(third.summary).toMatchObject({ files_changed: 0, files_unmodified: 2 });
  });

  it('--ignore-ctime and --ignore-inode reuse a file whose ctime or inode alone changed, as restic', async () => {
    writeTree(dir, { 'p/a': 'a', 'p/b': 'b' });
    const first = await run(['p']);
    const parent = await loadSnapshot(repo, first.snapshotId!);
    const a = path.join(dir, 'p/a');
    const changed = (r: BackupResult): number => r.summary.files_changed;
    fs.chmodSync(a, fs.statSync(a).mode & 0o777); // same content, mode and mtime; new ctime
    expect(changed(await run(['p'], { parent }))).toBe(1);
    expect(changed(await run(['p'], { parent, change: { ignoreCtime: true } }))).toBe(0);
    // Same content and mtime in a new inode (a copy renamed over it): new inode and ctime.
    fs.copyFileSync(a, `${a}.new`);
    execFileSync('touch', ['-r', a, `${a}.new`]); // the mtime to the nanosecond
    fs.renameSync(`${a}.new`, a);
    expect(changed(await run(['p'], { parent, change: { ignoreCtime: true } }))).toBe(1);
    expect(changed(await run(['p'], { parent, change: { ignoreInode: true } }))).toBe(0);
  });

  it('an unchanged folder reuses the parent tree id without encoding it again; a changed one gets a new tree', async () => {
    writeTree(dir, { 'r/same/a': 'a', 'r/other/b': 'b' });
    for (const d of ['', 'r', 'r/same', 'r/other']) fs.readdirSync(path.join(dir, d));
    const first = await run(['r']);
    const oldSame = (await nodeAt(repo, first.snapshot.tree, 'r/same')).subtree;
    const oldOther = (await nodeAt(repo, first.snapshot.tree, 'r/other')).subtree;
    fs.writeFileSync(path.join(dir, 'r/other/b'), 'changed');
    const saveBlob = vi.spyOn(repo, 'saveBlob');
    const second = await run(['r'], { parent: await loadSnapshot(repo, first.snapshotId!) });
    expect((await nodeAt(repo, second.snapshot.tree, 'r/same')).subtree).toBe(oldSame);
    expect((await nodeAt(repo, second.snapshot.tree, 'r/other')).subtree).not.toBe(oldOther);
    // Trees saved: r/other, r and the root; not r/same.
    expect(saveBlob.mock.calls.filter(([type]) => type === 'tree')).toHaveLength(3);
    const again = await run(['r'], { force: true });
    expect(again.snapshot.tree).toBe(second.snapshot.tree);
  });

  it('force reads every file again', async () => {
    writeTree(dir, { 'p/a': 'a' });
    const first = await run(['p']);
    const openSpy = vi.spyOn(fsp, 'open');
    await run(['p'], { parent: await loadSnapshot(repo, first.snapshotId!), force: true });
    expect(openSpy).toHaveBeenCalled();
  });

  it('a dry run computes the tree but writes nothing', async () => {
    writeTree(dir, { 'p/a': 'a' });
    const res = await run(['p'], { dryRun: true });
    expect(res.snapshotId).toBeUndefined();
    expect(res.summary.data_blobs).toBe(1);
    expect(await listSnapshots(repo)).toEqual([]);
    expect(repo.has('tree', res.snapshot.tree)).toBe(false);
  });
});

describe('backup: excludes', () => {
  const tree = async (extra: Partial<PathsBackupOptions>) => {
    writeTree(dir, {
      'e/keep.txt': 'k',
      'e/drop.tmp': 't',
      'e/UPPER.LOG': 'l',
      'e/big.bin': Buffer.alloc(2000),
      'e/tagged/.nobackup': '',
      'e/tagged/inner': 'i',
      'e/cache/CACHEDIR.TAG': 'Signature: 8a477f597d28d172789f06886806bc55',
      'e/cache/blob': 'b',
    });
    const res = await run(['e'], extra);
    const e = await nodeAt(repo, res.snapshot.tree, 'e');
    return names(repo, e.subtree!);
  };

  it('--exclude and --iexclude patterns', async () => {
    expect(await tree({ excludes: { exclude: ['*.tmp'], iexclude: ['*.log'] } })).toEqual([
      'big.bin', 'cache', 'keep.txt', 'tagged',
    ]);
  });

  it('--exclude-larger-than', async () => {
    expect(await tree({ excludes: { excludeLargerThan: 1000 } })).not.toContain('big.bin');
  });

  it('--exclude-if-present and --exclude-caches keep only the tag file', async () => {
    await tree({ excludes: { excludeIfPresent: ['.nobackup'], excludeCaches: true } });
    const snaps = await listSnapshots(repo);
    const last = snaps[snaps.length - 1]!;
    expect(await names(repo, (await nodeAt(repo, last.tree, 'e/tagged')).subtree!)).toEqual(['.nobackup']);
    expect(await names(repo, (await nodeAt(repo, last.tree, 'e/cache')).subtree!)).toEqual(['CACHEDIR.TAG']);
  });

  it('--one-file-system keeps a mount point as an empty folder', async () => {
    writeTree(dir, { 'fs/a.txt': 'a', 'fs/mnt/': '' });
    // A file system of its own below the backed-up folder (tests run as root).
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', path.join(dir, 'fs/mnt')]);
    try {
      fs.writeFileSync(path.join(dir, 'fs/mnt/inside.txt'), 'other file system');
      const res = await run(['fs'], { excludes: { oneFileSystem: true } });
      expect(await names(repo, (await nodeAt(repo, res.snapshot.tree, 'fs')).subtree!)).toEqual(['a.txt', 'mnt']);
      expect(await names(repo, (await nodeAt(repo, res.snapshot.tree, 'fs/mnt')).subtree!)).toEqual([]);
      const all = await run(['fs']);
      expect(await names(repo, (await nodeAt(repo, all.snapshot.tree, 'fs/mnt')).subtree!)).toEqual(['inside.txt']);
    } finally {
      execFileSync('umount', ['-l', path.join(dir, 'fs/mnt')]);
    }
  });
});

describe('backup: errors, stdin, abort', () => {
  it('a file that vanishes before it is read is reported and left out; the snapshot is written', async () => {
    writeTree(dir, { 'v/a': 'a', 'v/gone': 'g' });
    const real = fsp.open.bind(fsp);
    vi.spyOn(fsp, 'open').mockImplementation(async (p, ...rest) => {
      if (String(p).endsWith('gone')) fs.rmSync(String(p));
      return real(p, ...(rest as [number]));
    });
    const events: ProgressEvent[] = [];
    const res = await run(['v'], { onProgress: (e) => events.push(e) });
    expect(res.sourceErrors.map((e) => e.item)).toEqual([path.join(dir, 'v/gone')]);
    expect(events.some((e) => e.kind === 'source-error')).toBe(true);
    expect(await names(repo, (await nodeAt(repo, res.snapshot.tree, 'v')).subtree!)).toEqual(['a']);
    expect(res.snapshotId).toBeDefined();
  });

  it('a file that cannot be read (EIO) is reported and left out', async () => {
    const res = await backupPaths(repo, { paths: ['mem'], cwd: '/proc/self', hostname: 'h', workers: 0 });
    expect(res.sourceErrors).toHaveLength(1);
    expect(await names(repo, res.snapshot.tree)).toEqual([]);
  });

  it('stdin becomes one file node named after filename', async () => {
    const data = randomBytesSeeded(1_500_000, 3);
    const stream = Readable.from([data.subarray(0, 1000), data.subarray(1000)]);
    const res = await backupFrom(repo, stdinSource({ kind: 'stdin', filename: 'dump.sql', stream }), {
      hostname: 'h',
      workers: 0,
    });
    expect(res.snapshot.paths).toEqual(['/dump.sql']);
    const n = await nodeAt(repo, res.snapshot.tree, 'dump.sql');
    expect(n).toMatchObject({ type: 'file', mode: 0o644, size: data.length });
    expect((await contentOf(repo, n)).equals(data)).toBe(true);
  });

  it('a failing stdin producer writes no snapshot', async () => {
    const done = Promise.reject(new Error('command failed'));
    await expect(
      backupFrom(repo, new StreamSource('x', () => ({ stream: Readable.from(['abc']), done })), { hostname: 'h', workers: 0 }),
    ).rejects.toThrow('command failed');
    expect(await listSnapshots(repo)).toEqual([]);
  });

  it('an abort stops the backup with interrupted and writes no snapshot', async () => {
    writeTree(dir, { 'z/a': randomBytesSeeded(2 << 20, 1), 'z/b': 'b' });
    const ac = new AbortController();
    ac.abort();
    await expect(run(['z'], { signal: ac.signal })).rejects.toMatchObject({ code: 'interrupted' });
    expect(await listSnapshots(repo)).toEqual([]);
  });

  it('statusEvents false: backup-file events but no backup-status events', async () => {
    writeTree(dir, { 's/a': 'a' });
    const events: ProgressEvent[] = [];
    await run(['s'], { onProgress: (e) => events.push(e), statusEvents: false });
    expect(events.some((e) => e.kind === 'backup-status')).toBe(false);
    expect(events.some((e) => e.kind === 'backup-file')).toBe(true);
  });

  it('reports backup-status and backup-file events', async () => {
    writeTree(dir, { 'q/a': 'a' });
    const events: ProgressEvent[] = [];
    await run(['q'], { onProgress: (e) => events.push(e) });
    expect(events.some((e) => e.kind === 'backup-status')).toBe(true);
    expect(events.find((e) => e.kind === 'backup-file' && e.item.endsWith('/q/a'))).toMatchObject({ action: 'new' });
  });
});
