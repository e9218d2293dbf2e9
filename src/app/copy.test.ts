import { randomBytes } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Handle } from '../backend/index.js';
import { MemBackend } from '../backend/mem/index.js';
import type { Id, StoredSnapshot, TreeNode } from '../core/index.js';
import { CairnError } from '../core/index.js';
import { Repository } from '../repository/index.js';
import { GoMode, listSnapshots, loadTree, saveSnapshot, saveTree } from '../snapshot/index.js';
import { fixedClock } from '../util/index.js';
import { copySnapshots } from './copy.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';
import { openSource } from '../registry.js';

const CHEAP_SCRYPT = { N: 1024, r: 8, p: 1 };
const T = '2024-03-01T12:00:00Z';

/** A MemBackend whose data writes start failing after `okWrites` of them (a destination that goes away). */
class FailingBackend extends MemBackend {
  okWrites = Infinity;
  override async write(h: Handle, data: Uint8Array): Promise<void> {
    if (h.type === 'data' && this.okWrites-- <= 0) throw new CairnError('no-space', 'The disk is full.');
    return super.write(h, data);
  }
}

function fileNode(name: string, content: Id[], size: number): TreeNode {
  return { name, type: 'file', mode: 0o644, mtime: T, atime: T, ctime: T, uid: 1, gid: 1, content, size };
}

function dirNode(name: string, subtree: Id): TreeNode {
  const mode = (GoMode.dir | 0o755) >>> 0;
  return { name, type: 'dir', mode, mtime: T, atime: T, ctime: T, uid: 1, gid: 1, content: null, subtree };
}

/** Writes a snapshot of `files` (name → chunks) below one sub-folder; returns its id. */
async function addSnapshot(repo: Repository, files: Record<string, Buffer[]>, time: string, tags?: string[]) {
  const nodes: TreeNode[] = [];
  for (const [name, chunks] of Object.entries(files)) {
    const ids: Id[] = [];
    for (const c of chunks) ids.push((await repo.saveBlob('data', c)).id);
    nodes.push(
      fileNode(
        name,
        ids,
        chunks.reduce((n, c) => n + c.length, 0),
      ),
    );
  }
  const sub = await saveTree(repo, { nodes });
  const root = await saveTree(repo, { nodes: [dirNode('sub', sub.id)] });
  const snap = {
    time,
    tree: root.id,
    paths: ['/data'],
    hostname: 'h1',
    username: 'u',
    ...(tags ? { tags } : {}),
  };
  return saveSnapshot(repo, snap);
}

/** Every file's content below a snapshot, loaded from `repo` (verifies every blob is there and intact). */
async function contents(repo: Repository, snap: StoredSnapshot): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (tree: Id, prefix: string): Promise<void> => {
    for (const n of (await loadTree(repo, tree)).nodes) {
      if (n.subtree !== undefined) await walk(n.subtree, `${prefix}${n.name}/`);
      const parts = await Promise.all((n.content ?? []).map((b) => repo.loadBlob('data', b)));
      if (n.type === 'file') out[prefix + n.name] = Buffer.concat(parts).toString('hex');
    }
  };
  await walk(snap.tree, '/');
  return out;
}

