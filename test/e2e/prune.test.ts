/**
 * `cairn prune` against restic 0.14 as the oracle: the same plan as `restic prune --dry-run`, a repository both
 * checkers accept afterwards (also after a SIGKILL at each step, and a re-run), a refusal on an append-only
 * server that changes nothing. Prune on S3 is in maintenance-s3.test.ts.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openBackend } from '../../src/registry.js';
import { ROOT, Sandbox, cairn, jsonLines, randomData, restic, treeDigest } from '../harness/cli.js';

let sb: Sandbox;
let template: string;
/** The content of the one snapshot that remains after the others are forgotten. */
let kept: Record<string, string>;
let copies = 0;

const pw = (): string => sb.path('pw');

/** A fresh copy of the template repository (three snapshots, the first two forgotten: a, c are garbage). */
function freshRepo(): string {
  const dest = sb.path(`repo-${++copies}`);
  fs.cpSync(template, dest, { recursive: true });
  return dest;
}

/** Every file of a local repository, for before/after comparisons. */
function listing(repo: string): string[] {
  return (fs.readdirSync(repo, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(repo, f)).isFile()).sort();
}

async function expectBothCheck(repo: string, readData = true): Promise<void> {
  const flags = readData ? ['--read-data'] : [];
  const ours = await cairn(sb, ['-r', repo, '-p', pw(), 'check', ...flags]);
  expect(ours.code, ours.stdout + ours.stderr).toBe(0);
  const theirs = await restic(sb, ['-r', repo, '-p', pw(), 'check', ...flags]);
  expect(theirs.code, theirs.stdout + theirs.stderr).toBe(0);
}

async function expectRestores(repo: string): Promise<void> {
  const target = sb.path(`restored-${++copies}`);
  const r = await cairn(sb, ['-r', repo, '-p', pw(), 'restore', 'latest', '--target', target]);
  expect(r.code, r.stderr).toBe(0);
  expect(treeDigest(path.join(target, sb.path('src')))).toEqual(kept);
}

/** restic's plan lines ("to repack: 4 blobs / 4.769 MiB" …) from either tool's output. */
function planLines(out: string): string[] {
  return out.split('\n').filter((l) => / blobs \/ |^unused size after/.test(l) && !/^(used|unused|total): /.test(l));
}

beforeAll(async () => {
  sb = new Sandbox();
  sb.write('pw', 'secret\n', 0o600); // an open password file draws a warning
  template = sb.path('template');
  const args = (...a: string[]): string[] => ['-r', template, '-p', pw(), '--pack-size', '4', ...a];
  expect((await cairn(sb, args('init'))).code).toBe(0);
  sb.write('src/a.bin', randomData(5 * 1024 * 1024, 1));
  sb.write('src/b.bin', randomData(3 * 1024 * 1024, 2));
  sb.write('src/small.txt', 'small\n');
  expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
  sb.write('src/c.bin', randomData(4 * 1024 * 1024, 3));
  expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
  fs.rmSync(sb.path('src/a.bin'));
  fs.rmSync(sb.path('src/c.bin'));
  sb.write('src/d.bin', randomData(2 * 1024 * 1024, 4));
  expect((await cairn(sb, args('backup', sb.path('src')))).code).toBe(0);
  kept = treeDigest(sb.path('src'));
  const snaps = JSON.parse((await cairn(sb, args('snapshots', '--json'))).stdout) as { id: string; time: string }[];
  const old = snaps.sort((x, y) => x.time.localeCompare(y.time)).slice(0, 2).map((s) => s.id);
  const forget = await restic(sb, ['-r', template, '-p', pw(), 'forget', ...old]);
  expect(forget.code, forget.stderr).toBe(0);
}, 60_000);

afterAll(() => sb?.cleanup());

