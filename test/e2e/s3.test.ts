import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, cairn, randomData, restic, treeDigest } from '../harness/cli.js';
import type { S3rver } from '../harness/s3rver.js';
import { startS3rver } from '../harness/s3rver.js';

const run = promisify(execFile);

/** Folders restic's local backend expects; rclone copies no empty ones (and s3rver hides folders of folders). */
const REPO_DIRS = ['keys', 'snapshots', 'index', 'locks', 'data'];

describe('S3 repositories end to end (s3rver, rclone, restic)', () => {
  let sb: Sandbox;
  let srv: S3rver;
  let src: string;
  const pw = (): string => sb.path('pw');
  const s3 = (bucketAndPrefix: string): string => `s3:${srv.endpoint}/${bucketAndPrefix}`;
  const env = (): Record<string, string> => srv.env;

  /** rclone against s3rver. `--fast-list` lists recursively: s3rver's delimiter listing drops `data/`. */
  async function rclone(...args: string[]): Promise<void> {
    const childEnv: Record<string, string | undefined> = { ...process.env, ...srv.rcloneEnv };
    delete childEnv.AWS_CA_BUNDLE; // rclone 1.60 fails every call when it is set
    await run('rclone', ['--fast-list', ...args], { env: childEnv });
  }

  /** Cairn restores the latest snapshot of `repo` into the new folder `name`, verified and equal to the source. */
  async function expectCairnRestores(repo: string, name: string): Promise<void> {
    const target = sb.path(name);
    const args = ['-r', repo, '-p', pw(), 'restore', 'latest', '--target', target, '--verify'];
    const r = await cairn(sb, args, { env: env() });
    expect(r.code, r.stderr).toBe(0);
    expect(treeDigest(path.join(target, src))).toEqual(treeDigest(src));
  }

  beforeAll(async () => {
    srv = await startS3rver();
    sb = new Sandbox();
    sb.write('pw', 'secret\n', 0o600); // an open password file draws a warning
    sb.write('src/a.txt', 'hello s3\n');
    sb.write('src/dir/b.bin', randomData(3 * 1024 * 1024 + 5, 7));
    sb.write('src/dir/empty', '');
    fs.symlinkSync('a.txt', sb.path('src/link'));
    src = sb.path('src');
  });
  afterAll(async () => {
    await srv?.stop();
    sb?.cleanup();
  });

  it('init creates the bucket; backup, snapshots and restore work; restic checks and restores a copy', async () => {
    const repo = s3('e2e-bucket/host1');
    const missing = await cairn(sb, ['-r', repo, '-p', pw(), 'snapshots'], { env: env() });
    expect(missing.code, missing.stderr).toBe(10);
    expect(missing.stderr).toMatch(/no repository/i);

    expect((await cairn(sb, ['-r', repo, '-p', pw(), 'init'], { env: env() })).code).toBe(0);
    const backup = await cairn(sb, ['-r', repo, '-p', pw(), 'backup', src], { env: env() });
    expect(backup.code, backup.stderr).toBe(0);
    const list = await cairn(sb, ['-r', repo, '-p', pw(), 'snapshots'], { env: env() });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain(src);
    await expectCairnRestores(repo, 'cairn-restored');

    const copy = sb.path('bucket-copy');
    await rclone('copy', 't:e2e-bucket/host1', copy);
    for (const dir of REPO_DIRS) fs.mkdirSync(path.join(copy, dir), { recursive: true });
    const check = await restic(sb, ['-r', copy, '-p', pw(), 'check', '--read-data']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const resticTarget = sb.path('restic-restored');
    const rr = await restic(sb, ['-r', copy, '-p', pw(), 'restore', 'latest', '--target', resticTarget]);
    expect(rr.code, rr.stderr).toBe(0);
    expect(treeDigest(path.join(resticTarget, src))).toEqual(treeDigest(src));
  });

  it('Cairn restores from S3 bit-exact what restic wrote and rclone uploaded', async () => {
    const local = sb.path('restic-repo');
    expect((await restic(sb, ['-r', local, '-p', pw(), 'init', '--repository-version', '2'])).code).toBe(0);
    expect((await restic(sb, ['-r', local, '-p', pw(), 'backup', src])).code).toBe(0);
    await rclone('copy', local, 't:from-restic/repo');
    await expectCairnRestores(s3('from-restic/repo'), 'from-restic-restored');
  });

  it('an unknown -o s3.* option fails with exit 1 and one sentence', async () => {
    const r = await cairn(sb, ['-r', s3('e2e-bucket/host1'), '-o', 's3.nope=1', '-p', pw(), 'snapshots'], {
      env: env(),
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^cairn: Unknown option -o s3\.nope; known: s3\.region, [^\n]*\.$/);
  });

  it('without any AWS credentials the error says how to provide them', async () => {
    const noCreds = { AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: 'us-east-1' };
    const r = await cairn(sb, ['-r', s3('e2e-bucket/host1'), '-p', pw(), 'snapshots'], { env: noCreds });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/AWS_ACCESS_KEY_ID/);
  });
});
