/**
 * Maintenance on an S3 repository (s3rver): forget --prune, prune with repacking, check --read-data, repair index,
 * repair snapshots and drill. After each change restic 0.14 checks an rclone copy of the bucket (restic's own S3
 * client cannot use s3rver: see COMPONENTS.md, "restic against s3rver: use a copy").
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/backend/index.js';
import { openBackend } from '../../src/registry.js';
import { Sandbox, cairn, jsonLines, randomData, restic, treeDigest } from '../harness/cli.js';
import type { S3rver } from '../harness/s3rver.js';
import { startS3rver } from '../harness/s3rver.js';

const run = promisify(execFile);
/** Folders restic's local backend expects; rclone copies no empty ones. */
const REPO_DIRS = ['keys', 'snapshots', 'index', 'locks', 'data'];

describe('maintenance on S3 (s3rver), with restic checking a copy', () => {
  let sb: Sandbox;
  let srv: S3rver;
  let backend: Backend;
  let copies = 0;
  const bucket = 'maint/repo';
  const repo = (): string => `s3:${srv.endpoint}/${bucket}`;
  const cli = (...a: string[]): ReturnType<typeof cairn> =>
    cairn(sb, ['--no-cache', '-r', repo(), '-p', sb.path('pw'), '--pack-size', '4', ...a], { env: srv.env });

  async function ok(...a: string[]): Promise<string> {
    const r = await cli(...a);
    expect(r.code, `${a.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout + r.stderr;
  }

  async function list(type: 'data' | 'index'): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for await (const f of backend.list(type)) out.set(f.name, f.size);
    return out;
  }

  /** Cairn's check --read-data on the bucket, and restic's on an rclone copy of it. */
  async function expectBothCheck(): Promise<void> {
    await ok('check', '--read-data');
    const copy = sb.path(`copy-${++copies}`);
    const env: Record<string, string | undefined> = { ...process.env, ...srv.rcloneEnv };
    delete env.AWS_CA_BUNDLE; // rclone 1.60 fails every call when it is set
    // --fast-list lists recursively: s3rver's delimiter listing drops `data/`.
    await run('rclone', ['--fast-list', 'copy', `t:${bucket}`, copy], { env });
    for (const dir of REPO_DIRS) fs.mkdirSync(path.join(copy, dir), { recursive: true });
    const theirs = await restic(sb, ['-r', copy, '-p', sb.path('pw'), 'check', '--read-data']);
    expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
  }

  /** The latest snapshot restores as the source folder is, but for `lost` (a file whose data is gone). */
  async function expectRestores(lost?: string): Promise<void> {
    const target = sb.path(`restored-${++copies}`);
    await ok('restore', 'latest', '--target', target);
    const restored = treeDigest(path.join(target, sb.path('src')));
    if (lost !== undefined) delete restored[lost];
    expect(restored).toEqual(treeDigest(sb.path('src')));
  }

  beforeAll(async () => {
    srv = await startS3rver();
    sb = new Sandbox();
    sb.write('pw', 'secret\n', 0o600);
    sb.write('src/keep/a.txt', 'kept\n');
    fs.writeFileSync(sb.path('src/keep/b.bin'), randomData(1 << 20, 1));
    fs.writeFileSync(sb.path('src/churn.bin'), randomData(512 << 10, 2));
    backend = openBackend(repo(), { env: { ...process.env, ...srv.env } });
    await ok('init');
    await ok('backup', sb.path('src'));
  }, 60_000);
  afterAll(async () => {
    await backend?.close();
    await srv?.stop();
    sb?.cleanup();
  });

  it('forget --prune repacks and deletes, prune frees what forget left; both checkers pass; latest restores and drills', async () => {
    // Two more versions of churn.bin: the first pack then holds used (b.bin) and unused (old churn.bin) data.
    for (const seed of [3, 4]) {
      fs.writeFileSync(sb.path('src/churn.bin'), randomData(512 << 10, seed));
      await ok('backup', sb.path('src'));
    }
    const out = await ok('forget', '--keep-last', '1', '--prune');
    expect(out).toMatch(/to repack: +[1-9]\d* packs/);
    expect(out).toMatch(/to delete: +[1-9]\d* packs/);
    await expectBothCheck();

    fs.writeFileSync(sb.path('src/churn.bin'), randomData(512 << 10, 5));
    await ok('backup', sb.path('src'));
    await ok('forget', '--keep-last', '1');
    const pruned = jsonLines(await ok('--json', 'prune', '--max-unused', '0%')).at(-1);
    expect(pruned.space_freed).toBeGreaterThanOrEqual(512 << 10);
    await expectBothCheck();
    await expectRestores();
    expect(await ok('drill', '--all')).toMatch(/no problems/);
  }, 240_000);

  it('repair index rebuilds lost index files; a lost pack fails drill and check, repair snapshots drops it; then both pass', async () => {
    for (const id of (await list('index')).keys()) await backend.remove({ type: 'index', name: id });
    expect((await cli('check')).code).toBe(1);
    expect(await ok('repair', 'index')).toMatch(/adding pack file to index [0-9a-f]{64}/);
    await expectBothCheck();

    const before = await list('data');
    fs.writeFileSync(sb.path('src/lose.bin'), randomData(3 << 20, 6));
    await ok('backup', sb.path('src'));
    // The new data pack holds only lose.bin (the new tree packs are small).
    const lost = [...(await list('data'))].filter(([id, size]) => !before.has(id) && size > 100_000).map(([id]) => id);
    expect(lost.length).toBeGreaterThan(0);
    for (const id of lost) await backend.remove({ type: 'data', name: id });

    const drill = await cli('drill', '--all');
    expect(drill.code).toBe(1);
    expect(drill.stderr).toContain(sb.path('src/lose.bin'));
    const check = await cli('check');
    expect(check.code).toBe(1);
    expect(check.stdout + check.stderr).toContain(`pack ${lost[0]} does not exist`);

    const repaired = await ok('repair', 'snapshots', '--forget');
    expect(repaired).toContain(`file "${sb.path('src/lose.bin')}": removed missing content`);
    expect(await ok('repair', 'index')).toMatch(/removing not found pack file/);
    await expectBothCheck();
    fs.rmSync(sb.path('src/lose.bin'));
    await expectRestores('lose.bin');
  }, 240_000);
});
