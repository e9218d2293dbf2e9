import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sandbox, cairn, randomData, treeDigest } from '../harness/cli.js';
import type { S3rver } from '../harness/s3rver.js';
import { startS3rver } from '../harness/s3rver.js';

/** Two hosts, each with its own HOME and metadata cache, sharing one repository in one bucket. */
describe('one S3 repository shared by two hosts', () => {
  let srv: S3rver;
  let hostA: Sandbox;
  let hostB: Sandbox;
  let repo: string;

  const run = (sb: Sandbox, ...args: string[]): ReturnType<typeof cairn> =>
    cairn(sb, ['-r', repo, '-p', sb.path('pw'), ...args], { env: srv.env });
  const summaryOf = (stdout: string): Record<string, number> =>
    JSON.parse(stdout.trim().split('\n').filter((l) => l.includes('"summary"')).at(-1)) as Record<string, number>;

  beforeAll(async () => {
    srv = await startS3rver();
    repo = `s3:${srv.endpoint}/fleet/shared`;
    hostA = new Sandbox();
    hostB = new Sandbox();
    for (const [sb, seed] of [
      [hostA, 1],
      [hostB, 2],
    ] as const) {
      sb.write('pw', 'fleet password\n');
      sb.write('data/common.bin', randomData(2 * 1024 * 1024, 99));
      sb.write(`data/own-${seed}.bin`, randomData(1024 * 1024 + seed, seed));
    }
  });
  afterAll(async () => {
    await srv?.stop();
    hostA?.cleanup();
    hostB?.cleanup();
  });

  it('both hosts back up at the same time; each sees the other and restores its files', async () => {
    expect((await run(hostA, 'init')).code).toBe(0);
    const [a, b] = await Promise.all([
      run(hostA, 'backup', '--host', 'a', hostA.path('data')),
      run(hostB, 'backup', '--host', 'b', hostB.path('data')),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);

    // A listed the repository before B's backup ended; its cache must follow B's new index and snapshot.
    const list = await run(hostA, 'snapshots', '--json');
    expect(list.code, list.stderr).toBe(0);
    const hosts = (JSON.parse(list.stdout) as { hostname: string }[]).map((s) => s.hostname).sort();
    expect(hosts).toEqual(['a', 'b']);

    const target = hostA.path('from-b');
    const restore = await run(hostA, 'restore', 'latest', '--host', 'b', '--target', target, '--verify');
    expect(restore.code, restore.stderr).toBe(0);
    expect(treeDigest(path.join(target, hostB.path('data')))).toEqual(treeDigest(hostB.path('data')));

    const cached = path.join(hostA.home, '.cache/cairn');
    const repoCache = fs.readdirSync(cached).find((n) => /^[0-9a-f]{64}$/.test(n));
    expect(repoCache, 'host A has a metadata cache for the repository').toBeDefined();
    expect(fs.readdirSync(path.join(cached, repoCache!, 'index')).length).toBeGreaterThan(0);
  });

  it('a host backing up data another host already stored adds no data blobs', async () => {
    const again = await run(hostB, 'backup', '--host', 'b', '--json', hostA.path('data'));
    expect(again.code, again.stderr).toBe(0);
    expect(summaryOf(again.stdout).data_blobs).toBe(0);
  });

  it('the shared repository checks clean, every byte read', async () => {
    const check = await run(hostB, 'check', '--read-data');
    expect(check.code, check.stdout + check.stderr).toBe(0);
  });
});
