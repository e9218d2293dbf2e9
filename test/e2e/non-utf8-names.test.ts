import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, cairn, restic } from '../harness/cli.js';

/** A path below `dir` whose last component holds raw bytes (not necessarily UTF-8). */
function at(dir: string, ...bytes: (string | number[])[]): Buffer {
  const parts = bytes.map((b) => (typeof b === 'string' ? Buffer.from(b) : Buffer.from(b)));
  return Buffer.concat([Buffer.from(dir + '/'), ...parts]);
}

/** Runs a shell line with `$1` = the given bytes (Node cannot pass non-UTF-8 arguments itself). */
function shWithPath(line: string, p: Buffer): void {
  execFileSync('sh', ['-c', `p=$(cat; echo .); p=\${p%.}; ${line}`], { input: p });
}

/**
 * Names, kinds, sizes, contents, link targets (all as hex bytes) and extended attributes of everything below `dir`:
 * a byte-exact picture that a lossy name or target changes.
 */
function byteDigest(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: Buffer, rel: string): void => {
    for (const name of fs.readdirSync(abs, { encoding: 'buffer' }).sort((a, b) => Buffer.compare(a, b))) {
      const p = Buffer.concat([abs, Buffer.from('/'), name]);
      const r = `${rel}/${name.toString('hex')}`;
      const st = fs.lstatSync(p);
      if (st.isSymbolicLink()) out.push(`${r} link ${fs.readlinkSync(p, { encoding: 'buffer' }).toString('hex')}`);
      else if (st.isFIFO()) out.push(`${r} fifo`);
      else if (st.isFile()) out.push(`${r} file ${fs.readFileSync(p).toString('hex')}`);
      else if (st.isDirectory()) {
        out.push(`${r} dir`);
        walk(p, r);
      } else out.push(`${r} other`);
    }
  };
  walk(Buffer.from(dir), '');
  // getfattr escapes the bytes of names as octal, so its text output shows them exactly.
  const xattrs = execFileSync('getfattr', ['-R', '-h', '-d', '-m', 'user\\.', '-e', 'hex', '.'], { cwd: dir });
  return [...out, ...xattrs.toString('latin1').split('\n').filter((l) => l !== '')];
}

/** Makes a folder whose names, FIFO name, symlink target and xattr-carrying file are not valid UTF-8. */
function makeSource(sb: Sandbox): string {
  const src = sb.path('src');
  fs.mkdirSync(src);
  fs.writeFileSync(at(src, 'file', [0xff]), 'latin-1 named file\n');
  fs.writeFileSync(at(src, 'plain.txt'), 'plain\n');
  fs.mkdirSync(at(src, 'caf', [0xe9]));
  fs.writeFileSync(at(src, 'caf', [0xe9], '/inner', [0xfe]), 'inside a non-UTF-8 folder\n');
  fs.symlinkSync(Buffer.from([0x74, 0x67, 0x74, 0xfc, 0x2f, 0x61]), at(src, 'link', [0xfd]));
  shWithPath('mkfifo -- "$p"', at(src, 'fifo', [0xfe]));
  shWithPath('setfattr -n user.note -v hello -- "$p"', at(src, 'file', [0xff]));
  shWithPath('setfattr -n user.dir -v folder -- "$p"', at(src, 'caf', [0xe9]));
  return src;
}

describe('names that are not valid UTF-8', () => {
  let sb: Sandbox;
  let src: string;
  const pw = (): string => sb.path('pw');
  beforeAll(() => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n', 0o600); // an open password file draws a warning
    src = makeSource(sb);
  });
  afterAll(() => sb.cleanup());

  it('Cairn backs them up and restores every byte: names, FIFO, symlink target, xattrs', async () => {
    const repo = sb.path('cairn-repo');
    expect((await cairn(sb, ['-r', repo, '-p', pw(), 'init'])).code).toBe(0);
    const b = await cairn(sb, ['-r', repo, '-p', pw(), 'backup', src]);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stderr).toBe('');
    const target = sb.path('cairn-restored');
    const r = await cairn(sb, ['-r', repo, '-p', pw(), 'restore', 'latest', '--target', target, '--verify']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(byteDigest(target + src)).toEqual(byteDigest(src));
  });

  /** restic's own backup of the source (repository) and its restore of it (folder), made once. */
  let baseline: Promise<{ repo: string; restored: string }> | undefined;
  const resticBaseline = (): Promise<{ repo: string; restored: string }> =>
    (baseline ??= (async () => {
      const repo = sb.path('restic-repo');
      expect((await restic(sb, ['-r', repo, '-p', pw(), 'init', '--repository-version', '2'])).code).toBe(0);
      expect((await restic(sb, ['-r', repo, '-p', pw(), 'backup', src])).code).toBe(0);
      const restored = sb.path('restic-from-restic');
      const r = await restic(sb, ['-r', repo, '-p', pw(), 'restore', 'latest', '--target', restored]);
      expect(r.code, r.stderr).toBe(0);
      return { repo, restored };
    })());

  it('restic 0.14 restores from a Cairn backup what it restores from its own backup of the same folder', async () => {
    const cairnRepo = sb.path('cairn-repo-2');
    expect((await cairn(sb, ['-r', cairnRepo, '-p', pw(), 'init'])).code).toBe(0);
    const b = await cairn(sb, ['-r', cairnRepo, '-p', pw(), 'backup', src]);
    expect(b.code, b.stderr).toBe(0);
    const check = await restic(sb, ['-r', cairnRepo, '-p', pw(), 'check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const fromCairn = sb.path('restic-from-cairn');
    const r = await restic(sb, ['-r', cairnRepo, '-p', pw(), 'restore', 'latest', '--target', fromCairn]);
    expect(r.code, r.stderr).toBe(0);
    const digest = byteDigest(fromCairn + src);
    expect(digest).toEqual(byteDigest((await resticBaseline()).restored + src));
    // restic 0.14 keeps names exact but reads a link target as text: the invalid byte comes back as U+FFFD.
    expect(digest).toContain(`/${Buffer.from('link\xfd', 'latin1').toString('hex')} link 746774efbfbd2f61`);
    expect(digest).toContain(`/${Buffer.from('file\xff', 'latin1').toString('hex')} file ${Buffer.from('latin-1 named file\n').toString('hex')}`);
  });

  it('Cairn restores a restic 0.14 backup of them as restic does', async () => {
    const { repo, restored } = await resticBaseline();
    const target = sb.path('cairn-from-restic');
    const r = await cairn(sb, ['-r', repo, '-p', pw(), 'restore', 'latest', '--target', target]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(byteDigest(target + src)).toEqual(byteDigest(restored + src));
  });
});
