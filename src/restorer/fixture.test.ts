import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../backend/local/index.js';
import type { StoredSnapshot } from '../core/index.js';
import { Repository } from '../repository/index.js';
import { listSnapshots, parseTime, statModeFromGo } from '../snapshot/index.js';
import { dump } from './dump.js';
import { diffSnapshots, findInSnapshots, listNodes, restore, snapshotStats } from './index.js';
import { collect, tempDir } from './test-support.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/restic-0.14/', import.meta.url));

interface FactNode {
  path: string;
  type: string;
  mode: number;
  mtime: string;
  size?: number;
  sha256?: string;
  linktarget?: string;
}
interface Facts {
  snapshots: { id: string; nodes: FactNode[] }[];
}
const facts = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'facts.json'), 'utf8')) as Facts;

let work: string;
let repo: Repository;
let snaps: StoredSnapshot[];

beforeAll(async () => {
  work = tempDir('cairn-restorer-fixture-');
  execFileSync('tar', ['-xzf', path.join(FIXTURES, 'repo.tar.gz'), '-C', work]);
  repo = await Repository.open(new LocalBackend(path.join(work, 'repo')), { password: 'test' });
  await repo.loadIndex();
  snaps = await listSnapshots(repo);
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function sha256File(p: string): string {
  return createHash('sha256').update(fs.readFileSync(p)).digest('hex');
}

async function dumpToBuffer(snap: StoredSnapshot, p: string): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await dump(repo, snap, p, out);
  return Buffer.concat(chunks);
}

describe('restic 0.14 fixture', () => {
  for (const index of [0, 1]) {
    it(`restores snapshot ${index + 1} bit-exact with restic's modes and mtimes`, async () => {
      const snap = snaps[index]!;
      expect(snap.id).toBe(facts.snapshots[index]!.id);
      const target = path.join(work, `restore-${index}`);
      const r = await restore(repo, snap, { target, verify: true });
      expect(r.errors).toEqual([]);
      expect(r.verifyFailures).toEqual([]);
      const nodes = facts.snapshots[index]!.nodes;
      expect(r.filesRestored + r.dirsRestored).toBe(nodes.length);
      for (const n of nodes) {
        const p = path.join(target, n.path);
        const st = fs.lstatSync(p);
        const mtimeMs = Number(parseTime(n.mtime) / 1_000_000n);
        expect(st.mtimeMs, n.path).toBe(mtimeMs);
        if (n.type === 'symlink') {
          expect(fs.readlinkSync(p)).toBe(n.linktarget);
          continue;
        }
        expect(st.mode & 0o7777, n.path).toBe(statModeFromGo(n.mode));
        if (n.type === 'file') {
          expect(st.size, n.path).toBe(n.size);
          expect(sha256File(p), n.path).toBe(n.sha256);
        } else {
          expect(st.isDirectory()).toBe(true);
        }
      }
    });
  }

  it('dumps a file as its bytes', async () => {
    const bytes = await dumpToBuffer(snaps[0]!, '/tree/big/random10m.bin');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe('6b458d40e93bb49957fc8570e871451d9d88372a442035970c8d584945c29156');
  });

  it('dumps a folder as a tar with paths relative to it, modes, mtimes and symlinks', async () => {
    const bytes = await dumpToBuffer(snaps[1]!, '/tree');
    const entries = new Map<string, { header: tar.Header; sha: string }>();
    const extract = tar.extract();
    const done = new Promise<void>((resolve, reject) => {
      extract.on('entry', (header, stream, next) => {
        const h = createHash('sha256');
        stream.on('data', (c: unknown) => {
          h.update(c as Buffer);
        });
        stream.on('end', () => {
          entries.set(header.name, { header, sha: h.digest('hex') });
          next();
        });
      });
      extract.on('finish', resolve);
      extract.on('error', reject);
    });
    extract.end(bytes);
    await done;
    const nodes = facts.snapshots[1]!.nodes.filter((n) => n.path !== '/tree');
    expect(entries.size).toBe(nodes.length);
    for (const n of nodes) {
      const rel = n.path.slice('/tree/'.length) + (n.type === 'dir' ? '/' : '');
      const e = entries.get(rel);
      expect(e, rel).toBeDefined();
      expect(e!.header.mtime.getTime()).toBe(Number(parseTime(n.mtime) / 1_000_000n));
      expect(e!.header.mode).toBe(n.mode & 0o777);
      if (n.type === 'file') expect(e!.sha, rel).toBe(n.sha256);
      if (n.type === 'symlink') expect(e!.header.linkname).toBe(n.linktarget);
      expect(e!.header.uname).toBe('root');
    }
  });

  it('lists every node like restic ls, and one folder non-recursively', async () => {
    const all = await collect(listNodes(repo, snaps[0]!));
    expect(all.map((x) => x.path)).toEqual(facts.snapshots[0]!.nodes.map((n) => n.path));
    const dir1 = await collect(listNodes(repo, snaps[0]!, { paths: ['/tree/dir1'] }));
    expect(dir1.map((x) => x.path)).toEqual(['/tree/dir1', '/tree/dir1/a.txt', '/tree/dir1/b.txt', '/tree/dir1/nested']);
  });

  it('finds nodes by name glob in every snapshot', async () => {
    const found = await collect(findInSnapshots(repo, snaps, ['n5*', 'A.TXT'], { ignoreCase: true }));
    expect(found.map((f) => `${f.snapshot.id.slice(0, 8)} ${f.path}`)).toEqual([
      'ede821b0 /tree/dir1/a.txt',
      '475d5274 /tree/dir1/a.txt',
      '475d5274 /tree/numbers/n5.txt',
    ]);
  });

  it('diffs the two snapshots as restic diff does', async () => {
    const run = diffSnapshots(repo, snaps[0]!, snaps[1]!);
    const changes = await collect(run);
    expect(changes.map((c) => `${c.modifier} ${c.path}`)).toEqual(['M /tree/dir1/a.txt', '+ /tree/numbers/n5.txt']);
    // restic 0.14: Files 1 new, 1 changed; Data Blobs 2 new, 1 removed; Tree Blobs 4 new, 4 removed; Added 7.602 KiB, Removed 7.266 KiB.
    expect(run.totals.changedFiles).toBe(1);
    expect(run.totals.added).toMatchObject({ files: 1, dirs: 0, others: 0, dataBlobs: 2, treeBlobs: 4 });
    expect(run.totals.removed).toMatchObject({ files: 0, dirs: 0, others: 0, dataBlobs: 1, treeBlobs: 4 });
    expect((run.totals.added.bytes / 1024).toFixed(3)).toBe('7.602');
    expect((run.totals.removed.bytes / 1024).toFixed(3)).toBe('7.266');
  });

  it('computes restic stats in all four modes', async () => {
    // Expected values: `restic stats --json --mode <mode>` (restic 0.14) on this repository.
    expect(await snapshotStats(repo, snaps, 'restore-size')).toEqual({ total_size: 24401926, total_file_count: 57, snapshots_count: 2 });
    expect(await snapshotStats(repo, snaps.slice(1), 'restore-size')).toEqual({ total_size: 12200973, total_file_count: 29, snapshots_count: 1 });
    expect(await snapshotStats(repo, snaps, 'files-by-contents')).toEqual({ total_size: 12200719, total_file_count: 20, snapshots_count: 2 });
    expect(await snapshotStats(repo, snaps, 'raw-data')).toEqual({ total_size: 1090686, total_file_count: 0, total_blob_count: 36, snapshots_count: 2 });
    expect(await snapshotStats(repo, snaps.slice(1), 'raw-data')).toEqual({ total_size: 1088552, total_file_count: 0, total_blob_count: 31, snapshots_count: 1 });
    expect(await snapshotStats(repo, snaps, 'blobs-per-file')).toEqual({ total_size: 12200719, total_file_count: 18, total_blob_count: 24, snapshots_count: 2 });
    expect(await snapshotStats(repo, snaps.slice(1), 'blobs-per-file')).toEqual({ total_size: 12200713, total_file_count: 18, total_blob_count: 23, snapshots_count: 1 });
  });
});
