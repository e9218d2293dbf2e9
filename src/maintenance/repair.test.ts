import { describe, expect, it } from 'vitest';
import type { Id, TreeNode } from '../core/index.js';
import { hashId } from '../core/index.js';
import { Repository } from '../repository/index.js';
import { listSnapshots, loadTree, saveSnapshot, saveTree } from '../snapshot/index.js';
import { check } from './check.js';
import { repairIndex } from './repair-index.js';
import { repairSnapshots } from './repair-snapshots.js';
import { Recording } from './testing/recording-backend.js';

const TIME = '2024-01-02T03:04:05Z';
const OPTS = { password: 'pw', scryptParams: { N: 1024, r: 8, p: 1 } };
const signal = new AbortController().signal;

function data(seed: string): Buffer {
  return Buffer.concat(Array.from({ length: 100 }, (_, i) => Buffer.from(hashId(Buffer.from(`${seed}${i}`)), 'hex')));
}

function file(name: string, content: Id[], size: number): TreeNode {
  return { name, type: 'file', mode: 0o644, mtime: TIME, atime: TIME, ctime: TIME, uid: 0, gid: 0, size, content };
}

function dir(name: string, subtree: Id): TreeNode {
  return { name, type: 'dir', mode: 2 ** 31 + 0o755, mtime: TIME, atime: TIME, ctime: TIME, uid: 0, gid: 0, content: null, subtree };
}

/** One pack (and index file) each: a, b1, b2 (data), sub, root (trees); one snapshot of /a, /big = b1+b2, /sub/c = a. */
type Names = Record<'a' | 'b1' | 'b2' | 'sub' | 'root', Id>;

async function setup(): Promise<{ backend: Recording; packs: Names; blobs: Names; snap: Id }> {
  const backend = new Recording();
  const repo = await Repository.init(backend, { ...OPTS, compression: 'off' });
  const ids: Record<string, Id> = {};
  const flushed = async (name: string, id: Id): Promise<void> => {
    await repo.flush();
    ids[name] = id;
  };
  await flushed('a', (await repo.saveBlob('data', data('a'))).id);
  await flushed('b1', (await repo.saveBlob('data', data('b1'))).id);
  await flushed('b2', (await repo.saveBlob('data', data('b2'))).id);
  const n = data('a').length;
  // The empty tree is in the pack of sub/ too: repairing a folder must store it again if that pack is lost.
  await saveTree(repo, { nodes: [] });
  await flushed('sub', (await saveTree(repo, { nodes: [file('c', [ids.a!], n)] })).id);
  const rootNodes = [file('a', [ids.a!], n), file('big', [ids.b1!, ids.b2!], 2 * n), dir('sub', ids.sub!)];
  await flushed('root', (await saveTree(repo, { nodes: rootNodes })).id);
  const snap = await saveSnapshot(repo, { time: TIME, tree: ids.root!, paths: ['/'], hostname: 'h', username: 'u', tags: ['t'] });
  const packs = Object.fromEntries(Object.entries(ids).map(([k, id]) => [k, repo.lookup(k === 'sub' || k === 'root' ? 'tree' : 'data', id)!.packId]));
  await repo.close();
  backend.log.length = 0;
  return { backend, packs: packs as Names, blobs: ids as Names, snap };
}

async function open(backend: Recording): Promise<Repository> {
  const repo = await Repository.open(backend, OPTS);
  await repo.loadIndex();
  return repo;
}

async function indexFileNaming(repo: Repository, pack: Id): Promise<Id> {
  return (await repo.listIndexFiles()).find((f) => f.packs.some((p) => p.id === pack))!.id;
}

async function flipByte(backend: Recording, pack: Id, fromEnd: number): Promise<void> {
  const h = { type: 'data' as const, name: pack };
  const bytes = await backend.inner.read(h);
  bytes[bytes.length - fromEnd] = bytes[bytes.length - fromEnd]! ^ 0xff;
  await backend.inner.remove(h);
  await backend.inner.write(h, bytes);
}

