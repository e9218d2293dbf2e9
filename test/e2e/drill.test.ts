import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, cairn, jsonLines, randomData } from '../harness/cli.js';

/** `cairn drill` (issue 11): restore, verify, time, clean up, report. */
describe('cairn drill', () => {
  let sb: Sandbox;
  let repo: string;
  let tmp: string;
  // --no-cache: a damaged pack must be read from the repository. TMPDIR: the drill's temporary folder goes there.
  const args = (...rest: string[]): string[] => ['--no-cache', '-r', repo, '-p', sb.path('pw'), ...rest];
  const drill = (...rest: string[]): ReturnType<typeof cairn> => cairn(sb, args('drill', ...rest), { env: { TMPDIR: tmp } });

  // One repository for all tests (each CLI run costs a Node start); the damaging tests work on copies of it.
  beforeAll(async () => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n', 0o600); // an open password file draws a warning
    repo = sb.path('repo');
    tmp = sb.path('tmp');
    fs.mkdirSync(tmp);
    expect((await cairn(sb, args('init'))).code).toBe(0);
    // Ten files of different sizes, a symlink and a read-only folder (the clean-up must still remove it).
    for (let i = 1; i <= 10; i++) sb.write(`src/f${i}.bin`, randomData(i * 3000, i));
    fs.symlinkSync('f1.bin', sb.path('src/link'));
    sb.write('src/ro/inner.txt', 'inner\n');
    fs.chmodSync(sb.path('src/ro'), 0o500);
    expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
  });
  afterAll(() => {
    fs.chmodSync(sb.path('src/ro'), 0o755);
    sb.cleanup();
  });

  /** A copy of the repository, for a test that changes it. */
  function copyRepo(name: string): string[] {
    const copy = sb.path(name);
    fs.cpSync(repo, copy, { recursive: true });
    return ['--no-cache', '-r', copy, '-p', sb.path('pw')];
  }

  it('checks every file of a healthy snapshot, reports counts and leaves no folder behind', async () => {
    const r = await drill();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/checked 12 files and \d+ folders .*: all 12 files/);
    expect(r.stdout).toMatch(/restore took [\d.]+ s/);
    expect(r.stdout).toMatch(/no problems/);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('--json prints one object with the documented fields', async () => {
    const r = await drill('latest', '--json');
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(1);
    const o = lines[0]!;
    expect(Object.keys(o).sort()).toEqual(
      [
        'message_type', 'snapshot_id', 'snapshot_time', 'hostname', 'paths', 'sample', 'seed', 'files_in_snapshot',
        'files_checked', 'dirs_checked', 'bytes_checked', 'bytes_restored', 'restore_seconds', 'verify_seconds',
        'mib_per_second', 'target', 'problems', 'ok',
      ].sort(),
    );
    const bytes = (55 * 3000) + 'inner\n'.length;
    expect(o).toMatchObject({ message_type: 'drill', sample: 'all', seed: null, files_in_snapshot: 12, files_checked: 12 });
    expect(o).toMatchObject({ bytes_checked: bytes, bytes_restored: bytes, problems: [], ok: true });
    expect(typeof o.restore_seconds).toBe('number');
    expect(String(o.target).startsWith(tmp)).toBe(true);
    expect(fs.existsSync(String(o.target))).toBe(false);
  });

  it('--sample picks the asked number of files, the same ones for the same seed', async () => {
    const json = async (...rest: string[]): Promise<Record<string, unknown>> => {
      const r = await drill(...rest, '--json');
      expect(r.code, r.stderr).toBe(0);
      return jsonLines(r.stdout)[0]!;
    };
    const three = await json('--sample', '3');
    expect(three).toMatchObject({ sample: '3', files_in_snapshot: 12, files_checked: 3 });
    expect(three.seed).toBe(three.snapshot_id);
    // 30% of 12 rounds up to 4.
    expect(await json('--sample', '30%')).toMatchObject({ files_checked: 4 });
    // The files differ in size: the same bytes checked means the same files (seededRandom's own tests show that
    // another seed picks others).
    expect(await json('--sample', '3')).toMatchObject({ bytes_checked: three.bytes_checked });
  });

  it('a flipped byte in a data pack makes it exit 1 naming the affected file', async () => {
    // Only f10.bin's 30000 bytes need a pack of this size: flip a byte in the largest pack.
    const damaged = copyRepo('damaged');
    const packs = fs.readdirSync(path.join(damaged[2]!, 'data'), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name))
      .sort((a, b) => fs.statSync(b).size - fs.statSync(a).size);
    const pack = packs[0]!;
    const bytes = fs.readFileSync(pack);
    bytes[100] = bytes[100]! ^ 0xff;
    fs.chmodSync(pack, 0o600);
    fs.writeFileSync(pack, bytes);
    const r = await cairn(sb, [...damaged, 'drill', '--json'], { env: { TMPDIR: tmp } });
    expect(r.code).toBe(1);
    const o = jsonLines(r.stdout)[0]!;
    expect(o.ok).toBe(false);
    const problems = o.problems as { path: string; message: string }[];
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((p) => p.path.startsWith(sb.path('src')))).toBe(true);
    expect(r.stderr).toMatch(new RegExp(`problem: ${sb.path('src')}/f\\d+\\.bin: `));
    expect(r.stderr).toMatch(/The drill found \d+ problems, in .*f\d+\.bin/);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('restores into a given empty folder and empties it again; refuses a non-empty one', async () => {
    const given = sb.path('given');
    fs.mkdirSync(given);
    const r = await drill('--target', given);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readdirSync(given)).toEqual([]);
    sb.write('given/keep.txt', 'mine');
    const refused = await drill('--target', given);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim()).toBe(`cairn: The drill target ${given} is not empty; give an empty or new folder.`);
    expect(fs.readdirSync(given)).toEqual(['keep.txt']);
  });

  it('bad --sample values get one sentence and exit 1', async () => {
    const bads = ['0%', '150%', 'x'];
    const runs = await Promise.all(bads.map((bad) => drill('--sample', bad)));
    for (const [i, bad] of bads.entries()) {
      const r = runs[i]!;
      expect(r.code, bad).toBe(1);
      expect(r.stderr.trim().split('\n'), bad).toEqual([
        `cairn: Invalid --sample "${bad}": use a percentage above 0% and at most 100% (like 10%) or a number of files of at least 1.`,
      ]);
    }
  });

  it('an interrupted drill removes its temporary folder', async () => {
    const big = copyRepo('big');
    sb.write('bigsrc/big.bin', randomData(32 * 1024 * 1024, 7));
    expect((await cairn(sb, [...big, 'backup', sb.path('bigsrc')])).code).toBe(0);
    const r = await cairn(sb, [...big, 'drill'], {
      env: { TMPDIR: tmp },
      signal: { name: 'SIGINT', when: () => fs.readdirSync(tmp).length > 0 },
    });
    expect(r.signalled).toBe(true);
    expect(r.code).toBe(130);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});
