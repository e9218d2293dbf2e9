import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, cairn, restic } from '../harness/cli.js';

const NO_STACK = /\n\s+at .+\(.+:\d+:\d+\)/;

/** One short error on stderr, no stack trace. */
function expectOneSentence(stderr: string): void {
  expect(stderr).not.toMatch(NO_STACK);
  expect(stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
  expect(stderr.trim().length).toBeGreaterThan(10);
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** Flips one byte near the start of the repository's largest pack (inside its first blob); returns its path. */
function corruptLargestPack(repo: string): string {
  const pack = filesUnder(path.join(repo, 'data')).sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
  fs.chmodSync(pack, 0o600);
  const bytes = fs.readFileSync(pack);
  bytes[100] = bytes[100]! ^ 0xff;
  fs.writeFileSync(pack, bytes);
  return pack;
}

describe('bad input', () => {
  let sb: Sandbox;
  let repo: string;
  const pw = (): string => sb.path('pw');
  const args = (...rest: string[]): string[] => ['-r', repo, '-p', pw(), ...rest];

  beforeEach(async () => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n');
    sb.write('src/a.txt', 'alpha\n');
    sb.write('src/b.bin', crypto.randomBytes(300_000));
    repo = sb.path('repo');
    const r = await cairn(sb, args('init'));
    expect(r.code, r.stderr).toBe(0);
  });
  afterEach(() => sb.cleanup());

  it('a wrong password exits 12 with one sentence', async () => {
    sb.write('bad-pw', 'wrong\n');
    const r = await cairn(sb, ['-r', repo, '-p', sb.path('bad-pw'), 'snapshots']);
    expect(r.code).toBe(12);
    expectOneSentence(r.stderr);
  });

  it('a missing repository exits 10', async () => {
    const r = await cairn(sb, ['-r', sb.path('nowhere'), '-p', pw(), 'snapshots']);
    expect(r.code).toBe(10);
    expectOneSentence(r.stderr);
  });

  it('a source path that does not exist fails clearly and writes no snapshot', async () => {
    const r = await cairn(sb, args('backup', sb.path('missing-folder')));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('missing-folder');
    expectOneSentence(r.stderr);
    expect(fs.readdirSync(path.join(repo, 'snapshots'))).toHaveLength(0);
  });

  it('a missing path among others is skipped with a warning: the rest is backed up, exit 3', async () => {
    const missing = sb.path('missing-folder');
    const r = await cairn(sb, args('backup', '--json', sb.path('src'), missing));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).not.toMatch(NO_STACK);
    const warnings = r.stderr.trim().split('\n').map((l) => JSON.parse(l) as { message_type: string; message: string });
    expect(warnings).toContainEqual({ message_type: 'warning', message: `${missing} does not exist, skipping` });
    // As restic 0.17+: the snapshot lists only the paths that were backed up.
    const snaps = await restic(sb, args('snapshots', '--json'));
    expect(snaps.code, snaps.stderr).toBe(0);
    const list = JSON.parse(snaps.stdout) as { paths: string[] }[];
    expect(list.map((s) => s.paths)).toEqual([[sb.path('src')]]);
    const text = await cairn(sb, args('backup', missing, sb.path('src')));
    expect(text.code).toBe(3);
    expect(text.stderr).toContain(`warning: ${missing} does not exist, skipping`);
    expect(text.stdout).toContain('using parent snapshot');
  });

  it('when no given path exists, the backup fails with exit 1 in one sentence and writes no snapshot', async () => {
    const r = await cairn(sb, args('backup', sb.path('gone-1'), sb.path('gone-2')));
    expect(r.code).toBe(1);
    expectOneSentence(r.stderr);
    expect(r.stderr).toContain('gone-1');
    expect(r.stderr).toContain('gone-2');
    expect(fs.readdirSync(path.join(repo, 'snapshots'))).toHaveLength(0);
  });

  it('an unreadable file gives exit 3, a snapshot of the rest, and a valid repository', async () => {
    sb.write('src/secret.txt', 'top secret\n', 0o600);
    execFileSync('chown', ['-R', 'nobody:nogroup', repo, sb.home]);
    fs.chmodSync(sb.path('src'), 0o755);
    fs.chmodSync(sb.path('src/a.txt'), 0o644);
    fs.chmodSync(sb.path('src/b.bin'), 0o644);
    fs.chmodSync(pw(), 0o644);
    const r = await cairn(sb, args('backup', sb.path('src')), { user: 'nobody' });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('secret.txt');
    expect(fs.readdirSync(path.join(repo, 'snapshots'))).toHaveLength(1);
    const check = await restic(sb, args('check', '--read-data'));
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('a folder that cannot be listed is one error, not also an extended-attribute warning, and left out; an excluded one is neither', async () => {
    fs.mkdirSync(sb.path('src/locked'), { mode: 0o000 });
    fs.mkdirSync(sb.path('src/skipped'), { mode: 0o000 });
    execFileSync('setfattr', ['-n', 'user.k', '-v', 'v', sb.path('src/a.txt')]);
    execFileSync('chown', ['-R', 'nobody:nogroup', repo, sb.home]);
    fs.chmodSync(sb.path('src'), 0o755);
    fs.chmodSync(pw(), 0o644);
    const r = await cairn(sb, args('backup', '--exclude', 'skipped', sb.path('src')), { user: 'nobody' });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain('locked');
    expect(r.stderr).not.toContain('skipped');
    expect(r.stderr).not.toMatch(/extended attributes/);
    const ls = await cairn(sb, args('ls', '--json', 'latest', sb.path('src')));
    expect(ls.stdout).toContain('a.txt');
    // Left out, as restic does, not stored as an empty folder that would restore as if it had been empty.
    expect(ls.stdout).not.toContain('locked');
  });

  it('a corrupt pack is named by check --read-data, which exits 1', async () => {
    expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
    const pack = corruptLargestPack(repo);
    const r = await cairn(sb, args('check', '--read-data'));
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain(path.basename(pack).slice(0, 8));
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('a corrupt blob during restore fails only its file, names it, restores the rest and exits 1', async () => {
    sb.write('src/c.bin', crypto.randomBytes(300_000));
    expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
    corruptLargestPack(repo);
    const r = await cairn(sb, args('restore', 'latest', '--target', sb.path('out')));
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(NO_STACK);
    const restored = (name: string): Buffer | undefined => {
      const file = path.join(sb.path('out'), sb.path('src'), name);
      return fs.existsSync(file) ? fs.readFileSync(file) : undefined;
    };
    const intact = ['a.txt', 'b.bin', 'c.bin'].filter((n) => restored(n)?.equals(fs.readFileSync(sb.path(`src/${n}`))));
    const damaged = ['a.txt', 'b.bin', 'c.bin'].filter((n) => !intact.includes(n));
    expect(damaged).toHaveLength(1);
    expect(r.stderr).toContain(damaged[0]);
  });

  it('a full disk during restore stops with one sentence', async () => {
    const mnt = sb.path('small-target');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]);
    try {
      sb.write('src/big.bin', crypto.randomBytes(12 * 1024 * 1024));
      expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
      const r = await cairn(sb, args('restore', 'latest', '--target', mnt));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/space/i);
      expectOneSentence(r.stderr);
    } finally {
      execFileSync('umount', ['-l', mnt]);
    }
  });

  it('a corrupt index file gives a clear error, not a stack trace', async () => {
    expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
    const index = filesUnder(path.join(repo, 'index'))[0]!;
    fs.chmodSync(index, 0o600);
    fs.writeFileSync(index, Buffer.from('garbage that is not an index file'));
    // --no-cache: the cache still holds the intact copy, which Cairn (like restic) would rightly use.
    const r = await cairn(sb, args('--no-cache', 'restore', 'latest', '--target', sb.path('out')));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/index/i);
    expectOneSentence(r.stderr);
  });

  it('a locked repository exits 11', async () => {
    const fifo = sb.path('pw.fifo');
    execFileSync('mkfifo', [fifo]);
    // restic holds an exclusive lock while it waits for the new password.
    const holder = spawn('restic', ['--no-cache', '-r', repo, '-p', pw(), 'key', 'passwd', '--new-password-file', fifo], {
      stdio: 'ignore',
    });
    try {
      for (let i = 0; i < 100 && fs.readdirSync(path.join(repo, 'locks')).length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      const r = await cairn(sb, args('backup', sb.path('src')));
      expect(r.code).toBe(11);
      expect(r.stderr).toMatch(/lock/i);
      expectOneSentence(r.stderr);
    } finally {
      fs.writeFileSync(fifo, 'secret\n');
      await new Promise((r) => holder.on('close', r));
    }
  });

  it('Ctrl-C during a backup exits 130, writes no snapshot and leaves the repository valid', async () => {
    const r = await cairn(
      sb,
      args('backup', '--stdin-from-command', '--', 'sh', '-c', 'head -c 3000000 /dev/urandom; sleep 30'),
      { interruptAfterMs: 2500 },
    );
    expect(r.code).toBe(130);
    expect(fs.readdirSync(path.join(repo, 'snapshots'))).toHaveLength(0);
    expect(fs.readdirSync(path.join(repo, 'locks'))).toHaveLength(0);
    const check = await restic(sb, args('check', '--read-data'));
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('a failing --stdin-from-command writes no snapshot and exits 1', async () => {
    const r = await cairn(sb, args('backup', '--stdin-from-command', '--', 'sh', '-c', 'echo partial; exit 7'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/7/);
    expect(fs.readdirSync(path.join(repo, 'snapshots'))).toHaveLength(0);
  });

  it('a full disk during backup fails with one sentence and leaves the repository valid', async () => {
    const mnt = sb.path('small-disk');
    fs.mkdirSync(mnt);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', mnt]);
    try {
      const small = path.join(mnt, 'repo');
      expect((await cairn(sb, ['-r', small, '-p', pw(), 'init'])).code).toBe(0);
      sb.write('big/random.bin', crypto.randomBytes(12 * 1024 * 1024));
      const r = await cairn(sb, ['-r', small, '-p', pw(), '--pack-size', '4', 'backup', sb.path('big')]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/full|space/i);
      expectOneSentence(r.stderr);
      const check = await restic(sb, ['-r', small, '-p', pw(), 'check']);
      expect(check.code, check.stdout + check.stderr).toBe(0);
    } finally {
      execFileSync('umount', ['-l', mnt]);
    }
  });
});