describe('repair index', () => {
  it('indexes a pack whose index file is gone, writing the new index files before deleting the old', async () => {
    const { backend, packs, blobs } = await setup();
    let repo = await open(backend);
    await backend.remove({ type: 'index', name: await indexFileNaming(repo, packs.b1) });
    await repo.close();
    backend.log.length = 0;

    repo = await Repository.open(backend, OPTS);
    const r = await repairIndex(repo, { signal });
    await repo.close();
    expect(r.added).toEqual([packs.b1]);
    expect(r.packsRead).toBe(1);
    expect(r.unreadable).toEqual([]);
    expect(r.indexFiles).toEqual({ written: 1, removed: 4 });
    expect(backend.log.lastIndexOf('write index')).toBeLessThan(backend.log.indexOf('remove index'));
    expect(backend.log.filter((l) => l !== 'write index' && l !== 'remove index')).toEqual([]);

    const after = await open(backend);
    expect((await check(after, { readData: true })).errors).toEqual([]);
    expect((await after.loadBlob('data', blobs.b1)).equals(data('b1'))).toBe(true);
  });

  it('leaves out, and names, a pack whose header cannot be read (found by size, or by --read-all-packs)', async () => {
    const { backend, packs } = await setup();
    await flipByte(backend, packs.b1, 10);
    let repo = await Repository.open(backend, OPTS);
    // Same size: the index describes it correctly, so only reading every header finds the damage.
    expect((await repairIndex(repo, { signal })).unreadable).toEqual([]);
    const all = await repairIndex(repo, { signal, readAllPacks: true });
    await repo.close();
    expect(all.packsRead).toBe(5);
    expect(all.unreadable.map((u) => u.id)).toEqual([packs.b1]);
    expect(all.unreadable[0]!.reason).toMatch(/header .* cannot be decrypted/);
    repo = await open(backend);
    expect([...repo.indexedPacks().keys()].sort()).toEqual([packs.a, packs.b2, packs.sub, packs.root].sort());
    await repo.close();

    // A pack that lost bytes has the wrong size: its header is read without asking.
    const h = { type: 'data' as const, name: packs.b2 };
    const short = (await backend.inner.read(h)).subarray(0, 100);
    await backend.inner.remove(h);
    await backend.inner.write(h, short);
    repo = await Repository.open(backend, OPTS);
    const r = await repairIndex(repo, { signal });
    await repo.close();
    // The damaged pack stays in data/ unindexed, so it is tried (and named) again.
    expect(r.unreadable.map((u) => u.id)).toEqual([packs.b1, packs.b2].sort());
  });

  it('replaces an index file that cannot be read, deleting it only after the new index is written', async () => {
    const { backend, packs } = await setup();
    let repo = await open(backend);
    const bad = await indexFileNaming(repo, packs.sub);
    await repo.close();
    await backend.inner.remove({ type: 'index', name: bad });
    await backend.inner.write({ type: 'index', name: bad }, Buffer.from('not an index'));
    backend.log.length = 0;
    repo = await Repository.open(backend, OPTS);
    const r = await repairIndex(repo, { signal });
    await repo.close();
    expect(r.damagedIndexFiles.map((d) => d.id)).toEqual([bad]);
    expect(r.added).toEqual([packs.sub]);
    expect(backend.log.at(-1)).toBe('remove index');
    expect(backend.log.lastIndexOf('write index')).toBeLessThan(backend.log.indexOf('remove index'));
    expect((await check(await open(backend))).errors).toEqual([]);
  });
});

