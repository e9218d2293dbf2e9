import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Sandbox, cairn } from '../harness/cli.js';

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** Empties a repository file (files are written read-only). */
function empty(file: string): void {
  fs.chmodSync(file, 0o600);
  fs.writeFileSync(file, '');
}

/** What one damaged part of a repository does to the commands that meet it (issue 18). */
describe('a damaged repository', () => {
  let sb: Sandbox;
  let repo: string;
  // --no-cache: the cache holds intact copies, which Cairn (like restic) would rightly use.
  const args = (...rest: string[]): string[] => ['--no-cache', '-r', repo, '-p', sb.path('pw'), ...rest];

  beforeEach(async () => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n', 0o600); // an open password file draws a warning
    repo = sb.path('repo');
    expect((await cairn(sb, args('init'))).code).toBe(0);
  });
  afterEach(() => sb.cleanup());

  it('restore writes every readable folder, names the unreadable one once and exits 1', async () => {
    // The first backup holds no data, only trees: its one pack holds the tree of broken/ first (children first).
    sb.write('src/broken/empty.txt', '');
    expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
    const [treePack] = filesUnder(path.join(repo, 'data'));
    sb.write('src/good/g.txt', 'good\n');
    sb.write('src/top.txt', 'top\n');
    expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
    const bytes = fs.readFileSync(treePack!);
    bytes[10] = bytes[10]! ^ 0xff;
    fs.chmodSync(treePack!, 0o600);
    fs.writeFileSync(treePack!, bytes);

    const r = await cairn(sb, args('restore', 'latest', '--target', sb.path('out'), '--verify'));
    expect(r.code).toBe(1);
    const src = path.join(sb.path('out'), sb.path('src'));
    expect(fs.readFileSync(path.join(src, 'good/g.txt'), 'utf8')).toBe('good\n');
    expect(fs.readFileSync(path.join(src, 'top.txt'), 'utf8')).toBe('top\n');
    expect(fs.readdirSync(path.join(src, 'broken'))).toEqual([]);
    const lines = r.stderr.trim().split('\n');
    expect(lines.filter((l) => l.includes('/src/broken'))).toHaveLength(1);
    expect(r.stderr).toMatch(/src\/broken: cannot read this folder's contents/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/There were 1 errors while restoring/);
  });

  it('an empty snapshot file is skipped with a warning by snapshots, restore latest and backup', async () => {
    sb.write('src/a.txt', 'one\n');
    expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
    const [older] = fs.readdirSync(path.join(repo, 'snapshots'));
    sb.write('src/a.txt', 'two\n');
    expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
    const newer = fs.readdirSync(path.join(repo, 'snapshots')).find((n) => n !== older)!;
    empty(path.join(repo, 'snapshots', newer));
    const named = new RegExp(`^warning: skipped the damaged snapshot file snapshots/${newer} \\(.+\\)\\.$`);

    const list = await cairn(sb, args('snapshots'));
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(older!.slice(0, 8));
    expect(list.stdout).not.toContain(newer.slice(0, 8));
    expect(list.stderr.trim()).toMatch(named);

    const restored = await cairn(sb, args('restore', 'latest', '--target', sb.path('out')));
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stderr.trim()).toMatch(named);
    expect(restored.stdout).toContain(`restoring snapshot ${older!.slice(0, 8)}`);
    expect(fs.readFileSync(path.join(sb.path('out'), sb.path('src/a.txt')), 'utf8')).toBe('one\n');

    const again = await cairn(sb, args('backup', sb.path('src')));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr.trim()).toMatch(named);
    expect(again.stdout).toContain(`using parent snapshot ${older!.slice(0, 8)}`);
  });

  it('check says it read data only when it did', async () => {
    sb.write('src/a.txt', 'one\n');
    expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
    const plain = await cairn(sb, args('check'));
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).not.toMatch(/read all data/);
    const read = await cairn(sb, args('check', '--read-data'));
    expect(read.code, read.stderr).toBe(0);
    expect(read.stdout).toMatch(/read all data/);
  });

  it('restore to a missing folder on a read-only mount says the file system is read-only', async (t) => {
    sb.write('src/a.txt', 'one\n');
    expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
    const mnt = sb.path('ro');
    fs.mkdirSync(mnt);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=64k', 'tmpfs', mnt], { stdio: 'ignore' });
    } catch {
      return t.skip();
    }
    try {
      const r = await cairn(sb, args('restore', 'latest', '--target', path.join(mnt, 'out')));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/read-only/);
      expect(r.stderr).not.toMatch(/does not exist/);
    } finally {
      execFileSync('umount', ['-l', mnt]);
    }
  });
});
