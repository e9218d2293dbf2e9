/**
 * A restic 0.14 user's command lines, run against restic and Cairn on one repository (made by restic, read by both):
 * where the two should agree, exit codes, `--json` documents and listings are compared as they are.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/cli.js';
import { LocalBackend } from '../../src/backend/local/index.js';
import { Repository } from '../../src/repository/index.js';
import { ROOT, Sandbox, cairn, restic } from '../harness/cli.js';
import { RESTIC } from '../harness/restic.js';

let sb: Sandbox;
let data: string;
let global: string[];

/** The same command line through both tools. */
async function both(args: string[]): Promise<{ r: RunResult; c: RunResult }> {
  const [r, c] = await Promise.all([restic(sb, [...global, ...args]), cairn(sb, [...global, ...args])]);
  return { r, c };
}

/** Both succeed with the same standard output, after `normalize` (default: as it is). */
async function sameOutput(args: string[], normalize = (s: string): unknown => s): Promise<string> {
  const { r, c } = await both(args);
  expect(r.code, r.stderr).toBe(0);
  expect(c.code, c.stderr).toBe(0);
  expect(normalize(c.stdout)).toEqual(normalize(r.stdout));
  return r.stdout;
}

/** restic visits snapshots in the order the backend lists their files (directory order): compare them sorted. */
const findBlocks = (s: string): string[] =>
  s
    .split('\n\n')
    .map((b) => b.trim())
    .sort();
/** restic prints groups in Go's map order: compare them sorted. */
const textGroups = (s: string): string[] => s.split(/^(?=snapshots for)/m).sort();
const jsonGroups = (s: string): unknown => (JSON.parse(s) as unknown[]).map((g) => JSON.stringify(g)).sort();
const findGroups = (s: string): unknown =>
  (JSON.parse(s) as { snapshot: string; matches: Record<string, unknown>[] }[])
    .map((g) => ({ ...g, matches: g.matches.map(({ inode: _, ...m }) => m) })) // Cairn's one extra
    .sort((a, b) => a.snapshot.localeCompare(b.snapshot));

beforeAll(async () => {
  sb = new Sandbox();
  data = sb.path('data');
  sb.write('data/a.txt', 'a\n');
  sb.write('data/sub/b.txt', 'bb\n');
  sb.write('data/sub/deep/c.txt', 'ccc\n');
  sb.write('data/other/b.txt', 'other\n');
  global = ['-r', sb.path('repo'), '-p', sb.write('pw', 'secret\n')];
  expect((await restic(sb, [...global, 'init', '--repository-version', '2'])).code).toBe(0);
  for (const [host, tag] of [
    ['h1', 'one'],
    ['h2', 'two'],
  ]) {
    const b = await restic(sb, [...global, 'backup', '--host', host!, '--tag', tag!, data]);
    expect(b.code, b.stderr).toBe(0);
  }
  const b = await restic(sb, [
    ...global,
    'backup',
    '--host',
    'h1',
    '--tag',
    'b,a',
    `${data}/sub`,
    `${data}/other`,
  ]);
  expect(b.code, b.stderr).toBe(0);
}, 60_000);

afterAll(() => sb.cleanup());

describe('ls and find as restic', () => {
  it('ls prints restic header line, so `tail -n +2` leaves the entries', async () => {
    const out = await sameOutput(['ls', 'latest']);
    expect(out.split('\n')[0]).toMatch(/^snapshot [0-9a-f]{8} of \[.*\] filtered by \[\] at .*\):$/);
    await sameOutput(['ls', '--host', 'h1', 'latest', `${data}/sub`, `${data}/a.txt`]);
    const quiet = await sameOutput(['-q', 'ls', 'latest']);
    expect(quiet).not.toMatch(/^snapshot /);
  });

  it('find matches path patterns as restic does', async () => {
    const patterns = [
      [`${data}/sub/*`],
      ['sub/*'],
      ['data'],
      [`${data}/s*`, '*/deep/*.txt'],
      ['-i', 'B.TXT', 'SUB'],
    ];
    await Promise.all(patterns.map((p) => sameOutput(['find', ...p], findBlocks)));
  });

  it('find --json writes restic fields in restic order', async () => {
    const out = await sameOutput(['find', '--json', 'b.txt', 'deep'], findGroups);
    const match = (JSON.parse(out) as { matches: Record<string, unknown>[] }[])[0]!.matches[0]!;
    expect(Object.keys(match)).toEqual(expect.arrayContaining(['user', 'group', 'device_id', 'links']));
    const c = await cairn(sb, [...global, 'find', '--json', 'a.txt']);
    expect(c.stdout).toMatch(/"group":"[^"]+","inode":\d+,"device_id":/);
  });
});