describe('cairn prune on a local repository', () => {
  it('plans as restic prune --dry-run does, changes nothing with --dry-run, then prunes; both checkers accept', async () => {
    const repo = freshRepo();
    const before = listing(repo);
    const theirs = await restic(sb, ['-r', repo, '-p', pw(), 'prune', '--dry-run']);
    expect(theirs.code, theirs.stderr).toBe(0);
    const dry = await cairn(sb, ['-r', repo, '-p', pw(), 'prune', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(planLines(dry.stdout)).toEqual(planLines(theirs.stdout));
    expect(planLines(dry.stdout)).toHaveLength(6);
    expect(listing(repo)).toEqual(before);

    const run = await cairn(sb, ['-r', repo, '-p', pw(), '--json', 'prune']);
    expect(run.code, run.stderr).toBe(0);
    const summary = jsonLines(run.stdout).at(-1);
    expect(summary).toMatchObject({ message_type: 'summary', dry_run: false });
    expect((summary.packs_to_delete as string[]).length + (summary.packs_to_repack as string[]).length).toBeGreaterThan(0);
    await expectBothCheck(repo);
    await expectRestores(repo);
    // Nothing is left to do: a second run deletes nothing.
    const again = await cairn(sb, ['-r', repo, '-p', pw(), '--json', 'prune', '--max-unused', '0%']);
    expect(again.code, again.stderr).toBe(0);
    expect(jsonLines(again.stdout).at(-1)).toMatchObject({ packs_to_delete: [], space_freed: 0 });
  });

  it('a bad --max-unused or --max-repack-size is one sentence, exit 1', async () => {
    const bad = await cairn(sb, ['-r', template, '-p', pw(), 'prune', '--max-unused', '100%']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('cairn: --max-unused "100%" must be a percentage from 0% to below 100%.\n');
    const size = await cairn(sb, ['-r', template, '-p', pw(), 'prune', '--max-repack-size', 'lots']);
    expect(size.code).toBe(1);
    expect(size.stderr).toBe('cairn: --max-repack-size "lots" is not a size like 500, 1K, 2M, 3G or 4T.\n');
  });

  it('a SIGKILL after each step leaves a repository both checkers accept, and a re-run finishes the job', async () => {
    const reference = freshRepo();
    const full = await cairn(sb, ['-r', reference, '-p', pw(), '--json', 'prune']);
    const s = jsonLines(full.stdout).at(-1);
    const repacked = (s.packs_to_repack as string[]).length;
    const written = s.index_files_written as number;
    const removed = s.index_files_removed as number;
    const deleted = (s.packs_to_delete as string[]).length + repacked;
    expect(repacked * written * removed * deleted).toBeGreaterThan(0);
    const ops = repacked + written + removed + deleted;
    // Killed while repacking; with the new index written but the old one not yet deleted; with the index rewritten
    // but no pack deleted; with one pack left to delete.
    const moments = [...new Set([1, repacked + written, repacked + written + removed, ops - 1])];
    for (const k of moments) {
      const repo = freshRepo();
      const killed = await cairn(sb, ['-r', repo, '-p', pw(), 'prune'], { env: { CAIRN_TEST_KILL_AFTER_OPS: String(k) } });
      expect(killed.code, `kill after ${k}: ${killed.stderr}`).toBe(137);
      expect((await restic(sb, ['-r', repo, '-p', pw(), 'unlock'])).code).toBe(0);
      await expectBothCheck(repo, false);
      const rerun = await cairn(sb, ['-r', repo, '-p', pw(), 'prune']);
      expect(rerun.code, rerun.stderr).toBe(0);
      // The re-run may keep other copies of a blob than the first run would have, but leaves no garbage pack.
      const left = jsonLines((await cairn(sb, ['-r', repo, '-p', pw(), '--json', 'prune', '--dry-run'])).stdout).at(-1);
      expect(left, `kill after ${k}`).toMatchObject({ packs_unreferenced: [], packs_to_delete: [] });
    }
    const last = sb.path(`repo-${copies}`);
    await expectBothCheck(last);
    await expectRestores(last);
  }, 120_000);

  it('refuses while another process holds a lock, naming it (exit 11)', async () => {
    const repo = freshRepo();
    // restic's unlock/lock cannot hold a lock open; a live lock of this host and a running process (this one) can.
    const backend = openBackend(repo);
    const { Repository } = await import('../../src/repository/index.js');
    const r = await Repository.open(backend, { password: 'secret' });
    const doc = { time: new Date().toISOString(), exclusive: false, hostname: 'other-host', username: 'eve', pid: 99 };
    await r.saveUnpacked('locks', Buffer.from(JSON.stringify(doc)));
    await r.close();
    const before = listing(repo);
    const run = await cairn(sb, ['-r', repo, '-p', pw(), 'prune']);
    expect(run.code, run.stderr).toBe(11);
    expect(run.stderr).toMatch(/^cairn: The repository is locked by eve on other-host \(PID 99, non-exclusive lock, created [^)]*\); if that process no longer runs, remove the lock with `cairn unlock[^`]*`\.\n$/);
    expect(listing(repo)).toEqual(before);
  });
});

describe('cairn prune through cairn serve-repo --append-only', () => {
  it('stops before changing anything, with one sentence; the repository stays consistent', async () => {
    const repo = freshRepo();
    const served = sb.path('served');
    fs.mkdirSync(served);
    fs.renameSync(repo, path.join(served, 'r'));
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'bin/cairn.js'), 'serve-repo', '--path', served, '--no-auth', '--append-only', '--listen', '127.0.0.1:0'],
      { env: sb.env(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /at (http:\/\/[\d.]+:\d+)\//.exec(out);
          if (m) resolve(m[1]!);
        });
        child.on('exit', (code) => reject(new Error(`serve-repo exited with ${code}`)));
      });
      const before = listing(path.join(served, 'r'));
      const run = await cairn(sb, ['-r', `rest:${url}/r`, '-p', pw(), 'prune']);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^cairn: [^\n]*refuses to delete files \(an append-only server\?\)[^\n]*nothing was changed\.\n$/);
      // Only the lock came and went.
      expect(listing(path.join(served, 'r'))).toEqual(before);
      await expectBothCheck(path.join(served, 'r'));
    } finally {
      child.kill('SIGTERM');
    }
  });
});
