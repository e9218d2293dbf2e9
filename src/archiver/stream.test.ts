import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../backend/local/index.js';
import { Chunker, MIN_SIZE } from '../chunker/index.js';
import type { TreeNode } from '../core/index.js';
import { Repository } from '../repository/index.js';
import { listSnapshots } from '../snapshot/index.js';
import type { OpenStream } from '../source/index.js';
import { commandSource, StreamSource } from '../source/stream/index.js';
import { RESTIC } from '../../test/harness/restic.js';
import { backupFrom, backupPaths, contentOf, memRepo, nodeAt, POLY, randomBytesSeeded, tempDir } from './test-support.js';

let dir: string;
beforeAll(() => {
  dir = tempDir('cairn-stream-');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Compressible text and random bytes, alternating every 300 KiB (so both stored forms occur). */
function dumpLike(n: number, seed: number): Buffer {
  const text = Buffer.from(Array.from({ length: 12_000 }, (_, i) => `INSERT INTO t VALUES (${i},'row ${i % 97}');\n`).join(''));
  const out = randomBytesSeeded(n, seed);
  for (let at = 0; at < n; at += 600 << 10) text.copy(out, at, 0, Math.min(300 << 10, n - at));
  return out;
}

/** The pieces of `data` as a pipe delivers them: odd sizes, each a buffer of its own. */
function pipePieces(data: Buffer, size = 65_537): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < data.length; at += size) out.push(Buffer.from(data.subarray(at, at + size)));
  return out;
}

function streamOf(pieces: Uint8Array[], freshPieces: boolean, name = 'dump.sql'): StreamSource {
  return new StreamSource(name, (): OpenStream => ({ stream: Readable.from(pieces), done: Promise.resolve(), freshPieces }));
}

async function streamNode(pieces: Uint8Array[], freshPieces: boolean): Promise<{ node: TreeNode; repo: Repository; blobs: number }> {
  const repo = await memRepo();
  const res = await backupFrom(repo, streamOf(pieces, freshPieces), { hostname: 'h', workers: 0 });
  return { node: await nodeAt(repo, res.snapshot.tree, 'dump.sql'), repo, blobs: res.summary.data_blobs };
}

const detached = (b: Buffer): boolean => (b.buffer as ArrayBuffer).detached;

/** The chunker's cut offsets in `data`. */
function cuts(data: Buffer): number[] {
  return new Chunker(POLY).scan(data);
}

describe('a stream is cut and stored like a file of the same bytes', () => {
  const big = dumpLike(10 << 20, 21);
  const bounds = cuts(big);
  const cases: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['1 byte', Buffer.from('x')],
    ['min chunk - 1', dumpLike(MIN_SIZE - 1, 1)],
    ['min chunk', dumpLike(MIN_SIZE, 2)],
    ['min chunk + 1', dumpLike(MIN_SIZE + 1, 3)],
    ['several MiB', big],
    ['ending exactly at a chunk boundary', big.subarray(0, bounds[1])],
  ];

  it.each(cases)('%s', async (_name, data) => {
    const file = path.join(dir, 'dump.sql');
    fs.writeFileSync(file, data);
    const fileRepo = await memRepo();
    const res = await backupPaths(fileRepo, { paths: ['dump.sql'], cwd: dir, hostname: 'h', workers: 0 });
    const fromFile = await nodeAt(fileRepo, res.snapshot.tree, 'dump.sql');
    const s = await streamNode(pipePieces(data), true);
    expect(s.node.content).toEqual(fromFile.content);
    expect(s.node.size ?? 0).toBe(data.length);
    expect(s.blobs).toBe(res.summary.data_blobs);
    // Same ids and the same bytes behind them; every id is in the stream's repository (nothing shared between the two).
    for (const id of s.node.content!) expect(s.repo.has('data', id)).toBe(true);
    expect((await contentOf(s.repo, s.node)).equals(data)).toBe(true);
    if (data === big) expect(s.node.content!.length).toBeGreaterThan(2);
    if (_name.startsWith('ending')) expect(cuts(data)).toEqual(bounds.slice(0, 2));
  });
});

