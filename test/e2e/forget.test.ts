import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESTIC } from '../harness/restic.js';
import type { RunResult } from '../harness/cli.js';
import { Sandbox, cairn, jsonLines, randomData, restic } from '../harness/cli.js';

const TZ = { TZ: 'Europe/Berlin' };

interface Group {
  host: string;
  paths: string[] | null;
  tags: string[] | null;
  keep: { id: string }[] | null;
  remove: { id: string }[] | null;
  reasons: { matches: string[]; counters: Record<string, number> }[] | null;
}

/** What restic and Cairn must agree on: per group, kept and removed ids and the reasons (groups sorted). */
function decisions(r: RunResult): unknown {
  expect(r.code, r.stderr).toBe(0);
  const groups = JSON.parse(r.stdout) as Group[];
  return groups
    .map((g) => ({
      key: JSON.stringify([g.host, g.paths, g.tags]),
      keep: (g.keep ?? []).map((s) => s.id),
      remove: (g.remove ?? []).map((s) => s.id),
      reasons: (g.reasons ?? []).map((k) => [k.matches, k.counters]),
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

function snapshotFiles(repo: string): string[] {
  return fs.readdirSync(path.join(repo, 'snapshots')).sort();
}

describe('forget', () => {
  let sb: Sandbox;
  let repo: string;
  const args = (...rest: string[]): string[] => ['-r', repo, '-p', sb.path('pw'), ...rest];

  beforeAll(async () => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n', 0o600); // an open password file draws a warning
    sb.write('src/a.txt', 'alpha\n');
    repo = sb.path('repo');
    expect((await cairn(sb, args('init'))).code).toBe(0);
    // Berlin local times around the spring DST change, one tagged, one from another host.
    const backups: [string, string[]][] = [
      ['2024-03-29 23:30:00', []],
      ['2024-03-30 22:00:00', ['--tag', 'keep']],
      ['2024-03-31 01:30:00', []],
      ['2024-03-31 03:30:00', []],
      ['2024-03-31 23:59:59', []],
      ['2024-04-01 00:00:01', []],
      ['2024-04-01 12:00:00', ['--host', 'laptop']],
    ];
    for (const [time, extra] of backups) {
      const r = await cairn(sb, args('backup', '-q', '--time', time, ...extra, sb.path('src')), { env: TZ });
      expect(r.code, r.stderr).toBe(0);
    }
  });
  afterAll(() => sb.cleanup());

  it.runIf(RESTIC !== undefined)('decides as restic 0.14 does (--dry-run --json), in the same time zone', async () => {
    for (const policy of [
      ['--keep-daily', '2', '--keep-tag', 'keep'],
      ['--keep-last', '1', '--keep-hourly', '3', '--group-by', 'host'],
      ['--keep-within', '1d', '--keep-within-hourly', '2d'],
      ['--keep-weekly', '1', '--group-by', ''],
    ]) {
      const ours = await cairn(sb, args('--json', 'forget', '--dry-run', ...policy), { env: TZ });
      const theirs = await restic(sb, args('--json', '--no-cache', 'forget', '--dry-run', ...policy), { env: TZ });
      expect(decisions(ours)).toEqual(decisions(theirs));
    }
    expect(snapshotFiles(repo)).toHaveLength(7);
  });

  it('prints the kept snapshots with their reasons and what would be removed, deleting nothing in a dry run', async () => {
    const r = await cairn(sb, args('forget', '--keep-last', '3', '--dry-run'), { env: TZ });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Applying Policy: keep 3 latest snapshots');
    expect(r.stdout).toContain('keep 3 snapshots:');
    expect(r.stdout).toContain('last snapshot');
    expect(r.stdout).toContain('remove 3 snapshots:');
    expect(r.stdout).toMatch(/Would have removed the following snapshots:\n\{[0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8}\}/);
    expect(snapshotFiles(repo)).toHaveLength(7);
  });

  it('refuses bad input and unsafe policies with one sentence and exit code 1, deleting nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--keep-daily', '-2'], /--keep-daily "-2" must be a whole number, or -1/],
      [['--keep-within', '7x'], /--keep-within "7x" is not a duration/],
      [[], /no policy was specified, no snapshots will be removed/],
      [['--keep-tag', 'nothing-has-this'], /refusing to delete the last snapshot of the group "host.*\(--allow-empty allows it\)/],
      [['--allow-empty'], /no policy was specified, no snapshots will be removed/],
      [['--keep-last', '1', '--prune', '--max-unused', '100%'], /--max-unused "100%" must be a percentage/],
      [['--keep-last', '1', '--group-by', 'host,day'], /unknown option "day"/],
      [['--unsafe-allow-remove-all'], /not allowed unless a snapshot filter/],
      [['0123456789abcdef'], /no snapshot matched "0123456789abcdef"/],
      [['--keep-last', '1', '--no-lock'], /--no-lock is only allowed together with --dry-run/],
    ];
    for (const [flags, message] of cases) {
      const r = await cairn(sb, args('forget', ...flags), { env: TZ });
      expect(r.code, flags.join(' ')).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(snapshotFiles(repo)).toHaveLength(7);
  });

  it('--allow-empty lets a policy remove every snapshot of a group', async () => {
    const r = await cairn(sb, args('forget', '--keep-tag', 'nothing-has-this', '--allow-empty', '--dry-run'), { env: TZ });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('remove 6 snapshots:');
    expect(r.stdout).toContain('remove 1 snapshots:');
    expect(snapshotFiles(repo)).toHaveLength(7);
  });

  it('removes snapshot files only; restic then lists the rest and finds the repository sound', async () => {
    const before = snapshotFiles(repo);
    const named = before[0]!;
    let r = await cairn(sb, args('forget', named.slice(0, 10)), { env: TZ });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`removed snapshot ${named.slice(0, 8)}`);
    expect(snapshotFiles(repo)).toEqual(before.slice(1));

    r = await cairn(sb, args('forget', '--keep-last', '2'), { env: TZ });
    expect(r.code, r.stderr).toBe(0);
    const left = snapshotFiles(repo);
    expect(left.length).toBeGreaterThanOrEqual(2);
    expect(left.length).toBeLessThan(before.length - 1);
    if (RESTIC !== undefined) {
      const list = await restic(sb, args('--json', '--no-cache', 'snapshots'));
      expect((JSON.parse(list.stdout) as { id: string }[]).map((s) => s.id).sort()).toEqual(left);
      const check = await restic(sb, args('--no-cache', 'check'));
      expect(check.code, check.stdout + check.stderr).toBe(0);
    }
  });

  it('forget --prune then deletes the data only the forgotten snapshot used', async () => {
    const packs = (): string[] => fs.readdirSync(path.join(repo, 'data'), { recursive: true, encoding: 'utf8' }).filter((f) => f.length > 3);
    sb.write('once/unique.bin', randomData(300 << 10, 77));
    const earlier = new Set(packs());
    const b = await cairn(sb, args('--json', 'backup', '--host', 'once', sb.path('once')), { env: TZ });
    expect(b.code, b.stderr).toBe(0);
    const id = jsonLines(b.stdout).find((m) => m.message_type === 'summary')?.snapshot_id as string;
    const written = packs().filter((p) => !earlier.has(p));
    expect(written.length).toBeGreaterThanOrEqual(2);
    const r = await cairn(sb, args('forget', id, '--prune'), { env: TZ });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`removed snapshot ${id.slice(0, 8)}`);
    expect(r.stdout).toMatch(/to delete:\s+[1-9]/);
    // The packs that backup wrote (its data, its trees) held nothing another snapshot uses.
    const left = new Set(packs());
    expect(written.filter((p) => left.has(p))).toEqual([]);
    if (RESTIC !== undefined) {
      const check = await restic(sb, args('--no-cache', 'check', '--read-data'));
      expect(check.code, check.stdout + check.stderr).toBe(0);
    }
  });
});
