import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LocalBackend } from '../backend/local/index.js';
import { isCairnError, type ProgressEvent, type TreeNode } from '../core/index.js';
import { planRestore } from './plan.js';
import { restore } from './restore.js';
import { makeSelector } from './selection.js';
import { verifyRestore } from './verify.js';
import { buildTree, newRepo, saveRawTree, snapshotFromSpec, snapshotOf, scratchDirs, TIME } from './test-support.js';

const scratch = scratchDirs();

const read = (p: string): string => fs.readFileSync(p, 'utf8');

describe('restore', () => {
  it('restores files, folders and symlinks with their content, modes and times', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, {
      'a.txt': 'alpha',
      'run.sh': { file: '#!/bin/sh\n', extra: { mode: 0o755, mtime: '2023-05-06T07:08:09.123456Z' } },
      sub: { dir: { 'b.txt': 'beta', empty: { dir: {} } }, extra: { mtime: '2022-01-01T00:00:00Z' } },
      link: { symlink: 'a.txt', extra: { mtime: '2021-01-01T00:00:00Z' } },
    });
    const target = path.join(scratch(), 'out');
    const r = await restore(repo, snap, { target });
    expect(read(path.join(target, 'a.txt'))).toBe('alpha');
    expect(read(path.join(target, 'sub/b.txt'))).toBe('beta');
    expect(fs.statSync(path.join(target, 'sub/empty')).isDirectory()).toBe(true);
    expect(fs.readlinkSync(path.join(target, 'link'))).toBe('a.txt');
    expect(fs.statSync(path.join(target, 'run.sh')).mode & 0o7777).toBe(0o755);
    expect(fs.statSync(path.join(target, 'a.txt')).mode & 0o7777).toBe(0o644);
    expect(fs.statSync(path.join(target, 'sub')).mode & 0o7777).toBe(0o755);
    expect(fs.statSync(path.join(target, 'run.sh')).mtime.toISOString()).toBe('2023-05-06T07:08:09.123Z');
    expect(fs.statSync(path.join(target, 'run.sh'), { bigint: true }).mtimeNs % 1_000_000_000n / 1000n).toBe(123456n);
    expect(fs.statSync(path.join(target, 'sub')).mtime.toISOString()).toBe('2022-01-01T00:00:00.000Z');
    expect(fs.lstatSync(path.join(target, 'link')).mtime.toISOString()).toBe('2021-01-01T00:00:00.000Z');
    expect(r).toMatchObject({ filesRestored: 4, dirsRestored: 2, bytesRestored: 19, errors: [], verifyFailures: [] });
  });

  it('writes multi-blob files in order and reuses a blob shared by several files', async () => {
    const repo = await newRepo();
    const parts = [Buffer.alloc(300_000, 1), Buffer.alloc(200_000, 2), Buffer.alloc(100_000, 3)];
    const shared = Buffer.alloc(50_000, 9);
    const snap = await snapshotFromSpec(repo, {
      big: { file: parts },
      s1: { file: [shared, parts[2]!] },
      s2: { file: [shared] },
      s3: { file: [shared, shared] },
    });
    const loads = new Map<string, number>();
    const orig = repo.loadBlob.bind(repo);
    repo.loadBlob = async (type, id) => {
      // Trees are walked again for each round of files; data blobs are loaded once.
      if (type === 'data') loads.set(id, (loads.get(id) ?? 0) + 1);
      return orig(type, id);
    };
    const target = scratch();
    const r = await restore(repo, snap, { target, verify: true });
    expect(fs.readFileSync(path.join(target, 'big')).equals(Buffer.concat(parts))).toBe(true);
    expect(fs.readFileSync(path.join(target, 's3')).equals(Buffer.concat([shared, shared]))).toBe(true);
    expect(r.verifyFailures).toEqual([]);
    expect([...loads.values()].filter((n) => n > 1)).toEqual([]);
  });

  it('creates the target 0700 whatever the umask (as restic), and gives a restored sub-folder its own mode at the end', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, {
      private: { dir: { 'f.txt': 'f' }, extra: { mode: 0x80000000 + 0o750 } },
    });
    const old = process.umask(0);
    try {
      const whole = path.join(scratch(), 'new', 'whole');
      await restore(repo, snap, { target: whole });
      expect(fs.statSync(whole).mode & 0o777).toBe(0o700);
      const sub = path.join(scratch(), 'sub');
      await restore(repo, snap, { target: sub, subPath: '/private' });
      expect(read(path.join(sub, 'f.txt'))).toBe('f');
      expect(fs.statSync(sub).mode & 0o777).toBe(0o750);
      // An existing target keeps its mode: restoring /private into it must not chmod someone's folder.
      const existing = scratch();
      fs.chmodSync(existing, 0o751);
      await restore(repo, snap, { target: existing, subPath: '/private' });
      expect(fs.statSync(existing).mode & 0o777).toBe(0o751);
    } finally {
      process.umask(old);
    }
  });

  it('restores only a sub-folder when subPath is given', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { top: { dir: { inner: { dir: { 'x.txt': 'x' } }, 'y.txt': 'y' } }, 'z.txt': 'z' });
    const target = scratch();
    await restore(repo, snap, { target, subPath: '/top/inner' });
    expect(fs.readdirSync(target)).toEqual(['x.txt']);
  });

  it('restores an included file with its parent folders and leaves the rest out', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, {
      d: { dir: { 'keep.txt': 'k', 'skip.txt': 's', e: { dir: { 'keep.txt': 'k2' } } }, extra: { mode: 0x80000000 + 0o750 } },
      'other.txt': 'o',
    });
    const target = scratch();
    await restore(repo, snap, { target, include: ['keep.txt'] });
    expect(fs.readdirSync(target)).toEqual(['d']);
    expect(fs.readdirSync(path.join(target, 'd')).sort()).toEqual(['e', 'keep.txt']);
    expect(read(path.join(target, 'd/e/keep.txt'))).toBe('k2');
    expect(fs.statSync(path.join(target, 'd')).mode & 0o777).toBe(0o750);
  });

  it('restores an included folder with everything below it', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { d: { dir: { e: { dir: { 'f.txt': 'f' } }, 'g.txt': 'g' } } });
    const target = scratch();
    await restore(repo, snap, { target, include: ['/d/e'] });
    expect(read(path.join(target, 'd/e/f.txt'))).toBe('f');
    expect(fs.existsSync(path.join(target, 'd/g.txt'))).toBe(false);
  });

  it('leaves out excluded entries, case-insensitively with iexclude', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { 'a.LOG': 'l', 'b.txt': 'b', cache: { dir: { 'c.txt': 'c' } } });
    const target = scratch();
    await restore(repo, snap, { target, exclude: ['/cache'], iexclude: ['*.log'] });
    expect(fs.readdirSync(target)).toEqual(['b.txt']);
  });

  it('restores hard links as links to one inode', async () => {
    const repo = await newRepo();
    const extra = { links: 2, inode: 77n, device_id: 5n };
    const snap = await snapshotFromSpec(repo, { one: { file: 'same', extra }, two: { file: 'same', extra } });
    const target = scratch();
    await restore(repo, snap, { target });
    expect(fs.statSync(path.join(target, 'one')).ino).toBe(fs.statSync(path.join(target, 'two')).ino);
    expect(fs.statSync(path.join(target, 'two')).nlink).toBe(2);
  });

  it('keeps files apart whose inodes differ only beyond 2^53', async () => {
    const repo = await newRepo();
    const extra = (inode: bigint): Partial<TreeNode> => ({ links: 2, inode, device_id: 2049n });
    const snap = await snapshotFromSpec(repo, {
      a: { file: 'AAAA', extra: extra(4611686018427387905n) },
      b: { file: 'BBBBBBBB', extra: extra(4611686018427387906n) },
    });
    const target = scratch();
    await restore(repo, snap, { target });
    expect(read(path.join(target, 'a'))).toBe('AAAA');
    expect(read(path.join(target, 'b'))).toBe('BBBBBBBB');
    expect(fs.statSync(path.join(target, 'a')).ino).not.toBe(fs.statSync(path.join(target, 'b')).ino);
  });

  it('creates fifos', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { pipe: { node: { type: 'fifo', mode: 0x2000000 + 0o640 } } });
    const target = scratch();
    await restore(repo, snap, { target });
    const st = fs.lstatSync(path.join(target, 'pipe'));
    expect(st.isFIFO()).toBe(true);
    expect(st.mode & 0o777).toBe(0o640);
  });

  it('creates a fifo and sets extended attributes under names that are not UTF-8, a trailing newline included', async () => {
    const repo = await newRepo();
    const xattrs = [{ name: 'user.k', value: Buffer.from('v') }];
    const snap = await snapshotFromSpec(repo, {
      'pipe\udcff\n': { node: { type: 'fifo', mode: 0x2000000 + 0o640 } },
      'f\udcfe': { file: 'x', extra: { extended_attributes: xattrs } },
      'd\udce9': { dir: {}, extra: { extended_attributes: xattrs } },
    });
    const target = scratch();
    const r = await restore(repo, snap, { target });
    expect(r.errors).toEqual([]);
    const at = (...bytes: number[]): Buffer => Buffer.concat([Buffer.from(target + '/'), Buffer.from(bytes)]);
    const pipe = fs.lstatSync(at(0x70, 0x69, 0x70, 0x65, 0xff, 0x0a));
    expect(pipe.isFIFO()).toBe(true);
    expect(pipe.mode & 0o777).toBe(0o640);
    for (const p of [at(0x66, 0xfe), at(0x64, 0xe9)]) {
      const value = execFileSync('sh', ['-c', 'p=$(cat; echo .); exec getfattr --only-values -n user.k -- "${p%.}"'], { input: p });
      expect(value.toString()).toBe('v');
    }
  });

  it('hands extended-attribute values to setfattr on standard input, never as arguments other users see in ps', async () => {
    // A wrapper in front of the real setfattr records each argument list, then runs it with the same input.
    const bin = scratch();
    const log = path.join(bin, 'argv.log');
    fs.writeFileSync(path.join(bin, 'setfattr'), `#!/bin/sh\necho "$*" >> '${log}'\nexec /usr/bin/setfattr "$@"\n`, { mode: 0o755 });
    const secret = Buffer.from('trusted-looking secret value');
    const xattrs = [
      { name: 'user.secret', value: secret },
      { name: 'user.a=b', value: Buffer.from([0, 1, 255]) },
      { name: 'user.empty', value: Buffer.alloc(0) },
    ];
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { 'f \\x=\n': { file: 'x', extra: { extended_attributes: xattrs } } });
    const target = scratch();
    const oldPath = process.env.PATH;
    process.env.PATH = `${bin}:${oldPath ?? ''}`;
    try {
      const r = await restore(repo, snap, { target });
      expect(r.errors).toEqual([]);
    } finally {
      process.env.PATH = oldPath;
    }
    const argv = fs.readFileSync(log, 'utf8');
    expect(argv).not.toContain(secret.toString('base64'));
    expect(argv).not.toContain(secret.toString());
    const file = path.join(target, 'f \\x=\n');
    const dump = execFileSync('getfattr', ['-h', '-d', '-e', 'hex', '-m', 'user\\.', '--', file], { encoding: 'utf8' });
    expect(dump).toContain(`user.secret=0x${secret.toString('hex')}`);
    expect(dump).toContain('user.a\\075b=0x0001ff');
    expect(dump).toContain('user.empty=0x');
  });

  it('sets a read-only folder mode only after its contents are written', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { ro: { dir: { 'f.txt': 'f' }, extra: { mode: 0x80000000 + 0o555 } } });
    const target = scratch();
    const r = await restore(repo, snap, { target });
    expect(r.errors).toEqual([]);
    expect(read(path.join(target, 'ro/f.txt'))).toBe('f');
    expect(fs.statSync(path.join(target, 'ro')).mode & 0o777).toBe(0o555);
    fs.chmodSync(path.join(target, 'ro'), 0o755);
  });

  it('writes nothing on a dry run but counts what it would restore', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { d: { dir: { 'f.txt': 'four' } } });
    const target = path.join(scratch(), 'never');
    const r = await restore(repo, snap, { target, dryRun: true });
    expect(fs.existsSync(target)).toBe(false);
    expect(r).toMatchObject({ filesRestored: 1, dirsRestored: 1, bytesRestored: 4 });
  });

  it('stops with an interrupted error when the signal is aborted', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { 'f.txt': 'f' });
    const ctl = new AbortController();
    ctl.abort();
    await expect(restore(repo, snap, { target: scratch(), signal: ctl.signal })).rejects.toSatisfy((e) => isCairnError(e, 'interrupted'));
  });

  it('reports restore-status progress ending at 100%', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { 'f.txt': 'hello' });
    const events: ProgressEvent[] = [];
    await restore(repo, snap, { target: scratch(), onProgress: (e) => events.push(e) });
    const last = events.filter((e) => e.kind === 'restore-status').at(-1);
    expect(last).toMatchObject({ percentDone: 1, totalFiles: 1, filesRestored: 1, totalBytes: 5, bytesRestored: 5 });
  });

  it('verification names a restored file whose bytes no longer match its blobs', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { 'good.txt': 'good', d: { dir: { 'bad.txt': { file: [Buffer.from('one'), Buffer.from('two')] } } } });
    const target = scratch();
    await restore(repo, snap, { target });
    fs.writeFileSync(path.join(target, 'd/bad.txt'), 'oneTWO');
    const plan = await planRestore(repo, snap, { treeId: snap.tree }, makeSelector({}));
    const failures = await verifyRestore(repo, target, plan.files);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ item: '/d/bad.txt', message: expect.stringMatching(/^chunk 1 /) as unknown });
  });

  it('restores to disk from a LocalBackend repository', async () => {
    const repo = await newRepo(new LocalBackend(path.join(scratch(), 'repo')));
    const snap = await snapshotFromSpec(repo, { d: { dir: { 'f.txt': 'on disk' } } });
    const target = scratch();
    const r = await restore(repo, snap, { target, verify: true });
    expect(read(path.join(target, 'd/f.txt'))).toBe('on disk');
    expect(r.verifyFailures).toEqual([]);
  });
});