describe('memory of stream pieces', () => {
  it('a fresh piece is freed once it is copied; the stored bytes are intact', async () => {
    const data = dumpLike(3 << 20, 5);
    const pieces = pipePieces(data);
    const { node, repo } = await streamNode(pieces, true);
    expect(pieces.every((p) => detached(p))).toBe(true);
    expect((await contentOf(repo, node)).equals(data)).toBe(true);
  });

  it('pieces that are not fresh, or are views of a larger buffer, are left alone', async () => {
    const data = dumpLike(1 << 20, 6);
    // The same buffer twice, without the promise: must not be freed after its first use.
    const twice = await streamNode([data, data], false);
    expect((await contentOf(twice.repo, twice.node)).equals(Buffer.concat([data, data]))).toBe(true);
    expect(detached(data)).toBe(false);
    // Views of one buffer, even when said to be fresh: freeing one would take the others' bytes.
    const views = [data.subarray(0, 1000), data.subarray(1000)];
    const v = await streamNode(views, true);
    expect((await contentOf(v.repo, v.node)).equals(data)).toBe(true);
    expect(detached(data)).toBe(false);
  });
});

describe('a producer failing half-way', () => {
  it('a command that fails after writing megabytes: no snapshot', async () => {
    const repo = await memRepo();
    const source = commandSource({ kind: 'command', filename: 'x', command: 'sh', args: ['-c', 'head -c 3000000 /dev/zero; exit 3'] });
    await expect(backupFrom(repo, source, { hostname: 'h', workers: 0 })).rejects.toThrow('exited with status 3');
    expect(await listSnapshots(repo)).toEqual([]);
  });

  it('a stream that breaks after megabytes: no snapshot', async () => {
    const repo = await memRepo();
    async function* broken(): AsyncGenerator<Uint8Array> {
      yield* pipePieces(dumpLike(2 << 20, 8));
      throw new Error('connection lost');
    }
    const source = new StreamSource('x', () => ({ stream: broken(), done: Promise.resolve(), freshPieces: true }));
    await expect(backupFrom(repo, source, { hostname: 'h', workers: 0 })).rejects.toThrow('connection lost');
    expect(await listSnapshots(repo)).toEqual([]);
  });
});

describe.skipIf(!RESTIC)('a stream backup and restic 0.14', () => {
  it('restic reads it back, checks its data, and cuts the same bytes into the same blobs', async () => {
    const data = dumpLike(5 << 20, 9);
    const repoDir = path.join(dir, 'repo');
    const pw = path.join(dir, 'password');
    fs.writeFileSync(pw, 'secret\n');
    const repo = await Repository.init(new LocalBackend(repoDir), { password: 'secret', scryptParams: { N: 1024, r: 8, p: 1 } });
    const res = await backupFrom(repo, streamOf(pipePieces(data), true), { hostname: 'h', workers: 0 });
    await repo.close();
    const restic = (...args: string[]): Buffer =>
      execFileSync(RESTIC!, ['-r', repoDir, '--password-file', pw, '--no-cache', '-q', ...args], {
        maxBuffer: 64 << 20,
        ...(args.includes('--stdin') ? { input: data } : { stdio: ['ignore', 'pipe', 'pipe'] }),
      });
    restic('check', '--read-data');
    expect(restic('dump', res.snapshotId!, '/dump.sql').equals(data)).toBe(true);
    const summary = JSON.parse(restic('backup', '--json', '--stdin', '--stdin-filename', 'dump.sql').toString().trim().split('\n').at(-1)) as {
      data_blobs: number;
    };
    // Every chunk restic cut is already there (only its own tree is new).
    expect(summary.data_blobs).toBe(0);
  });
});