describe('snapshots as restic', () => {
  it('prints the table, --compact, and the snapshots named by id', async () => {
    await sameOutput(['snapshots']);
    await sameOutput(['snapshots', '--compact']);
    const ids = (JSON.parse(await sameOutput(['snapshots', '--json'])) as { id: string }[]).map((s) => s.id);
    await sameOutput(['snapshots', ids[1]!.slice(0, 6), ids[0]!, '--compact']);
    await sameOutput(['snapshots', '--json', 'latest', ids[2]!]);
    const { r, c } = await both(['snapshots', 'nosuchid']);
    expect([c.code, c.stdout]).toEqual([r.code, r.stdout]);
    expect(c.stderr).toContain('Ignoring "nosuchid"');
  });

  it('groups with --group-by as restic, in text and JSON', async () => {
    await Promise.all([
      sameOutput(['snapshots', '--group-by', 'host'], textGroups),
      sameOutput(['snapshots', '--group-by', 'host,paths,tags'], textGroups),
      sameOutput(['snapshots', '--group-by', 'paths,tag', '--compact'], textGroups),
      sameOutput(['snapshots', '--group-by', 'host', '--json'], jsonGroups),
      sameOutput(['snapshots', '--group-by', 'host,paths,tags', '--json'], jsonGroups),
    ]);
    const { r, c } = await both(['snapshots', '--group-by', 'xyz']);
    expect([c.code, c.stdout]).toEqual([r.code, r.stdout]);
  });
});

describe('commands restic scripts call', () => {
  it('list prints the same ids for every type', async () => {
    const sorted = (s: string): string[] => s.split('\n').sort();
    await Promise.all(
      ['blobs', 'packs', 'index', 'snapshots', 'keys'].map((t) => sameOutput(['list', t], sorted)),
    );
    // Alone: the commands above hold locks while they run.
    await sameOutput(['list', 'locks']);
    const { r, c } = await both(['list', 'nonsense']);
    expect([c.code, c.stdout]).toEqual([r.code, r.stdout]);
  });

  it('tag --add/--remove/--set rewrites snapshots as restic: same tags, original set, old file gone', async () => {
    const copies = { r: sb.path('tag-r'), c: sb.path('tag-c') };
    for (const dir of Object.values(copies)) fs.cpSync(sb.path('repo'), dir, { recursive: true });
    const run = async (args: string[]): Promise<void> => {
      const [r, c] = await Promise.all([
        restic(sb, ['-r', copies.r, ...global.slice(2), ...args]),
        cairn(sb, ['-r', copies.c, ...global.slice(2), ...args]),
      ]);
      expect([c.code, c.stdout.split('\n').filter((l) => !l.startsWith('create exclusive lock'))]).toEqual([
        r.code,
        r.stdout.split('\n').filter((l) => !l.startsWith('create exclusive lock')),
      ]);
    };
    const before = JSON.parse((await cairn(sb, [...global, 'snapshots', '--json'])).stdout) as {
      id: string;
    }[];
    await run(['tag', '--add', 'x,y', '--host', 'h1']);
    await run(['tag', '--remove', 'x', '--add', 'z', before[1]!.id.slice(0, 8)]);
    await run(['tag', '--set', 'one', '--tag', 'y']);
    await run(['tag', '--set', 'q', '--add', 'w', 'latest']);
    await run(['tag', 'latest']);
    const docs = async (repo: string): Promise<Record<string, unknown>[]> => {
      const out = await restic(sb, ['-r', repo, ...global.slice(2), 'snapshots', '--json']);
      return (JSON.parse(out.stdout) as Record<string, unknown>[])
        .map(({ id: _id, short_id: _s, ...d }) => d)
        .sort((a, b) => String(a.time).localeCompare(String(b.time)));
    };
    const [byRestic, byCairn] = [await docs(copies.r), await docs(copies.c)];
    expect(byCairn).toEqual(byRestic);
    expect(byCairn.map((d) => d.original)).toEqual(before.map((s) => s.id));
    expect(fs.readdirSync(path.join(copies.c, 'snapshots'))).toHaveLength(before.length);
  });
});

