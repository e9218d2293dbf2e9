import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/cli.js';
import { Sandbox, cairn, hasPack, randomData, restic, treeDigest } from '../harness/cli.js';

/** Every file below a folder, relative to it. */
function filesBelow(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) =>
    fs.statSync(path.join(dir, f)).isFile(),
  );
}

/**
 * A backup stopped by a signal mid-upload, after at least one pack reached the repository: ~100 MiB of
 * incompressible data in 4 MiB packs, with uploads slowed so the stop lands while packs are still being written.
 */
describe('a backup stopped mid-upload', () => {
  let sb: Sandbox;
  let src: string;
  const pw = (): string => sb.path('pw');
  const run = (repo: string, args: string[], opts = {}): Promise<RunResult> =>
    cairn(sb, ['-r', repo, '-p', pw(), ...args], opts);
  const resticIn = (repo: string, args: string[]): Promise<RunResult> =>
    restic(sb, ['-r', repo, '-p', pw(), ...args]);

  beforeAll(() => {
    sb = new Sandbox();
    sb.write('pw', 'secret\n');
    for (let i = 0; i < 4; i++) sb.write(`src/part-${i}.bin`, randomData(26 * 1024 * 1024 + i, 100 + i));
    sb.write('src/notes.txt', 'a small file\n');
    src = sb.path('src');
  });
  afterAll(() => sb.cleanup());

  /** Starts a backup of `src` into a new repository and sends `signal` once the first pack is in place. */
  async function backupUntilPack(
    name: string,
    signal: NodeJS.Signals,
  ): Promise<{ repo: string; cut: RunResult }> {
    const repo = sb.path(name);
    expect((await run(repo, ['init'])).code).toBe(0);
    const cut = await run(repo, ['--pack-size', '4', '--limit-upload', '30000', 'backup', src], {
      signal: { name: signal, when: () => hasPack(repo) },
    });
    expect(cut.signalled, `the backup ended before a pack was written: ${cut.stderr}`).toBe(true);
    expect(fs.readdirSync(path.join(repo, 'snapshots'))).toEqual([]);
    return { repo, cut };
  }

  /** A second backup completes, and what it stored restores bit-exact; both checkers agree afterwards. */
  async function expectBackupAndRestore(repo: string): Promise<void> {
    const again = await run(repo, ['backup', src]);
    expect(again.code, again.stderr).toBe(0);
    const target = sb.path(`${path.basename(repo)}-restored`);
    const rr = await run(repo, ['restore', 'latest', '--target', target, '--verify']);
    expect(rr.code, rr.stderr).toBe(0);
    expect(treeDigest(path.join(target, src))).toEqual(treeDigest(src));
    const check = await resticIn(repo, ['check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
  }

  it('SIGKILL leaves a repository that both checkers accept, and the next backup completes and restores', async () => {
    const { repo, cut } = await backupUntilPack('killed', 'SIGKILL');
    expect(cut.code).toBe(128 + 9);
    // The killed process could not release its lock; restic's check needs it gone (it is stale: the process is dead).
    expect(fs.readdirSync(path.join(repo, 'locks'))).toHaveLength(1);
    const own = await run(repo, ['check']);
    expect(own.code, own.stdout + own.stderr).toBe(0);
    expect((await resticIn(repo, ['unlock'])).code).toBe(0);
    const check = await resticIn(repo, ['check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    await expectBackupAndRestore(repo);
  }, 120_000);

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s stops cleanly: exit 130, no temporary file, every pack complete and indexed, lock released',
    async (signal) => {
      const { repo, cut } = await backupUntilPack(signal.toLowerCase(), signal);
      expect(cut.code, cut.stderr).toBe(130);
      expect(fs.readdirSync(path.join(repo, 'locks'))).toEqual([]);
      expect(filesBelow(repo).filter((f) => path.basename(f).startsWith('.'))).toEqual([]);
      const own = await run(repo, ['check', '--read-data']);
      expect(own.code, own.stdout + own.stderr).toBe(0);
      const check = await resticIn(repo, ['check', '--read-data']);
      expect(check.code, check.stdout + check.stderr).toBe(0);
      // The index of what was uploaded was written: restic finds no pack that no index names.
      expect(check.stdout + check.stderr).not.toMatch(/not referenced in any index/);
      await expectBackupAndRestore(repo);
    },
    120_000,
  );
});
