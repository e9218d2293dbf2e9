/**
 * A `cairn backup` and a `cairn prune` started on one repository at the same time, with different head starts:
 * the one that finds the other's lock refuses (exit 11, one sentence) or both succeed one after the other; never
 * is the repository damaged. Afterwards both checkers pass and every snapshot restores what was backed up.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/cli.js';
import { Sandbox, cairn, jsonLines, randomData, restic, treeDigest } from '../harness/cli.js';

describe('backup and prune from two processes at once', () => {
  let sb: Sandbox;
  const args = (...a: string[]): string[] => ['--no-cache', '-r', sb.path('repo'), '-p', sb.path('pw'), ...a];
  /** What each snapshot holds, by id, as the source was when it was backed up. */
  const expected = new Map<string, Record<string, string>>();

  async function backup(): Promise<RunResult> {
    const r = await cairn(sb, args('--json', 'backup', sb.path('src')));
    if (r.code === 0) {
      const summary = jsonLines(r.stdout).find((l) => l.message_type === 'summary')!;
      expected.set(summary.snapshot_id as string, treeDigest(sb.path('src')));
    }
    return r;
  }

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

  /** Exit 0, or 11 with one sentence about the lock. */
  function expectDoneOrLocked(r: RunResult, what: string): void {
    expect([0, 11], `${what}: ${r.stderr}`).toContain(r.code);
    if (r.code === 11) expect(r.stderr).toMatch(/^cairn: [^\n]*lock[^\n]*\n$/);
  }

  beforeAll(async () => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n', 0o600);
    for (let i = 0; i < 4; i++) sb.write(`src/big-${i}.bin`, randomData(3 << 20, i));
    expect((await cairn(sb, args('init'))).code).toBe(0);
    expect((await backup()).code).toBe(0);
  });
  afterAll(() => sb?.cleanup());

  it('one refuses with exit 11 or both finish, never damage; both checkers pass and every snapshot restores', async () => {
    const outcomes: string[] = [];
    // Head starts in ms: positive delays the prune, negative the backup.
    for (const [round, headStart] of [0, 150, -150, 600, -600].entries()) {
      // New data for the backup, and garbage for the prune (the previous version, once forgotten).
      sb.write(`src/big-${round % 4}.bin`, randomData(3 << 20, 100 + round));
      sb.write(`src/round-${round}.txt`, `round ${round}\n`);
      expect((await cairn(sb, args('forget', '--keep-last', '1'))).code).toBe(0);
      for (const id of [...expected.keys()])
        if (!fs.existsSync(sb.path(`repo/snapshots/${id}`))) expected.delete(id);

      const [b, p] = await Promise.all([
        sleep(Math.max(0, -headStart)).then(backup),
        sleep(Math.max(0, headStart)).then(() => cairn(sb, args('prune'))),
      ]);
      expectDoneOrLocked(b, `backup, round ${round}`);
      expectDoneOrLocked(p, `prune, round ${round}`);
      outcomes.push(`${b.code}/${p.code}`);
      const check = await cairn(sb, args('check'));
      expect(check.code, `round ${round} (${b.code}/${p.code}): ${check.stdout}${check.stderr}`).toBe(0);
    }

    // A backup that holds its lock until told to go on: the prune started meanwhile must refuse.
    const go = sb.path('go');
    sb.write('held.bin', randomData(1 << 20, 7));
    const held = cairn(
      sb,
      args(
        '--json',
        'backup',
        '--stdin-filename',
        'held.bin',
        '--stdin-from-command',
        '--',
        'sh',
        '-c',
        `while [ ! -e ${go} ]; do sleep 0.05; done; cat ${sb.path('held.bin')}`,
      ),
    );
    for (let waited = 0; fs.readdirSync(sb.path('repo/locks')).length === 0; waited += 50) {
      expect(waited, 'the backup took no lock').toBeLessThan(60_000);
      await sleep(50);
    }
    const refused = await cairn(sb, args('prune'));
    expect(refused.code, refused.stderr).toBe(11);
    expect(refused.stderr).toMatch(/^cairn: [^\n]*lock[^\n]*\n$/);
    sb.write('go', '');
    const heldDone = await held;
    expect(heldDone.code, heldDone.stderr).toBe(0);
    const heldId = jsonLines(heldDone.stdout).find((l) => l.message_type === 'summary')!
      .snapshot_id as string;

    const ours = await cairn(sb, args('check', '--read-data'));
    expect(ours.code, ours.stdout + ours.stderr).toBe(0);
    const theirs = await restic(sb, ['-r', sb.path('repo'), '-p', sb.path('pw'), 'check', '--read-data']);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
    const heldTarget = sb.path('restored-held');
    expect((await cairn(sb, args('restore', heldId, '--target', heldTarget))).code).toBe(0);
    expect(
      fs.readFileSync(path.join(heldTarget, 'held.bin')).equals(fs.readFileSync(sb.path('held.bin'))),
    ).toBe(true);
    const snapshots = fs
      .readdirSync(sb.path('repo/snapshots'))
      .filter((id) => id !== heldId)
      .sort();
    expect(snapshots).toEqual([...expected.keys()].sort());
    for (const id of snapshots) {
      const target = sb.path(`restored-${id}`);
      const r = await cairn(sb, args('restore', id, '--target', target));
      expect(r.code, r.stderr).toBe(0);
      expect(treeDigest(path.join(target, sb.path('src'))), `snapshot ${id} (${outcomes.join(' ')})`).toEqual(
        expected.get(id),
      );
    }
  }, 300_000);
});