describe('cache as restic', () => {
  it('lists the cache folders and removes the old ones alike', async () => {
    const make = (base: string): void => {
      const old = path.join(base, 'a'.repeat(64));
      sb.write(path.relative(sb.dir, path.join(old, 'data/x')), 'hi\n');
      fs.mkdirSync(path.join(base, 'b'.repeat(64)), { recursive: true });
      fs.mkdirSync(path.join(base, 'not-a-repository'));
      const forty = new Date(Date.now() - 40 * 86_400_000);
      fs.utimesSync(old, forty, forty);
    };
    const [rDir, cDir] = [sb.path('cache-r'), sb.path('cache-c')];
    make(rDir);
    make(cDir);
    // The harness runs restic with --no-cache; the last flag wins.
    const pair = (args: string[], dirs = [rDir, rDir]): Promise<RunResult[]> =>
      Promise.all([
        restic(sb, ['--no-cache=false', 'cache', '--cache-dir', dirs[0]!, ...args]),
        cairn(sb, ['cache', '--cache-dir', dirs[1]!, ...args]),
      ]);
    const lines = (res: RunResult): unknown => [res.code, res.stdout.split('\n').sort()];
    for (const args of [[], ['--no-size']]) {
      const [r, c] = await pair(args);
      expect(lines(c!)).toEqual(lines(r!));
    }
    const [r, c] = await pair(['--cleanup'], [rDir, cDir]);
    expect([c!.code, c!.stdout]).toEqual([r!.code, r!.stdout]);
    expect(fs.readdirSync(cDir).sort()).toEqual(fs.readdirSync(rDir).sort());
    const none = sb.path('no-cache-here');
    const [r2, c2] = await pair([], [none, none]);
    expect([c2!.code, c2!.stdout]).toEqual([r2!.code, r2!.stdout]);
  });
});

describe('generate as restic', () => {
  it('writes completion scripts (bash completes commands and their flags) and man pages', async () => {
    const [r, c] = await Promise.all([
      restic(sb, ['generate', '--bash-completion', sb.path('restic.bash')]),
      cairn(sb, ['generate', '--bash-completion', sb.path('cairn.bash')]),
    ]);
    expect([c.code, c.stdout.replace('cairn.bash', 'X')]).toEqual([
      r.code,
      r.stdout.replace('restic.bash', 'X'),
    ]);
    const complete = (words: string[]): string[] => {
      const script = `source ${sb.path('cairn.bash')}; COMP_WORDS=(${words.join(' ')}); COMP_CWORD=${words.length - 1}; _cairn; echo "\${COMPREPLY[@]}"`;
      return execFileSync('bash', ['-c', script], { encoding: 'utf8', env: sb.env(), cwd: sb.dir })
        .trim()
        .split(' ');
    };
    expect(complete(['cairn', 'snap'])).toEqual(['snapshots']);
    expect(complete(['cairn', '-r', 'x', 'snapshots', '--gr'])).toEqual(['--group-by']);
    expect(complete(['cairn', 'key', 'pa'])).toEqual(['passwd']);
    const man = sb.path('man');
    fs.mkdirSync(man);
    const g = await cairn(sb, [
      'generate',
      '--man',
      man,
      '--zsh-completion',
      sb.path('z'),
      '--fish-completion',
      sb.path('f'),
    ]);
    expect(g.code, g.stderr).toBe(0);
    expect(fs.readFileSync(path.join(man, 'cairn-snapshots.1'), 'utf8')).toContain('\\-\\-group\\-by');
    const none = await Promise.all([restic(sb, ['generate']), cairn(sb, ['generate'])]);
    expect(none[1].code).toBe(none[0].code);
  });
});

