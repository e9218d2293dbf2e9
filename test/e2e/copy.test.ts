import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/cli.js';
import {
  Sandbox,
  cairn,
  extractFixtureRepo,
  hasPack,
  jsonLines,
  randomData,
  restic,
  treeDigest,
} from '../harness/cli.js';

function summary(r: RunResult): Record<string, number> {
  const s = jsonLines(r.stdout).find((l) => l.message_type === 'summary');
  expect(s, r.stdout + r.stderr).toBeDefined();
  return s as Record<string, number>;
}

describe('cairn copy', () => {
  let sb: Sandbox;
  let src: string;
  const A = (): string => sb.path('repo-a');
  const pw = (n: number): string => sb.path(`pw${n}`);
  /** `cairn -r REPO -p PW … copy --from-repo A --from-password-file pw1` */
  const copyFromA = (repo: string, pwNo: number, extra: string[] = [], opts = {}): Promise<RunResult> =>
    cairn(
      sb,
      ['-r', repo, '-p', pw(pwNo), ...extra, 'copy', '--from-repo', A(), '--from-password-file', pw(1)],
      opts,
    );
  const polynomials = new Map<string, string>();
  const polynomial = async (repo: string, pwNo: number): Promise<string> => {
    const known = polynomials.get(repo);
    if (known !== undefined) return known;
    const r = await cairn(sb, ['-r', repo, '-p', pw(pwNo), 'cat', 'config']);
    expect(r.code, r.stderr).toBe(0);
    const poly = (JSON.parse(r.stdout) as { chunker_polynomial: string }).chunker_polynomial;
    polynomials.set(repo, poly);
    return poly;
  };

  beforeAll(async () => {
    sb = new Sandbox();
    for (const n of [1, 2, 3, 4, 5, 6]) sb.write(`pw${n}`, `password-${n}\n`);
    sb.write('src/random.bin', randomData(3 * 1024 * 1024 + 17, 7));
    sb.write('src/log.txt', 'a compressible line of text\n'.repeat(50_000));
    sb.write('src/dir/small.txt', 'small\n');
    sb.write('src/empty', '');
    fs.symlinkSync('log.txt', sb.path('src/link'));
    src = sb.path('src');
    expect((await cairn(sb, ['-r', A(), '-p', pw(1), 'init'])).code).toBe(0);
    const b1 = await cairn(sb, ['-r', A(), '-p', pw(1), 'backup', '--tag', 'first', src]);
    expect(b1.code, b1.stderr).toBe(0);
    sb.write('src/dir/new.bin', randomData(400_000, 8));
    const b2 = await cairn(sb, ['-r', A(), '-p', pw(1), 'backup', src]);
    expect(b2.code, b2.stderr).toBe(0);
  }, 30_000);
  afterAll(() => sb.cleanup());

  it('copies between repositories with other passwords and polynomials; restic checks and restores the copy; a second run copies nothing', async () => {
    const B = sb.path('repo-b');
    expect((await cairn(sb, ['-r', B, '-p', pw(2), 'init'])).code).toBe(0);
    expect(await polynomial(B, 2)).not.toBe(await polynomial(A(), 1));
    const first = await copyFromA(B, 2, ['--json']);
    expect(first.code, first.stderr).toBe(0);
    expect(summary(first)).toMatchObject({ snapshots_copied: 2, snapshots_skipped: 0 });
    expect(summary(first).data_blobs).toBeGreaterThan(3);

    const check = await restic(sb, ['-r', B, '-p', pw(2), 'check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const target = sb.path('restored-b');
    const rr = await restic(sb, ['-r', B, '-p', pw(2), 'restore', 'latest', '--target', target]);
    expect(rr.code, rr.stderr).toBe(0);
    expect(treeDigest(path.join(target, src))).toEqual(treeDigest(src));

    const again = await copyFromA(B, 2, ['--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(summary(again)).toMatchObject({
      snapshots_copied: 0,
      snapshots_skipped: 2,
      tree_blobs: 0,
      data_blobs: 0,
    });
  });

  it('copying a repository into itself skips its own snapshots; --tag selects', async () => {
    const r = await cairn(sb, ['-r', A(), '-p', pw(1), '--json', 'copy', '--tag', 'first'], {
      env: { CAIRN_FROM_REPOSITORY: A(), CAIRN_FROM_PASSWORD_FILE: pw(1) },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(summary(r)).toMatchObject({ snapshots_copied: 0, snapshots_skipped: 1 });
  });

  it("agrees with restic copy from a restic-made repository, and each recognises the other one's copies", async () => {
    const R = await extractFixtureRepo(sb);
    const byRestic = sb.path('restic-dst');
    const byCairn = sb.path('cairn-dst');
    expect((await cairn(sb, ['-r', byRestic, '-p', pw(5), 'init'])).code).toBe(0);
    expect((await cairn(sb, ['-r', byCairn, '-p', pw(6), 'init'])).code).toBe(0);
    const from = ['--from-repo', R, '--from-password-command', 'echo test'];
    const rc = await restic(sb, ['-r', byRestic, '-p', pw(5), 'copy', ...from]);
    expect(rc.code, rc.stderr).toBe(0);
    // The source from the environment: CAIRN_FROM_* first, then RESTIC_FROM_*.
    const env = { CAIRN_FROM_REPOSITORY: R, RESTIC_FROM_REPOSITORY: A(), RESTIC_FROM_PASSWORD: 'test' };
    const cc = await cairn(sb, ['-r', byCairn, '-p', pw(6), 'copy'], { env });
    expect(cc.code, cc.stderr).toBe(0);
    const list = async (run: typeof restic, repo: string, p: number): Promise<unknown[]> => {
      const r = await run(sb, ['-r', repo, '-p', pw(p), '--json', 'snapshots']);
      const snaps = JSON.parse(r.stdout) as Record<string, unknown>[];
      // Storage ids differ (they hash the encrypted file); everything else must be equal.
      return snaps.map(({ id: _id, short_id: _short, ...rest }) => rest);
    };
    const copies = await list(restic, byRestic, 5);
    expect(copies).toHaveLength(2);
    expect(await list(cairn, byCairn, 6)).toEqual(copies);
    // Cairn skips what restic copied, restic skips what Cairn copied.
    const cairnAgain = await cairn(sb, ['-r', byRestic, '-p', pw(5), '--json', 'copy', ...from]);
    expect(summary(cairnAgain)).toMatchObject({ snapshots_copied: 0, snapshots_skipped: 2 });
    expect((await restic(sb, ['-r', byCairn, '-p', pw(6), 'copy', ...from])).code).toBe(0);
    expect(fs.readdirSync(path.join(byCairn, 'snapshots'))).toHaveLength(2);
    const check = await restic(sb, ['-r', byCairn, '-p', pw(6), 'check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });

  it('an interrupted copy leaves a valid repository, and the next run reuses what it uploaded', async () => {
    const big = sb.path('big');
    sb.write('big/random.bin', randomData(9 * 1024 * 1024, 99));
    const S = sb.path('repo-big');
    expect((await cairn(sb, ['-r', S, '-p', pw(1), 'init'])).code).toBe(0);
    expect((await cairn(sb, ['-r', S, '-p', pw(1), 'backup', big])).code).toBe(0);
    const D = sb.path('repo-d');
    expect((await cairn(sb, ['-r', D, '-p', pw(2), 'init'])).code).toBe(0);
    const from = ['--from-repo', S, '--from-password-file', pw(1)];
    // 4 MiB packs at 3 MiB/s: Ctrl-C comes once the first pack is stored, well before the last one.
    const slow = ['--pack-size', '4', '--limit-upload', '3072'];
    const cut = await cairn(sb, ['-r', D, '-p', pw(2), ...slow, 'copy', ...from], {
      signal: { name: 'SIGINT', when: () => hasPack(D) },
    });
    expect(cut.signalled, cut.stderr).toBe(true);
    expect(cut.code, cut.stderr).toBe(130);
    const check = await restic(sb, ['-r', D, '-p', pw(2), 'check']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(fs.readdirSync(path.join(D, 'snapshots'))).toEqual([]);
    const rest = await cairn(sb, ['-r', D, '-p', pw(2), '--json', 'copy', ...from]);
    expect(rest.code, rest.stderr).toBe(0);
    expect(summary(rest).snapshots_copied).toBe(1);
    expect(summary(rest).bytes_added).toBeLessThan(5 * 1024 * 1024);
    const target = sb.path('restored-d');
    const rr = await restic(sb, ['-r', D, '-p', pw(2), 'restore', 'latest', '--target', target]);
    expect(rr.code, rr.stderr).toBe(0);
    expect(treeDigest(path.join(target, big))).toEqual(treeDigest(big));
  }, 30_000);

  it('init --copy-chunker-params gives the new repository the source polynomial', async () => {
    const E = sb.path('repo-e');
    const r = await cairn(sb, ['-r', E, '-p', pw(5), 'init', '--copy-chunker-params', '--from-repo', A()], {
      env: { CAIRN_FROM_PASSWORD_FILE: pw(1) },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(await polynomial(E, 5)).toBe(await polynomial(A(), 1));
  });

  it('without a source, or with its wrong password, copy fails with one clear sentence', async () => {
    const noSource = await cairn(sb, ['-r', A(), '-p', pw(1), 'copy']);
    expect(noSource.code).toBe(1);
    expect(noSource.stderr).toMatch(/specify a source repository location \(--from-repo/);
    const noPassword = await cairn(sb, ['-r', A(), '-p', pw(1), 'copy', '--from-repo', A()]);
    expect(noPassword.code).toBe(1);
    expect(noPassword.stderr).toMatch(/no password for the source repository/);
    const wrong = await cairn(sb, [
      '-r',
      A(),
      '-p',
      pw(1),
      'copy',
      '--from-repo',
      A(),
      '--from-password-file',
      pw(2),
    ]);
    expect(wrong.code).toBe(12);
  });
});
