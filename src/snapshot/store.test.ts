import { beforeEach, describe, expect, it } from 'vitest';
import { MemBackend } from '../backend/mem/index.js';
import { hashId, isCairnError } from '../core/index.js';
import type { Snapshot, TreeNode } from '../core/index.js';
import { Repository } from '../repository/index.js';
import { findSnapshot } from './find.js';
import { listSnapshots, loadSnapshot, loadTree, saveSnapshot, saveTree } from './store.js';
import { encodeTree } from './tree-codec.js';
import { resolveTreePath, walkTree } from './walk.js';

const T = '2024-01-01T00:00:00Z';

function file(name: string): TreeNode {
  return { name, type: 'file', mode: 420, mtime: T, atime: T, ctime: T, uid: 0, gid: 0, content: [] };
}

function dir(name: string, subtree: string): TreeNode {
  return {
    name,
    type: 'dir',
    mode: 2147484141,
    mtime: T,
    atime: T,
    ctime: T,
    uid: 0,
    gid: 0,
    content: null,
    subtree,
  };
}

function snap(time: string, tree: string, extra: Partial<Snapshot> = {}): Snapshot {
  return { time, tree, paths: ['/data'], hostname: 'h', ...extra };
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  return undefined;
}

let repo: Repository;
let backend: MemBackend;
beforeEach(async () => {
  // Cheap scrypt parameters keep the test fast; the repository owner's tests cover key derivation.
  backend = new MemBackend();
  repo = await Repository.init(backend, { password: 'x', scryptParams: { N: 1024, r: 8, p: 1 } });
});

/** /a.txt, /sub/b.txt, /sub/deep/c.txt, /z.txt → root tree id. */
async function sampleTree(): Promise<string> {
  const deep = await saveTree(repo, { nodes: [file('c.txt')] });
  const sub = await saveTree(repo, { nodes: [file('b.txt'), dir('deep', deep.id)] });
  const root = await saveTree(repo, { nodes: [file('z.txt'), dir('sub', sub.id), file('a.txt')] });
  await repo.flush();
  return root.id;
}

describe('trees in a repository', () => {
  it('saveTree stores the sorted encoding under its hash and loadTree reads it back', async () => {
    const nodes = [file('b'), file('a')];
    const saved = await saveTree(repo, { nodes });
    await repo.flush();
    expect(saved.id).toBe(hashId(encodeTree({ nodes: [file('a'), file('b')] })));
    expect(await loadTree(repo, saved.id)).toEqual({ nodes: [file('a'), file('b')] });
  });

  it('saving the same tree twice is deduplicated', async () => {
    const first = await saveTree(repo, { nodes: [file('a')] });
    const second = await saveTree(repo, { nodes: [file('a')] });
    expect(second).toMatchObject({ id: first.id, known: true });
  });

  it('resolveTreePath finds nested nodes and returns undefined for missing ones', async () => {
    const root = await sampleTree();
    expect((await resolveTreePath(repo, root, '/sub/deep/c.txt'))?.name).toBe('c.txt');
    expect((await resolveTreePath(repo, root, 'sub/deep'))?.type).toBe('dir');
    expect(await resolveTreePath(repo, root, '/sub/nope')).toBeUndefined();
    expect(await resolveTreePath(repo, root, '/a.txt/x')).toBeUndefined();
    expect(await resolveTreePath(repo, root, '/')).toMatchObject({ type: 'dir', subtree: root });
  });

  it('walkTree visits depth-first in name order, directory before its contents', async () => {
    const root = await sampleTree();
    const seen: string[] = [];
    await walkTree(repo, root, async (path) => {
      seen.push(path);
    });
    expect(seen).toEqual(['/a.txt', '/sub', '/sub/b.txt', '/sub/deep', '/sub/deep/c.txt', '/z.txt']);
  });

  it("walkTree does not descend into a directory the visitor 'skip's, and honours the prefix", async () => {
    const root = await sampleTree();
    const seen: string[] = [];
    await walkTree(
      repo,
      root,
      async (path, node) => {
        seen.push(path);
        return node.name === 'deep' ? 'skip' : undefined;
      },
      '/snap',
    );
    expect(seen).toEqual(['/snap/a.txt', '/snap/sub', '/snap/sub/b.txt', '/snap/sub/deep', '/snap/z.txt']);
  });
});