describe('restore safety', () => {
  const hostile = async (name: string) => {
    const repo = await newRepo();
    const inner = await buildTree(repo, { 'evil.txt': 'pwned' });
    const node = { name, type: 'dir' as const, mode: 0x80000000 + 0o755, mtime: TIME, atime: TIME, ctime: TIME, uid: 0, gid: 0, content: null, subtree: inner };
    const snap = await snapshotOf(repo, await saveRawTree(repo, [node]));
    return { repo, snap };
  };

  for (const name of ['..', '.', '', 'a/b', '../../x', 'nul\0byte']) {
    it(`refuses a tree entry named ${JSON.stringify(name)} and writes nothing outside the target`, async () => {
      const { repo, snap } = await hostile(name);
      const outer = scratch();
      const target = path.join(outer, 'a', 'target');
      fs.mkdirSync(target, { recursive: true });
      const err: unknown = await restore(repo, snap, { target }).catch((e: unknown) => e);
      expect(isCairnError(err, 'corrupt')).toBe(true);
      expect((err as Error).message).toContain(snap.id.slice(0, 8));
      expect(fs.readdirSync(outer)).toEqual(['a']);
      expect(fs.readdirSync(path.join(outer, 'a'))).toEqual(['target']);
      expect(fs.readdirSync(target)).toEqual([]);
    });
  }

  it('refuses a tree with two entries of the same name', async () => {
    const repo = await newRepo();
    const n = { name: 'x', type: 'symlink' as const, mtime: TIME, atime: TIME, ctime: TIME, uid: 0, gid: 0, linktarget: '/etc', content: null };
    const snap = await snapshotOf(repo, await saveRawTree(repo, [n, { ...n, linktarget: '/tmp' }]));
    await expect(restore(repo, snap, { target: scratch() })).rejects.toSatisfy((e) => isCairnError(e, 'corrupt'));
  });

  it('does not follow symlinks already in the target', async () => {
    const repo = await newRepo();
    const snap = await snapshotFromSpec(repo, { d: { dir: { 'f.txt': 'new' } }, 'g.txt': 'new-g' });
    const outside = scratch();
    fs.writeFileSync(path.join(outside, 'f.txt'), 'precious');
    fs.writeFileSync(path.join(outside, 'victim'), 'precious');
    const target = scratch();
    fs.symlinkSync(outside, path.join(target, 'd'));
    fs.symlinkSync(path.join(outside, 'victim'), path.join(target, 'g.txt'));
    const r = await restore(repo, snap, { target });
    expect(r.errors).toEqual([]);
    expect(read(path.join(outside, 'f.txt'))).toBe('precious');
    expect(read(path.join(outside, 'victim'))).toBe('precious');
    expect(fs.lstatSync(path.join(target, 'd')).isDirectory()).toBe(true);
    expect(read(path.join(target, 'd/f.txt'))).toBe('new');
    expect(fs.lstatSync(path.join(target, 'g.txt')).isFile()).toBe(true);
    expect(read(path.join(target, 'g.txt'))).toBe('new-g');
  });

  it('does not write through a symlink the snapshot itself restores', async () => {
    const repo = await newRepo();
    const outside = scratch();
    // A symlink "d" to outside, then a hard link whose first name sits under "d" would escape; names are unique,
    // so the only way is a symlink and a folder of the same name, which the duplicate-name check refuses.
    const snap = await snapshotFromSpec(repo, { d: { symlink: outside }, e: { dir: { 'f.txt': 'f' } } });
    const target = scratch();
    await restore(repo, snap, { target });
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(fs.readlinkSync(path.join(target, 'd'))).toBe(outside);
  });
});
