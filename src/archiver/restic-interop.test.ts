import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LocalBackend } from '../backend/local/index.js';
import { Repository } from '../repository/index.js';
import { listSnapshots } from '../snapshot/index.js';
import { RESTIC } from '../../test/harness/restic.js';
import { backupPaths, randomBytesSeeded, tempDir, writeTree } from './test-support.js';

const SCRYPT = { N: 1024, r: 8, p: 1 };

function restic(repoDir: string, pwFile: string, ...args: string[]): string {
  return execFileSync(RESTIC!, ['-r', repoDir, '--password-file', pwFile, '--no-cache', '-q', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A mixed folder: text, random multi-chunk data, duplicates, empty files, an executable, links. */
function makeDataset(root: string): void {
  const text = Array.from({ length: 30_000 }, (_, i) => `line ${i} of some compressible text\n`).join('');
  writeTree(root, {
    'docs/readme.txt': 'hello restic\n',
    'docs/long.txt': text,
    'docs/empty.txt': '',
    'bin/run.sh': '#!/bin/sh\necho hi\n',
    'media/random.bin': randomBytesSeeded(6 << 20, 11),
    'media/dup-a.bin': randomBytesSeeded(700_000, 5),
    'media/dup-b.bin': randomBytesSeeded(700_000, 5),
    'deep/a/b/c/d.json': '{"x":1}',
    'emptydir/': '',
  });
  for (let i = 0; i < 200; i++) fs.writeFileSync(path.join(root, 'docs', `small-${i}.txt`), `small file ${i}\n`);
  fs.chmodSync(path.join(root, 'bin/run.sh'), 0o755);
  fs.chmodSync(path.join(root, 'docs/readme.txt'), 0o600);
  fs.symlinkSync('../docs/readme.txt', path.join(root, 'bin/link'));
  if (fs.existsSync('/usr/bin/setfattr')) {
    execFileSync('setfattr', ['-n', 'user.note', '-v', 'kept', path.join(root, 'docs/readme.txt')]);
  }
}

/** relative path → [type, mode & 0o7777, sha-ish content or link target] for every entry below root. */
function describeTree(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (rel: string): void => {
    const p = path.join(root, rel);
    const st = fs.lstatSync(p);
    let what: string;
    if (st.isSymbolicLink()) what = `link ${fs.readlinkSync(p)}`;
    else if (st.isDirectory()) what = `dir ${(st.mode & 0o7777).toString(8)}`;
    else what = `file ${(st.mode & 0o7777).toString(8)} ${fs.readFileSync(p).toString('base64').slice(0, 64)} ${st.size}`;
    if (rel !== '') out.set(rel, what);
    if (st.isDirectory()) for (const n of fs.readdirSync(p)) visit(path.join(rel, n));
  };
  visit('');
  return out;
}

describe.skipIf(!RESTIC)('restic 0.14 interop', () => {
  let work: string;
  let pw: string;

  beforeAll(() => {
    work = tempDir('cairn-interop-');
    pw = path.join(work, 'password');
    fs.writeFileSync(pw, 'secret\n');
    makeDataset(path.join(work, 'data'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('restic checks and restores what Cairn backed up, byte for byte with modes', async () => {
    const repoDir = path.join(work, 'cairn-repo');
    const repo = await Repository.init(new LocalBackend(repoDir), { password: 'secret', scryptParams: SCRYPT });
    const res = await backupPaths(repo, { paths: ['data'], cwd: work, hostname: 'interop', workers: 0, tags: ['t'] });
    await repo.close();
    expect(res.sourceErrors).toEqual([]);
    restic(repoDir, pw, 'check', '--read-data');
    const snaps = JSON.parse(restic(repoDir, pw, 'snapshots', '--json')) as { id: string; paths: string[] }[];
    expect(snaps.map((s) => s.id)).toEqual([res.snapshotId]);
    const target = path.join(work, 'restored');
    restic(repoDir, pw, 'restore', 'latest', '--target', target);
    expect(describeTree(path.join(target, 'data'))).toEqual(describeTree(path.join(work, 'data')));
    if (fs.existsSync('/usr/bin/getfattr')) {
      const attrs = execFileSync('getfattr', ['-d', path.join(target, 'data/docs/readme.txt')], { encoding: 'utf8' });
      expect(attrs).toContain('user.note="kept"');
    }
  });

  it('backing up restic-backed-up data again into restic’s repository adds no data blobs', async () => {
    const repoDir = path.join(work, 'restic-repo');
    restic(repoDir, pw, 'init', '--repository-version', '2');
    execFileSync(RESTIC!, ['-r', repoDir, '--password-file', pw, '--no-cache', '-q', 'backup', 'data'], { cwd: work });
    const repo = await Repository.open(new LocalBackend(repoDir), { password: 'secret' });
    const res = await backupPaths(repo, { paths: ['data'], cwd: work, hostname: 'interop', workers: 0 });
    await repo.close();
    expect(res.summary.data_blobs).toBe(0);
    expect(res.summary.files_new).toBeGreaterThan(200);
    restic(repoDir, pw, 'check');
    // restic's own snapshot works as a parent: nothing is read again.
    const again = await Repository.open(new LocalBackend(repoDir), { password: 'secret' });
    const resticSnap = (await listSnapshots(again)).find((s) => s.id !== res.snapshotId)!;
    const openSpy = vi.spyOn(fsp, 'open');
    const third = await backupPaths(again, { paths: ['data'], cwd: work, hostname: 'interop', workers: 0, parent: resticSnap });
    await again.close();
    const sourceOpens = openSpy.mock.calls.map((c) => String(c[0])).filter((p) => p.startsWith(path.join(work, 'data')));
    expect(sourceOpens).toEqual([]);
    expect(third.summary.files_new).toBe(0);
    expect(third.summary.data_blobs).toBe(0);
    // Reused content counts as unmodified, as in restic, even where restic's node differs (atime = mtime, …).
    expect(third.summary.files_changed).toBe(0);
    expect(third.summary.files_unmodified).toBe(res.summary.files_new);
  });

  it('restic restores a backup during which files and folders were replaced or vanished, without them', async () => {
    const src = path.join(work, 'changing');
    writeTree(src, {
      'keep.txt': 'kept\n',
      'zz-link': 'a file that becomes a symlink to a secret',
      'zz-fifo': 'a file that becomes a FIFO',
      'dir-link/x': 'a folder that becomes a symlink',
      'dir-gone/y': 'a folder that vanishes',
      'sub/kept/z': 'deeper, unchanged',
    });
    fs.writeFileSync(path.join(work, 'secret'), 'secret\n', { mode: 0o600 });
    const changes: Record<string, (p: string) => void> = {
      'zz-link': (p) => fs.symlinkSync(path.join(work, 'secret'), p),
      'zz-fifo': (p) => execFileSync('mkfifo', [p]),
      'dir-link': (p) => fs.symlinkSync(path.join(work, 'data'), p),
      'dir-gone': () => undefined,
    };
    const beforeOpen = (p: string): void => {
      const change = changes[path.relative(src, p)];
      if (change === undefined) return;
      fs.rmSync(p, { recursive: true });
      change(p);
    };
    const repoDir = path.join(work, 'changing-repo');
    const repo = await Repository.init(new LocalBackend(repoDir), { password: 'secret', scryptParams: SCRYPT });
    const res = await backupPaths(repo, { paths: ['changing'], cwd: work, hostname: 'interop', workers: 0, hooks: { beforeOpen } });
    await repo.close();
    expect(res.sourceErrors.map((e) => path.relative(src, e.item)).sort()).toEqual(Object.keys(changes).sort());
    restic(repoDir, pw, 'check', '--read-data');
    const target = path.join(work, 'changing-restored');
    restic(repoDir, pw, 'restore', 'latest', '--target', target);
    // What is left of the source once the replacements are gone (describeTree would block reading the FIFO).
    for (const name of Object.keys(changes)) fs.rmSync(path.join(src, name), { recursive: true, force: true });
    const expected = describeTree(src);
    expect([...expected.keys()].sort()).toEqual(['keep.txt', 'sub', 'sub/kept', 'sub/kept/z']);
    expect(describeTree(path.join(target, 'changing'))).toEqual(expected);
  });
});