describe('snapshots in a repository', () => {
  it('saveSnapshot then loadSnapshot gives back the document with its id', async () => {
    const root = await sampleTree();
    const doc = snap('2024-01-02T03:04:05Z', root, { tags: ['t'] });
    const id = await saveSnapshot(repo, doc);
    expect(await loadSnapshot(repo, id)).toEqual({ ...doc, id });
  });

  it('listSnapshots returns all snapshots oldest first (by instant, across offsets)', async () => {
    const root = await sampleTree();
    await saveSnapshot(repo, snap('2024-01-03T00:00:00Z', root));
    await saveSnapshot(repo, snap('2024-01-01T00:00:00Z', root));
    await saveSnapshot(repo, snap('2024-01-02T05:00:00+06:00', root)); // 2024-01-01T23:00Z
    const times = (await listSnapshots(repo)).map((s) => s.time);
    expect(times).toEqual(['2024-01-01T00:00:00Z', '2024-01-02T05:00:00+06:00', '2024-01-03T00:00:00Z']);
  });

  it('listSnapshots reports an unreadable snapshot to onError and skips it', async () => {
    const root = await sampleTree();
    await saveSnapshot(repo, snap('2024-01-03T00:00:00Z', root));
    await backend.write({ type: 'snapshots', name: 'f'.repeat(64) }, Buffer.from('garbage'));
    const failed: string[] = [];
    const snaps = await listSnapshots(repo, { onError: (id) => failed.push(id) });
    expect(snaps).toHaveLength(1);
    expect(failed).toEqual(['f'.repeat(64)]);
  });

  it('listSnapshots skips a snapshot with an invalid time through onError too', async () => {
    const root = await sampleTree();
    await saveSnapshot(repo, snap('2024-01-03T00:00:00Z', root));
    const bad = await saveSnapshot(repo, snap('yesterday', root));
    const failed: string[] = [];
    expect(await listSnapshots(repo, { onError: (id) => failed.push(id) })).toHaveLength(1);
    expect(failed).toEqual([bad]);
  });
});

describe('findSnapshot', () => {
  let ids: string[];
  beforeEach(async () => {
    const root = await sampleTree();
    ids = [];
    for (let day = 1; day <= 20; day++) {
      const host = day % 2 === 0 ? 'even' : 'odd';
      const time = `2024-01-${String(day).padStart(2, '0')}T00:00:00Z`;
      ids.push(await saveSnapshot(repo, snap(time, root, { hostname: host })));
    }
  });

  it('finds a snapshot by full id', async () => {
    expect((await findSnapshot(repo, ids[3]!)).id).toBe(ids[3]);
  });

  it('finds a snapshot by a unique prefix', async () => {
    const id = ids[5]!;
    const prefix = id.slice(0, 8);
    expect((await findSnapshot(repo, prefix)).id).toBe(id);
  });

  it("'latest' is the newest snapshot, after filtering", async () => {
    expect((await findSnapshot(repo, 'latest')).time).toBe('2024-01-20T00:00:00Z');
    expect((await findSnapshot(repo, 'latest', { hosts: ['odd'] })).time).toBe('2024-01-19T00:00:00Z');
  });

  it("'latest' with onError is the newest readable snapshot, past an empty snapshot file", async () => {
    await backend.write({ type: 'snapshots', name: 'e'.repeat(64) }, Buffer.alloc(0));
    await expect(findSnapshot(repo, 'latest')).rejects.toMatchObject({ code: 'corrupt' });
    const failed: string[] = [];
    const latest = await findSnapshot(repo, 'latest', {}, { onError: (id) => failed.push(id) });
    expect(latest.time).toBe('2024-01-20T00:00:00Z');
    expect(failed).toEqual(['e'.repeat(64)]);
  });

  it("throws 'not-found' (no snapshot matched) for an unknown id, prefix or empty 'latest'", async () => {
    for (const ref of ['0'.repeat(64), 'zzz']) {
      const err = await errorOf(findSnapshot(repo, ref));
      expect(isCairnError(err, 'not-found')).toBe(true);
      expect((err as Error).message).toMatch(/no snapshot matched/);
    }
    const unknownPrefix = [...'0123456789abcdef']
      .map((c) => c.repeat(3))
      .find((p) => !ids.some((id) => id.startsWith(p)));
    expect(isCairnError(await errorOf(findSnapshot(repo, unknownPrefix!)), 'not-found')).toBe(true);
    expect(
      isCairnError(await errorOf(findSnapshot(repo, 'latest', { hosts: ['nobody'] })), 'not-found'),
    ).toBe(true);
  });

  it("throws 'invalid-argument' for a prefix several snapshots share", async () => {
    // 20 ids over 16 first hex digits: some digit is shared.
    const shared = [...'0123456789abcdef'].find((c) => ids.filter((id) => id.startsWith(c)).length > 1)!;
    expect(isCairnError(await errorOf(findSnapshot(repo, shared)), 'invalid-argument')).toBe(true);
  });
});

describe('snapshot files', () => {
  it("store restic's compact JSON without empty fields", async () => {
    const root = await sampleTree();
    const id = await saveSnapshot(
      repo,
      snap('2024-01-02T03:04:05.123Z', root, { tags: ['a', 'b'], excludes: [] }),
    );
    expect((await repo.loadUnpacked('snapshots', id)).toString()).toBe(
      `{"time":"2024-01-02T03:04:05.123Z","tree":"${root}","paths":["/data"],"hostname":"h","tags":["a","b"]}`,
    );
  });
});