describe('repair snapshots', () => {
  it('shortens a file with a missing pack to its readable blobs, tags the copy and keeps the original', async () => {
    const { backend, packs, blobs, snap } = await setup();
    await backend.remove({ type: 'data', name: packs.b1 });
    backend.log.length = 0;
    const repo = await open(backend);
    const r = await repairSnapshots(repo, await listSnapshots(repo), { signal });
    expect(r.snapshots).toMatchObject([{ id: snap, status: 'repaired', changes: ['file "/big": removed missing content'] }]);
    expect(backend.log).toEqual(['write data', 'write index', 'write snapshots']);
    const listed = await listSnapshots(repo);
    const old = listed.find((s) => s.id === snap)!;
    const repaired = listed.find((s) => s.id !== snap)!;
    expect(old.tags).toEqual(['t']);
    expect(repaired).toMatchObject({ id: r.snapshots[0]!.newId, original: snap, tags: ['t', 'repaired'], time: TIME });
    const root = await loadTree(repo, repaired.tree);
    const big = root.nodes.find((n) => n.name === 'big')!;
    expect(big.content).toEqual([blobs.b2]);
    expect(big.size).toBe(data('b2').length);
    // Unchanged folders keep their tree.
    expect(root.nodes.find((n) => n.name === 'sub')!.subtree).toBe((await loadTree(repo, old.tree)).nodes[2]!.subtree);
    await repo.close();
  });

  it('a damaged folder shared by several snapshots is repaired once and reported in each', async () => {
    const { backend, packs, snap } = await setup();
    let repo = await open(backend);
    const [first] = await listSnapshots(repo);
    await saveSnapshot(repo, { ...first!, time: '2024-01-03T00:00:00Z' });
    await repo.close();
    await backend.remove({ type: 'data', name: packs.b1 });
    repo = await open(backend);
    const r = await repairSnapshots(repo, await listSnapshots(repo), { signal });
    await repo.close();
    expect(r.snapshots.map((s) => s.changes)).toEqual([['file "/big": removed missing content'], ['file "/big": removed missing content']]);
    expect(r.snapshots[0]!.id).toBe(snap);
    expect(backend.log.filter((l) => l === 'write data')).toHaveLength(1);
  });

  it('--forget deletes the original last; after repair index, check finds nothing wrong', async () => {
    const { backend, packs, snap } = await setup();
    await backend.remove({ type: 'data', name: packs.b1 });
    backend.log.length = 0;
    let repo = await open(backend);
    const r = await repairSnapshots(repo, await listSnapshots(repo), { signal, forget: true });
    expect(backend.log).toEqual(['write data', 'write index', 'write snapshots', 'remove snapshots']);
    const [only] = await listSnapshots(repo);
    expect(only).toMatchObject({ id: r.snapshots[0]!.newId, original: snap, tags: ['t'] });
    await repo.close();
    repo = await Repository.open(backend, OPTS);
    expect(await repairIndex(repo, { signal })).toMatchObject({ missing: [packs.b1] });
    await repo.close();
    repo = await open(backend);
    expect((await check(repo, { readData: true })).errors).toEqual([]);
    await repo.close();
  });

  it('an unreadable folder becomes empty, an unreadable root deletes the snapshot; a dry run writes nothing', async () => {
    const { backend, packs, snap } = await setup();
    await backend.remove({ type: 'data', name: packs.sub });
    backend.log.length = 0;
    let repo = await open(backend);
    const dry = await repairSnapshots(repo, await listSnapshots(repo), { signal, dryRun: true });
    expect(dry.snapshots).toMatchObject([{ status: 'repaired', changes: ['dir "/sub": replaced with empty directory'] }]);
    expect(backend.log).toEqual([]);
    const r = await repairSnapshots(repo, await listSnapshots(repo), { signal });
    const repaired = (await listSnapshots(repo)).find((s) => s.id === r.snapshots[0]!.newId)!;
    const sub = (await loadTree(repo, repaired.tree)).nodes.find((n) => n.name === 'sub')!;
    expect((await loadTree(repo, sub.subtree!)).nodes).toEqual([]);
    const original = await backend.inner.read({ type: 'snapshots', name: snap });
    await repo.removeUnpacked('snapshots', snap);
    await repairIndex(repo, { signal });
    await repo.close();
    expect((await check(await open(backend), { readData: true })).errors).toEqual([]);
    await backend.inner.write({ type: 'snapshots', name: snap }, original);

    await backend.remove({ type: 'data', name: packs.root });
    repo = await open(backend);
    const gone = await repairSnapshots(repo, (await listSnapshots(repo)).filter((s) => s.id === snap), { signal });
    expect(gone.snapshots).toMatchObject([{ id: snap, status: 'removed', changes: ['dir "/": not readable'] }]);
    expect((await listSnapshots(repo)).map((s) => s.id)).toEqual([repaired.id]);
    await repo.close();
  });
});
