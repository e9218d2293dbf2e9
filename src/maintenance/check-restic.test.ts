import { execFileSync, spawnSync } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../backend/local/index.js';
import { Repository } from '../repository/index.js';
import { RESTIC } from '../../test/harness/restic.js';
import { check } from './index.js';
import { flipByte, makeTestRepo, openTestRepo, PASSWORD, packPath } from './testing/check-repo.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/restic-0.14/', import.meta.url));
/** The biggest data pack of the fixture (random10m.bin's blobs), and the offset of a byte inside its first blob. */
const DATA_PACK = '5afc1b3eac4eb0d01537696cf86eae7e1f1c7ded0fa3f671c5ae39fd985925cc';
const INSIDE_FIRST_BLOB = 66 + 1000;

function resticCheck(repoDir: string, passwordFile: string): { status: number | null; output: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: tmpdir() };
  for (const name of ['RESTIC_PASSWORD', 'RESTIC_PASSWORD_COMMAND', 'RESTIC_REPOSITORY']) delete env[name];
  const r = spawnSync(RESTIC!, ['-r', repoDir, '--password-file', passwordFile, '--no-cache', 'check', '--read-data'], {
    encoding: 'utf8',
    env,
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('check, with restic 0.14 as the oracle', () => {
  let work: string;
  let passwordFile: string;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'cairn-check-restic-'));
    execFileSync('tar', ['xzf', path.join(FIXTURES, 'repo.tar.gz'), '-C', work]);
    passwordFile = path.join(work, 'password');
    await writeFile(passwordFile, 'test\n');
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('finds no problem in the fixture repository with --read-data', async () => {
    const repo = await Repository.open(new LocalBackend(path.join(work, 'repo')), { password: 'test' });
    const r = await check(repo, { readData: true });
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.stats).toMatchObject({ indexFiles: 2, packs: 4, snapshots: 2, packsRead: 4 });
  });

  it.runIf(RESTIC !== undefined)('agrees with restic that a flipped byte in a data pack is damage, naming the pack', async () => {
    const copy = path.join(work, 'damaged');
    await cp(path.join(work, 'repo'), copy, { recursive: true });
    await flipByte(packPath(copy, DATA_PACK), INSIDE_FIRST_BLOB);

    const repo = await Repository.open(new LocalBackend(copy), { password: 'test' });
    const r = await check(repo, { readData: true });
    expect(r.errors).toContain(`pack ${DATA_PACK}: ID does not match, file is damaged`);
    expect(r.damagedPacks).toEqual([DATA_PACK]);

    const restic = resticCheck(copy, passwordFile);
    expect(restic.status).not.toBe(0);
    expect(restic.output).toContain(DATA_PACK.slice(0, 8));
    expect(resticCheck(path.join(work, 'repo'), passwordFile).status).toBe(0);
  });

  it.runIf(RESTIC !== undefined)('agrees with restic on a repository Cairn wrote, before and after damage', async () => {
    const t = await makeTestRepo();
    try {
      const pw = path.join(work, 'cairn-password');
      await writeFile(pw, `${PASSWORD}\n`);
      expect((await check(await openTestRepo(t.dir), { readData: true })).errors).toEqual([]);
      expect(resticCheck(t.dir, pw).status).toBe(0);

      const e = t.repo.lookup('tree', t.blobs.sub);
      if (!e) throw new Error('tree not indexed');
      await flipByte(packPath(t.dir, e.packId), e.offset + 10);
      const r = await check(await openTestRepo(t.dir), { readData: true });
      expect(r.damagedPacks).toEqual([e.packId]);
      const restic = resticCheck(t.dir, pw);
      expect(restic.status).not.toBe(0);
      expect(restic.output).toContain(e.packId.slice(0, 8));
    } finally {
      await t.close();
    }
  });
});
