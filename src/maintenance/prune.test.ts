import { describe, expect, it } from 'vitest';
import type { Backend } from '../backend/index.js';
import type { Id, TreeNode } from '../core/index.js';
import { hashId } from '../core/index.js';
import { Repository } from '../repository/index.js';
import { saveSnapshot, saveTree } from '../snapshot/index.js';
import { check } from './check.js';
import { prune } from './prune.js';
import { Recording } from './testing/recording-backend.js';

const TIME = '2024-01-02T03:04:05Z';
const OPTS = { password: 'pw', scryptParams: { N: 1024, r: 8, p: 1 } };

function file(name: string, content: Id[]): TreeNode {
  return { name, type: 'file', mode: 0o644, mtime: TIME, atime: TIME, ctime: TIME, uid: 0, gid: 0, size: 1, content };
}

function data(seed: string): Buffer {
  return Buffer.concat(Array.from({ length: 2000 }, (_, i) => Buffer.from(hashId(Buffer.from(`${seed}${i}`)), 'hex')));
}

/** Two snapshots sharing x2; x1 and x2 share a pack. The first snapshot's file is removed: x1 is garbage. */
async function setup(): Promise<{ backend: Recording; x: Id[]; y: Id }> {
  const backend = new Recording();
  const repo = await Repository.init(backend, { ...OPTS, compression: 'off' });
  const x = [(await repo.saveBlob('data', data('x1'))).id, (await repo.saveBlob('data', data('x2'))).id];
  const y = (await repo.saveBlob('data', data('y'))).id;
  const t1 = (await saveTree(repo, { nodes: [file('x', x)] })).id;
  const t2 = (await saveTree(repo, { nodes: [file('x2', [x[1]!]), file('y', [y])] })).id;
  const snap = { time: TIME, tree: t1, paths: ['/'], hostname: 'h', username: 'u' };
  const first = await saveSnapshot(repo, snap);
  await saveSnapshot(repo, { ...snap, tree: t2 });
  await repo.close();
  await backend.remove({ type: 'snapshots', name: first });
  backend.log.length = 0;
  return { backend, x, y };
}

async function files(backend: Backend): Promise<string[]> {
  const out: string[] = [];
  for (const t of ['data', 'index', 'snapshots', 'keys'] as const) for await (const f of backend.list(t)) out.push(`${t}/${f.name}`);
  return out.sort();
}

describe('prune', () => {
  it('repacks, writes the new index, deletes the old index files and only then packs; check finds no error', async () => {
    const { backend, x, y } = await setup();
    const repo = await Repository.open(backend, OPTS);
    await repo.loadIndex();
    const r = await prune(repo, { maxUnused: { kind: 'percent', value: 0 }, signal: new AbortController().signal });
    await repo.close();
    // The data pack (x1 unused) and the tree pack (the first snapshot's tree unused).
    expect(r.packs.repack).toHaveLength(2);
    expect(r.stats.blobs).toMatchObject({ used: 3, unused: 2, repack: 5, repackrm: 2 });
    const log = backend.log;
    // Repacked data and its index, then the full index, then the old index files, then packs.
    const lastWrite = log.lastIndexOf('write index');
    expect(log.indexOf('write data')).toBeLessThan(log.indexOf('write index'));
    expect(lastWrite).toBeLessThan(log.indexOf('remove index'));
    expect(log.lastIndexOf('remove index')).toBeLessThan(log.indexOf('remove data'));
    expect(log.filter((l) => l === 'remove data')).toHaveLength(2);

    const after = await Repository.open(backend, OPTS);
    await after.loadIndex();
    expect((await check(after, { readData: true })).errors).toEqual([]);
    expect(after.has('data', x[0]!)).toBe(false);
    expect((await after.loadBlob('data', x[1]!)).equals(data('x2'))).toBe(true);
    expect((await after.loadBlob('data', y)).equals(data('y'))).toBe(true);
  });

  it('--dry-run changes nothing; a storage that refuses deletes is found out before anything changes', async () => {
    const { backend } = await setup();
    const before = await files(backend);
    const repo = await Repository.open(backend, OPTS);
    await repo.loadIndex();
    const signal = new AbortController().signal;
    const dry = await prune(repo, { maxUnused: { kind: 'percent', value: 0 }, dryRun: true, signal });
    expect(dry.packs.repack).toHaveLength(2);
    backend.appendOnly = true;
    await expect(prune(repo, { maxUnused: { kind: 'percent', value: 0 }, signal })).rejects.toThrow(
      /refuses to delete files \(an append-only server\?\), and prune must delete them; nothing was changed\.$/,
    );
    await repo.close();
    expect(backend.log).toEqual([]);
    expect(await files(backend)).toEqual(before);
  });
});