describe('backup --files-from as restic', () => {
  it('expands globs in --files-from, takes --files-from-verbatim and --files-from-raw as they are', async () => {
    const lists = {
      globs: sb.write(
        'list-globs',
        `# a comment\n  ${data}/su*/*.txt  \n${data}/nothing-*\n\n${data}/a.txt\n`,
      ),
      verbatim: sb.write('list-verbatim', `${data}/other/b.txt\n`),
      raw: sb.write('list-raw', `${data}/sub/deep\0`),
    };
    const flags = [
      '--files-from',
      lists.globs,
      '--files-from-verbatim',
      lists.verbatim,
      '--files-from-raw',
      lists.raw,
    ];
    const [r, c] = await Promise.all([
      restic(sb, ['-r', sb.path('ff-r'), ...global.slice(2), 'init', '--repository-version', '2']),
      cairn(sb, ['-r', sb.path('ff-c'), ...global.slice(2), 'init']),
    ]);
    expect([r.code, c.code]).toEqual([0, 0]);
    const backups = await Promise.all([
      restic(sb, ['-r', sb.path('ff-r'), ...global.slice(2), 'backup', '--json', ...flags]),
      cairn(sb, ['-r', sb.path('ff-c'), ...global.slice(2), 'backup', '--json', ...flags]),
    ]);
    expect(backups.map((b) => b.code)).toEqual([0, 0]);
    for (const b of backups) expect(b.stderr).toMatch(/nothing-\*\\?" does not match any files, skipping/);
    const listing = await Promise.all(
      ['ff-r', 'ff-c'].map((repo) => restic(sb, ['-r', sb.path(repo), ...global.slice(2), 'ls', 'latest'])),
    );
    const entries = (res: RunResult): string[] => res.stdout.split('\n').slice(1);
    expect(entries(listing[1]!)).toEqual(entries(listing[0]!));
    expect(entries(listing[0]!)).toContain(`${data}/sub/deep/c.txt`);
  });
});

/**
 * The intended differences in exit codes (README "Coming from restic"): restic 0.14 exits 1 where Cairn tells the
 * cases apart, and stops on SIGTERM without cleaning up (killed: 143) where Cairn releases its locks and exits 130.
 */
describe('exit codes beside restic 0.14', () => {
  it('10 for a missing repository and 12 for a wrong password, where restic exits 1', async () => {
    const missing = ['-r', sb.path('no-such-repo'), ...global.slice(2), 'snapshots'];
    const wrong = [...global.slice(0, 2), '-p', sb.write('wrong-pw', 'not the password\n', 0o600), 'snapshots'];
    const [rm, cm, rw, cw] = await Promise.all([restic(sb, missing), cairn(sb, missing), restic(sb, wrong), cairn(sb, wrong)]);
    expect([rm.code, cm.code, rw.code, cw.code]).toEqual([1, 10, 1, 12]);
  });

  it('11 when another process holds an exclusive lock, where restic exits 1', async () => {
    const dir = sb.path('locked-repo');
    const args = ['-r', dir, ...global.slice(2)];
    expect((await cairn(sb, [...args, 'init'])).code).toBe(0);
    const repo = await Repository.open(new LocalBackend(dir), { password: 'secret' });
    const doc = { time: new Date().toISOString(), exclusive: true, hostname: 'other-host', username: 'bob', pid: 4242 };
    await repo.saveUnpacked('locks', Buffer.from(JSON.stringify(doc)));
    await repo.close();
    const backup = [...args, 'backup', '-q', data];
    const [r, c] = await Promise.all([restic(sb, backup), cairn(sb, backup)]);
    expect([r.code, c.code], r.stderr + c.stderr).toEqual([1, 11]);
    expect(r.stderr).toMatch(/locked exclusively/);
  });

  it('130 on SIGINT for both; on SIGTERM Cairn cleans up and exits 130 where restic is killed (143)', async () => {
    /** A backup of standard input that never ends, stopped by `signal` once its lock is in the repository. */
    const stopped = async (program: string, pre: string[], signal: NodeJS.Signals): Promise<number> => {
      const dir = sb.path(`sig-${path.basename(program)}`);
      const args = ['-r', dir, ...global.slice(2)];
      if (!fs.existsSync(dir)) expect((await cairn(sb, [...args, 'init'])).code).toBe(0);
      const locks = (): number => fs.readdirSync(path.join(dir, 'locks')).length;
      const before = locks(); // restic leaves its lock behind when killed
      const child = spawn(program, [...pre, ...args, 'backup', '--stdin', '-q'], { env: sb.env(), stdio: ['pipe', 'ignore', 'ignore'] });
      child.stdin.write('data that keeps coming\n');
      while (locks() === before) await new Promise((r) => setTimeout(r, 50));
      child.kill(signal);
      const [code, sig] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
      if (program !== RESTIC) expect(locks()).toBe(0); // released
      return code ?? 128 + os.constants.signals[sig!];
    };
    const cairnArgs = [path.join(ROOT, 'bin/cairn.js')];
    expect(await stopped(RESTIC!, ['--no-cache'], 'SIGINT')).toBe(130);
    expect(await stopped(process.execPath, cairnArgs, 'SIGINT')).toBe(130);
    expect(await stopped(RESTIC!, ['--no-cache'], 'SIGTERM')).toBe(143);
    expect(await stopped(process.execPath, cairnArgs, 'SIGTERM')).toBe(130);
  }, 60_000);
});

describe('init --repository-version as restic', () => {
  it('writes version 1 (no compression) when asked, which restic checks; refuses other versions as restic does', async () => {
    const at = (name: string): string[] => ['-r', sb.path(name), ...global.slice(2)];
    const init = await cairn(sb, [...at('v1'), 'init', '--repository-version', '1']);
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse((await restic(sb, [...at('v1'), 'cat', 'config'])).stdout)).toMatchObject({ version: 1 });
    const b = await cairn(sb, [...at('v1'), 'backup', '-q', data]);
    expect(b.code, b.stderr).toBe(0);
    const check = await restic(sb, [...at('v1'), 'check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect((await cairn(sb, [...at('v2'), 'init', '--repository-version', 'stable', '--json'])).code).toBe(0);
    expect(JSON.parse((await restic(sb, [...at('v2'), 'cat', 'config'])).stdout)).toMatchObject({ version: 2 });
    for (const v of ['3', 'abc']) {
      const [r, c] = await Promise.all([
        restic(sb, [...at(`r-${v}`), 'init', '--repository-version', v]),
        cairn(sb, [...at(`c-${v}`), 'init', '--repository-version', v]),
      ]);
      expect([c.code, c.stderr.trim().split('\n')]).toEqual([r.code, [expect.stringMatching(/--repository-version/)]]);
      expect(fs.existsSync(sb.path(`c-${v}`))).toBe(false);
    }
  });
});

describe('recover as restic', () => {
  it('saves a snapshot of the trees no snapshot references, as restic recover does, which restic checks', async () => {
    const base = sb.path('rec');
    const at = (dir: string): string[] => ['-r', dir, ...global.slice(2)];
    sb.write('rec-data/keep.txt', 'kept\n');
    expect((await restic(sb, [...at(base), 'init', '--repository-version', '2'])).code).toBe(0);
    expect((await restic(sb, [...at(base), 'backup', '-q', sb.path('rec-data')])).code).toBe(0);
    const [lost] = JSON.parse((await restic(sb, [...at(base), 'snapshots', '--json'])).stdout) as { id: string }[];
    sb.write('rec-data/new.txt', 'new\n');
    expect((await restic(sb, [...at(base), 'backup', '-q', sb.path('rec-data')])).code).toBe(0);
    expect((await restic(sb, [...at(base), 'forget', lost!.id])).code).toBe(0); // its root tree is now unreferenced
    fs.cpSync(base, `${base}-r`, { recursive: true });
    fs.cpSync(base, `${base}-c`, { recursive: true });
    const [r, c] = await Promise.all([restic(sb, [...at(`${base}-r`), 'recover']), cairn(sb, [...at(`${base}-c`), 'recover'])]);
    expect([r.code, c.code], r.stderr + c.stderr).toEqual([0, 0]);
    expect(c.stdout).toMatch(/found 1 unreferenced roots\nsaved new snapshot [0-9a-f]{8}\n$/);
    const recovered = async (dir: string): Promise<unknown> => {
      const snaps = JSON.parse((await restic(sb, [...at(dir), 'snapshots', '--json', '--tag', 'recovered'])).stdout) as { paths: string[] }[];
      const ls = (await restic(sb, [...at(dir), 'ls', '--json', '--tag', 'recovered', 'latest'])).stdout.trim().split('\n');
      return { paths: snaps.map((x) => x.paths), entries: ls.slice(1).map((l) => (JSON.parse(l) as { path: string }).path) };
    };
    expect(await recovered(`${base}-c`)).toEqual(await recovered(`${base}-r`));
    expect(JSON.stringify(await recovered(`${base}-c`))).toContain('keep.txt');
    const check = await restic(sb, [...at(`${base}-c`), 'check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    // Nothing left to recover: no new snapshot.
    const again = await cairn(sb, [...at(`${base}-c`), 'recover']);
    expect(again.stdout).toMatch(/found 0 unreferenced roots\nno snapshot to write\.\n$/);
  });
});

describe('dump as restic', () => {
  it('writes a folder as a tar whose names keep the path from the snapshot root', async () => {
    const tarNames = (res: RunResult): string[] =>
      execFileSync('tar', ['-t'], { input: Buffer.from(res.stdout, 'latin1'), encoding: 'utf8' })
        .split('\n')
        .sort();
    const [r, c] = await Promise.all([
      restic(sb, [...global, 'dump', '--host', 'h2', 'latest', `${data}/sub`], { binary: true }),
      cairn(sb, [...global, 'dump', '--host', 'h2', 'latest', `${data}/sub`], { binary: true }),
    ]);
    expect([c.code, r.code]).toEqual([0, 0]);
    expect(tarNames(c)).toEqual(tarNames(r));
    expect(tarNames(r)).toContain(`${data.slice(1)}/sub/deep/c.txt`);
  });

  it('writes a folder as a zip with the entries, modes, sizes, times and contents restic writes', async () => {
    const zipEntries = (res: RunResult, name: string): unknown => {
      const file = sb.path(name);
      fs.writeFileSync(file, Buffer.from(res.stdout, 'latin1'));
      execFileSync('unzip', ['-tq', file]);
      const script = `import json, sys, zipfile, zlib
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps([[i.filename, oct(i.external_attr >> 16), i.file_size, list(i.date_time), zlib.crc32(z.read(i))] for i in z.infolist()]))`;
      return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' }));
    };
    const [r, c] = await Promise.all([
      restic(sb, [...global, 'dump', '--archive', 'zip', '--host', 'h2', 'latest', `${data}/sub`], { binary: true }),
      cairn(sb, [...global, 'dump', '--archive', 'zip', '--host', 'h2', 'latest', `${data}/sub`], { binary: true }),
    ]);
    expect([c.code, r.code]).toEqual([0, 0]);
    expect(zipEntries(c, 'c.zip')).toEqual(zipEntries(r, 'r.zip'));
    expect(JSON.stringify(zipEntries(r, 'r.zip'))).toContain(`${data.slice(1)}/sub/deep/c.txt`);
  });
});

describe('global flags as restic', () => {
  it('--cleanup-cache removes the cache folders unused for 30 days, as restic', async () => {
    const layout = (base: string): void => {
      const old = Date.now() / 1000 - 40 * 86_400;
      for (const [id, mtime] of [['a'.repeat(64), old], ['b'.repeat(64), Date.now() / 1000 - 3 * 86_400]] as const) {
        fs.mkdirSync(path.join(base, id, 'index'), { recursive: true });
        fs.utimesSync(path.join(base, id), mtime, mtime);
      }
    };
    layout(sb.path('cache-r'));
    layout(sb.path('cache-c'));
    const [r, c] = await Promise.all([
      restic(sb, [...global, '--cache-dir', sb.path('cache-r'), '--cleanup-cache', 'snapshots', '-q'], { resticCache: true }),
      cairn(sb, [...global, '--cache-dir', sb.path('cache-c'), '--cleanup-cache', 'snapshots', '-q']),
    ]);
    expect([c.code, r.code], c.stderr + r.stderr).toEqual([0, 0]);
    const left = (base: string): string[] => fs.readdirSync(sb.path(base)).filter((n) => /^[0-9a-f]{64}$/.test(n)).map((n) => n.slice(0, 4)).sort();
    expect(left('cache-c')).toEqual(left('cache-r'));
    expect(left('cache-c')).not.toContain('aaaa');
    expect(left('cache-c')).toHaveLength(2); // this repository's folder, made or refreshed by the open
    expect(left('cache-c')).toContain('bbbb');
  });

  it('ignores -o options meant for another backend (with a warning) and takes --verbose=N', async () => {
    const { r, c } = await both(['-o', 's3.region=eu-west-1', '--verbose=2', 'snapshots', '--json']);
    expect([c.code, JSON.parse(c.stdout)]).toEqual([r.code, JSON.parse(r.stdout)]);
    expect(c.stderr).toContain('s3.region');
  });
});