describe('copySnapshots', () => {
  let backends: Map<string, MemBackend>;
  let deps: AppDeps;
  // Half random, half zeros: each chunk is new and compresses, so the source stores it compressed.
  const chunks = Array.from({ length: 12 }, () => Buffer.concat([randomBytes(10_000), Buffer.alloc(10_000)]));
  const opts = (url: string, password: string): OpenOptions => ({
    target: { url, isDefault: false },
    password: { configured: async () => password },
  });
  const inRepo = <T>(url: string, pw: string, fn: (r: Repository) => Promise<T>): Promise<T> =>
    withRepository(deps, opts(url, pw), 'none', async ({ repo }) => {
      await repo.loadIndex();
      return fn(repo);
    });

  beforeEach(async () => {
    backends = new Map([
      ['src', new MemBackend()],
      ['dst', new FailingBackend()],
    ]);
    deps = {
      openBackend: (url) => backends.get(url)!,
      openSource,
      clock: fixedClock(Date.UTC(2024, 0, 2)),
      hostname: 'host',
      username: 'user',
      warn: () => undefined,
    };
    // Small packs in the source, so blobs of one snapshot are spread over many packs and ranges.
    const src = await Repository.init(backends.get('src')!, {
      password: 'source-pw',
      scryptParams: CHEAP_SCRYPT,
      packSize: 50_000,
    });
    await addSnapshot(src, { a: chunks.slice(0, 6), b: chunks.slice(6, 9) }, '2024-03-01T10:00:00Z', ['x']);
    await addSnapshot(src, { a: chunks.slice(0, 6), c: chunks.slice(9) }, '2024-03-02T10:00:00Z');
    await src.close();
    const dst = await Repository.init(backends.get('dst')!, {
      password: 'dest-pw',
      scryptParams: CHEAP_SCRYPT,
    });
    await dst.close();
  });

  const copy = (extra: Partial<Parameters<typeof copySnapshots>[2]> = {}) =>
    copySnapshots(deps, opts('dst', 'dest-pw'), { from: opts('src', 'source-pw'), ...extra });

  it('copies every snapshot with its content, fields and original, between different keys and polynomials', async () => {
    const out = await copy();
    expect(out.copied).toHaveLength(2);
    expect(out.dataBlobs).toBe(12);
    const srcSnaps = await inRepo('src', 'source-pw', (r) => listSnapshots(r));
    const srcData = await inRepo('src', 'source-pw', (r) => Promise.all(srcSnaps.map((s) => contents(r, s))));
    await inRepo('dst', 'dest-pw', async (dst) => {
      const srcPoly = await inRepo('src', 'source-pw', async (r) => r.config.chunkerPolynomial);
      expect(dst.config.chunkerPolynomial).not.toBe(srcPoly);
      const copies = await listSnapshots(dst);
      expect(copies.map((s) => s.original)).toEqual(srcSnaps.map((s) => s.id));
      expect(copies.map((s) => [s.tree, s.time, s.tags, s.paths, s.parent])).toEqual(
        srcSnaps.map((s) => [s.tree, s.time, s.tags, s.paths, undefined]),
      );
      expect(await Promise.all(copies.map((s) => contents(dst, s)))).toEqual(srcData);
    });
  });

  it('copies nothing when run again', async () => {
    await copy();
    const again = await copy();
    expect(again.copied).toEqual([]);
    expect(again.skipped).toHaveLength(2);
    expect(again.treeBlobs + again.dataBlobs + again.bytesAdded).toBe(0);
  });

  it('copies only the named snapshot and only what passes the filter', async () => {
    const [first] = await inRepo('src', 'source-pw', (r) => listSnapshots(r));
    const one = await copy({ snapshots: [first!.id.slice(0, 8)] });
    expect(one.copied.map((c) => c.source)).toEqual([first!.id]);
    expect(one.dataBlobs).toBe(9);
    const tagged = await copy({ filter: { tags: [['x']] } });
    expect(tagged.copied).toEqual([]);
    expect(tagged.skipped.map((s) => s.source)).toEqual([first!.id]);
    const rest = await copy();
    expect(rest.copied).toHaveLength(1);
    expect(rest.dataBlobs).toBe(3);
  });

  it('a destination failing half-way keeps what was flushed, and the next run completes with it', async () => {
    const dst = backends.get('dst') as FailingBackend;
    dst.okWrites = 2;
    await expect(copy({ flushEveryBytes: 1 })).rejects.toMatchObject({ code: 'no-space' });
    const flushed = await inRepo('dst', 'dest-pw', async (r) => r.indexSize);
    expect(flushed).toBeGreaterThan(0);
    expect(await inRepo('dst', 'dest-pw', (r) => listSnapshots(r))).toEqual([]);
    dst.okWrites = Infinity;
    const resumed = await copy();
    expect(resumed.copied).toHaveLength(2);
    expect(resumed.treeBlobs + resumed.dataBlobs).toBe(4 + 12 - flushed);
  });

  it('skips a snapshot whose copy arrived through another repository', async () => {
    backends.set('mid', new MemBackend());
    const mid = await Repository.init(backends.get('mid')!, { password: 'mid', scryptParams: CHEAP_SCRYPT });
    await mid.close();
    await copySnapshots(deps, opts('mid', 'mid'), { from: opts('src', 'source-pw') });
    await copySnapshots(deps, opts('dst', 'dest-pw'), { from: opts('mid', 'mid') });
    const direct = await copy();
    expect(direct.copied).toEqual([]);
    expect(direct.skipped).toHaveLength(2);
  });

  it('keeps compressed payloads for a compressing destination and stores plain blobs for --compression off', async () => {
    await copy();
    const dataEntries = (r: Repository) => [...r.indexEntries()].filter(([, e]) => e.type === 'data');
    const kept = await inRepo('dst', 'dest-pw', async (r) => dataEntries(r));
    const source = new Map(await inRepo('src', 'source-pw', async (r) => dataEntries(r)));
    expect(kept).toHaveLength(12);
    expect(kept.every(([, e]) => e.uncompressedLength !== undefined)).toBe(true);
    // Sealed again with the destination key: the same payload length.
    expect(kept.every(([id, e]) => e.length === source.get(id)?.length)).toBe(true);
    backends.set('plain', new MemBackend());
    await (
      await Repository.init(backends.get('plain')!, { password: 'p', scryptParams: CHEAP_SCRYPT })
    ).close();
    const off: OpenOptions = { ...opts('plain', 'p'), compression: 'off' };
    await copySnapshots(deps, off, { from: opts('src', 'source-pw') });
    const plain = await inRepo('plain', 'p', async (r) => dataEntries(r));
    expect(plain).toHaveLength(12);
    expect(plain.every(([, e]) => e.uncompressedLength === undefined)).toBe(true);
  });

  it('counts the plaintext bytes it copies, whether the source stored a blob compressed or not', async () => {
    backends.set('mixed', new MemBackend());
    const mixed = await Repository.init(backends.get('mixed')!, { password: 'm', scryptParams: CHEAP_SCRYPT });
    const noise = randomBytes(5_000); // stored as it is
    const zeros = Buffer.concat([randomBytes(100), Buffer.alloc(5_000)]); // stored compressed
    await addSnapshot(mixed, { n: [noise], z: [zeros] }, T);
    await mixed.close();
    const out = await copySnapshots(deps, opts('dst', 'dest-pw'), { from: opts('mixed', 'm') });
    const treeBytes = await inRepo('dst', 'dest-pw', async (r) => {
      let n = 0;
      for (const [id, e] of r.indexEntries()) if (e.type === 'tree') n += (await r.loadBlob('tree', id)).length;
      return n;
    });
    expect(out.bytesCopied).toBe(noise.length + zeros.length + treeBytes);
  });

  it('an aborted copy stops with "interrupted" and writes no snapshot', async () => {
    const ac = new AbortController();
    const run = copySnapshots(
      deps,
      { ...opts('dst', 'dest-pw'), signal: ac.signal },
      {
        from: opts('src', 'source-pw'),
      },
      { onStarted: () => ac.abort() },
    );
    await expect(run).rejects.toMatchObject({ code: 'interrupted' });
    expect(await inRepo('dst', 'dest-pw', (r) => listSnapshots(r))).toEqual([]);
  });
});
