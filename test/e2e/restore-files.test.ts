import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, Sandbox, cairn, randomData } from '../harness/cli.js';

const CAIRN = path.join(ROOT, 'bin/cairn.js');

/** Runs the CLI under a lower open-file limit (the soft one, as `ulimit -n` in a shell sets it). */
function cairnWithFileLimit(sb: Sandbox, limit: number, args: string[]): { code: number | null; stderr: string } {
  const quoted = [process.execPath, CAIRN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `ulimit -n ${limit} && exec ${quoted}`], { cwd: sb.dir, env: sb.env(), encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}

const FILES = 20_000;
const FOLDERS = 100;

describe('restore of many small files', () => {
  const sb = new Sandbox();
  const repo = sb.path('repo');
  const expected = new Map<string, string>();
  beforeAll(async () => {
    sb.write('pw', 'secret');
    for (let f = 0; f < FOLDERS; f++) fs.mkdirSync(sb.path('src', `d${f}`), { recursive: true });
    for (let i = 0; i < FILES; i++) {
      const rel = path.join(`d${i % FOLDERS}`, `f${i}`);
      const data = randomBytes(i % 2049);
      fs.writeFileSync(sb.path('src', rel), data);
      expected.set(rel, createHash('sha256').update(data).digest('hex'));
    }
    expect((await cairn(sb, ['-r', repo, '-p', sb.path('pw'), 'init'])).code).toBe(0);
    const backup = await cairn(sb, ['-r', repo, '-p', sb.path('pw'), 'backup', '.'], { cwd: sb.path('src') });
    expect(backup.code, backup.stderr).toBe(0);
  });
  afterAll(() => sb.cleanup());

  it('restores every file with only 256 open files allowed', () => {
    const r = cairnWithFileLimit(sb, 256, ['-r', repo, '-p', sb.path('pw'), 'restore', 'latest', '-t', sb.path('out')]);
    expect(r.stderr).not.toMatch(/EMFILE|ignoring error/);
    expect(r.code).toBe(0);
    // Backed up as '.' from inside src: the snapshot's paths are relative to it.
    const root = sb.path('out');
    let restored = 0;
    for (const [rel, hash] of expected) {
      expect(createHash('sha256').update(fs.readFileSync(path.join(root, rel))).digest('hex'), rel).toBe(hash);
      restored++;
    }
    expect(restored).toBe(FILES);
  });
});

describe('restore --sparse', () => {
  const sb = new Sandbox();
  afterAll(() => sb.cleanup());

  it('leaves a long run of zeros (and zeros at the end) as holes, with the exact content', async () => {
    const MiB = 1 << 20;
    const content = Buffer.concat([randomData(MiB, 1), Buffer.alloc(40 * MiB), randomData(MiB, 2), Buffer.alloc(20 * MiB)]);
    sb.write('src/disk.img', content);
    const repo = sb.path('repo');
    sb.write('pw', 'secret');
    expect((await cairn(sb, ['-r', repo, '-p', sb.path('pw'), 'init'])).code).toBe(0);
    expect((await cairn(sb, ['-r', repo, '-p', sb.path('pw'), 'backup', 'disk.img'], { cwd: sb.path('src') })).code).toBe(0);
    for (const [dir, sparse] of [['dense', false], ['sparse', true]] as const) {
      const args = ['-r', repo, '-p', sb.path('pw'), 'restore', 'latest', '-t', sb.path(dir), ...(sparse ? ['--sparse'] : [])];
      const r = await cairn(sb, args);
      expect(r.code, r.stderr).toBe(0);
    }
    const file = (dir: string): string => sb.path(dir, 'disk.img');
    const sparse = fs.statSync(file('sparse'));
    expect(sparse.size).toBe(content.length);
    expect(fs.readFileSync(file('sparse')).equals(content)).toBe(true);
    // Allocated bytes: the two random MiB and whatever the zero runs' edges share with them, far below 62 MiB.
    expect(sparse.blocks * 512).toBeLessThan(16 * MiB);
    expect(fs.statSync(file('dense')).blocks * 512).toBeGreaterThanOrEqual(content.length);
  });
});
