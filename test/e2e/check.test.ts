/**
 * `cairn check` on damaged repositories: the damaged and missing packs, and the snapshots and files they break, are
 * named; `--read-data-subset n/t` reads the packs restic 0.14 reads; bad input is one sentence and exit 1;
 * `--with-cache` uses the local cache, otherwise a temporary one is used and removed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESTIC } from '../harness/restic.js';
import { Sandbox, cairn, randomData, restic } from '../harness/cli.js';

function packFiles(repo: string): string[] {
  const data = path.join(repo, 'data');
  return fs
    .readdirSync(data)
    .flatMap((d) => fs.readdirSync(path.join(data, d)).map((f) => path.join(data, d, f)))
    .sort();
}

function flip(file: string, offset: number): void {
  fs.chmodSync(file, 0o600);
  const bytes = fs.readFileSync(file);
  bytes[offset] = bytes[offset]! ^ 0xff;
  fs.writeFileSync(file, bytes);
}

/** The pack ids named in lines matching `re` (group 1), sorted. */
function named(text: string, re: RegExp): string[] {
  return [...new Set([...text.matchAll(re)].map((m) => m[1]!))].sort();
}

describe('cairn check', () => {
  let sb: Sandbox;
  let repo: string;
  const args = (...rest: string[]): string[] => ['-r', repo, '-p', sb.path('pw'), ...rest];

  beforeEach(() => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n');
    repo = sb.path('repo');
  });
  afterEach(() => sb.cleanup());

  it('names a deleted pack, a truncated one and a flipped bit, and the snapshot files that use them', async () => {
    expect((await cairn(sb, args('init'))).code).toBe(0);
    const packsOf: Record<string, string> = {};
    for (const [i, name] of ['gone.txt', 'cut.txt', 'flip.txt'].entries()) {
      const before = new Set(packFiles(repo));
      sb.write(`src/sub/${name}`, randomData(20_000, i + 7));
      expect((await cairn(sb, args('--no-cache', 'backup', sb.path('src')))).code).toBe(0);
      // Each backup adds one data pack (the new file) and one tree pack; the data pack is the larger one.
      const added = packFiles(repo).filter((f) => !before.has(f));
      packsOf[name] = added.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0]!;
    }
    fs.rmSync(packsOf['gone.txt']!);
    fs.chmodSync(packsOf['cut.txt']!, 0o600);
    fs.truncateSync(packsOf['cut.txt']!, 100);
    flip(packsOf['flip.txt']!, 40);

    const r = await cairn(sb, args('check', '--read-data'));
    expect(r.code).toBe(1);
    const id = (name: string): string => path.basename(packsOf[name]!);
    expect(r.stderr).toContain(`error: pack ${id('gone.txt')} does not exist`);
    expect(r.stderr).toMatch(new RegExp(`error: pack ${id('cut.txt')}: size 100 does not match`));
    expect(r.stderr).toMatch(new RegExp(`error: pack ${id('flip.txt')}: blob [0-9a-f]{64}: `));
    const file = (name: string): string => `${sb.path('src/sub', name)} uses`;
    // The first snapshot holds gone.txt only; the third all three files.
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('snapshot '));
    expect(lines.filter((l) => l.includes(file('gone.txt')))).toHaveLength(3);
    expect(lines.filter((l) => l.includes(file('cut.txt')))).toHaveLength(2);
    expect(lines.filter((l) => l.includes(file('flip.txt')))).toHaveLength(1);
    expect(lines).toHaveLength(6);
    expect(lines.find((l) => l.includes(file('flip.txt')))).toMatch(
      new RegExp(
        `^snapshot [0-9a-f]{8}: .* uses damaged data blob [0-9a-f]{64} \\(pack ${id('flip.txt')}\\)$`,
      ),
    );
    expect(lines.find((l) => l.includes(file('gone.txt')))).toContain(`of missing pack ${id('gone.txt')}`);
    expect(lines.find((l) => l.includes(file('cut.txt')))).toContain(`of damaged pack ${id('cut.txt')}`);
    expect(r.stderr).toMatch(/contains errors; damaged packs: .*; missing packs: /);

    const json = await cairn(sb, args('--json', 'check', '--read-data'));
    expect(json.code).toBe(1);
    const summary = JSON.parse(json.stdout.trim().split('\n').at(-1)) as Record<string, unknown>;
    expect(summary).toMatchObject({
      message_type: 'summary',
      affected_total: 6,
      missing_packs: [id('gone.txt')],
    });
    expect(summary['broken_packs']).toEqual([id('cut.txt'), id('flip.txt')].sort());
  });

  it('with more than 64 MiB to read (verified in two worker threads) names each damaged pack and blob', async () => {
    expect((await cairn(sb, args('init'))).code).toBe(0);
    for (let i = 0; i < 7; i++) sb.write(`src/big-${i}.bin`, randomData(10 << 20, 40 + i));
    expect((await cairn(sb, args('backup', '-q', sb.path('src')))).code).toBe(0);
    const healthy = await cairn(sb, args('check', '--read-data'));
    expect(healthy.code, healthy.stderr).toBe(0);
    const data = packFiles(repo).filter((f) => fs.statSync(f).size > 1 << 20);
    expect(data.length).toBeGreaterThan(3);
    const damaged = [data[0]!, data[2]!];
    for (const f of damaged) flip(f, 100);

    const r = await cairn(sb, args('check', '--read-data'));
    expect(r.code).toBe(1);
    expect(named(r.stderr, /error: pack ([0-9a-f]{64}): ID does not match/g)).toEqual(
      damaged.map((f) => path.basename(f)).sort(),
    );
    expect(named(r.stderr, /error: pack ([0-9a-f]{64}): blob [0-9a-f]{64}: /g)).toEqual(
      damaged.map((f) => path.basename(f)).sort(),
    );
    expect(r.stderr.match(/: blob [0-9a-f]{64}: /g)).toHaveLength(2);
  });

  it.runIf(RESTIC !== undefined)('--read-data-subset n/t reads the packs restic 0.14 reads', async () => {
    expect((await restic(sb, args('init'))).code).toBe(0);
    for (let i = 0; i < 4; i++) {
      sb.write(`src/f${i}`, randomData(20_000, i + 1));
      expect((await restic(sb, args('backup', '-q', sb.path('src')))).code).toBe(0);
    }
    // A flipped byte inside the first blob of each data pack (the 20 kB ones; tree packs are small): the structure
    // check sees nothing (the header is intact, no tree is damaged), only reading the pack finds it.
    const damaged = packFiles(repo).filter((f) => fs.statSync(f).size > 10_000);
    expect(damaged).toHaveLength(4);
    for (const f of damaged) flip(f, 100);
    // Each tool checks its own copy, so that both can run at once (check locks exclusively).
    const copy = sb.path('copy');
    fs.cpSync(repo, copy, { recursive: true });
    const seen: string[] = [];
    for (let n = 1; n <= 3; n++) {
      const [theirs, ours] = await Promise.all([
        restic(sb, args('check', `--read-data-subset=${n}/3`)),
        cairn(sb, ['-r', copy, '-p', sb.path('pw'), 'check', `--read-data-subset=${n}/3`]),
      ]);
      const theirPacks = named(theirs.stdout + theirs.stderr, /Pack ID does not match, want ([0-9a-f]{64})/g);
      const ourPacks = named(ours.stderr, /error: pack ([0-9a-f]{64}): ID does not match/g);
      expect(ourPacks).toEqual(theirPacks);
      // Pack ids are random: a group may be empty, and then both find nothing wrong.
      expect(theirs.code).toBe(theirPacks.length > 0 ? 1 : 0);
      expect(ours.code, ours.stdout + ours.stderr).toBe(theirs.code);
      // The same announcement, e.g. "read group #1 of 3 data packs (out of total 8 packs in 3 groups)".
      const announced = /read group #.*/.exec(theirs.stdout)?.[0] ?? 'restic announced no group';
      expect(ours.stdout).toContain(announced);
      seen.push(...ourPacks);
    }
    expect(seen.sort()).toEqual(damaged.map((f) => path.basename(f)).sort());
  });

  it('refuses a bad --read-data-subset in one sentence with exit 1, before opening the repository', async () => {
    const bad = ['0/5', '7/5', '150%', '1x', '1/257', '0%'];
    const runs = await Promise.all(bad.map((b) => cairn(sb, args('check', `--read-data-subset=${b}`))));
    for (const [i, r] of runs.entries()) {
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`Invalid --read-data-subset "${bad[i]}"`);
      // The repository does not exist: it was never opened.
      expect(r.stderr).not.toMatch(/repository/i);
    }
  });

  it('without --with-cache reads the repository through a temporary cache, with it uses and fills the cache', async () => {
    expect((await cairn(sb, args('init'))).code).toBe(0);
    sb.write('src/a.txt', 'a');
    expect((await cairn(sb, args('--no-cache', 'backup', sb.path('src')))).code).toBe(0);
    const cacheRoot = sb.path('cache');
    const cached = (): string[] =>
      fs.existsSync(cacheRoot) ? (fs.readdirSync(cacheRoot, { recursive: true }) as string[]) : [];

    const plain = await cairn(sb, args('--cache-dir', cacheRoot, 'check'));
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/using temporary cache in .*cairn-check-cache-/);
    expect(cached().filter((f) => f.includes('cairn-check-cache-'))).toEqual([]);
    expect(cached().some((f) => f.includes(`${path.sep}index${path.sep}`))).toBe(false);

    const withCache = await cairn(sb, args('--cache-dir', cacheRoot, 'check', '--with-cache'));
    expect(withCache.code).toBe(0);
    expect(withCache.stdout).not.toMatch(/temporary cache/);
    expect(cached().some((f) => f.includes(`${path.sep}index${path.sep}`))).toBe(true);
    expect(cached().some((f) => f.includes(`${path.sep}snapshots${path.sep}`))).toBe(true);
    // The tree pack too, read whole into the cache as the trees were walked.
    expect(cached().some((f) => f.includes(`${path.sep}data${path.sep}`))).toBe(true);

    // An index file damaged in the repository: the cached copy hides it from --with-cache, not from a plain check.
    const [indexFile] = fs.readdirSync(path.join(repo, 'index'));
    flip(path.join(repo, 'index', indexFile!), 50);
    expect((await cairn(sb, args('--cache-dir', cacheRoot, 'check', '--with-cache'))).code).toBe(0);
    const fresh = await cairn(sb, args('--cache-dir', cacheRoot, 'check'));
    expect(fresh.code).toBe(1);
    expect(fresh.stderr).toContain(`error: index ${indexFile}: cannot be loaded`);
  });
});
