import { beforeAll, describe, expect, it } from 'vitest';
import { hashId } from '../core/index.js';
import type { TreeNode } from '../core/index.js';
import { Repository } from '../repository/index.js';
import { findParent, findSnapshot } from './find.js';
import { listSnapshots, loadTree } from './store.js';
import { encodeTree } from './tree-codec.js';
import { fixtureBackend, loadFacts } from './test-support.js';
import { resolveTreePath, walkTree } from './walk.js';

const facts = loadFacts();
let repo: Repository;

beforeAll(async () => {
  repo = await Repository.open(await fixtureBackend(), { password: 'test' });
  await repo.loadIndex();
});

describe('the restic 0.14 fixture repository', () => {
  it('lists both snapshots oldest first with their storage ids', async () => {
    const snaps = await listSnapshots(repo);
    expect(snaps.map((s) => s.id)).toEqual(facts.snapshots.map((s) => s.id));
    expect(snaps.map((s) => s.tags)).toEqual([['first'], ['second']]);
  });

  it('loads every tree, and each re-encodes to its id', async () => {
    for (const id of Object.keys(facts.trees)) expect(hashId(encodeTree(await loadTree(repo, id)))).toBe(id);
  });

  it.each([0, 1])(
    'walks snapshot %i in the depth-first order and with the nodes restic reported',
    async (i) => {
      const expected = facts.snapshots[i]!;
      const seen: { path: string; type: string; mode: number; subtree?: string; linktarget?: string }[] = [];
      await walkTree(repo, expected.tree, async (path, node: TreeNode) => {
        seen.push({
          path,
          type: node.type,
          mode: node.mode ?? 0,
          ...(node.subtree !== undefined && { subtree: node.subtree }),
          ...(node.linktarget !== undefined && { linktarget: node.linktarget }),
        });
      });
      expect(seen).toEqual(
        expected.nodes.map((n) => ({
          path: n.path,
          type: n.type,
          mode: n.mode,
          ...(n.subtree !== undefined && { subtree: n.subtree }),
          ...(n.linktarget !== undefined && { linktarget: n.linktarget }),
        })),
      );
    },
  );

  it('resolves paths with special characters inside a snapshot', async () => {
    const tree = facts.snapshots[0]!.tree;
    expect((await resolveTreePath(repo, tree, '/tree/quote"and\\backslash.txt'))?.size).toBe(
      facts.snapshots[0]!.nodes.find((n) => n.path === '/tree/quote"and\\backslash.txt')?.size,
    );
    expect((await resolveTreePath(repo, tree, '/tree/dangling-link'))?.linktarget).toBe('does/not/exist');
    expect((await resolveTreePath(repo, tree, '/tree/dir1/nested/deeper/d.json'))?.type).toBe('file');
  });

  it("finds 'latest', a prefix, and the parent restic used for the second backup", async () => {
    const [first, second] = facts.snapshots;
    expect((await findSnapshot(repo, 'latest')).id).toBe(second!.id);
    expect((await findSnapshot(repo, first!.id.slice(0, 6))).id).toBe(first!.id);
    const snaps = await listSnapshots(repo);
    const parent = findParent(snaps.slice(0, 1), {
      host: 'fixture-host',
      paths: ['/tmp/restic-fixture-src/tree'],
    });
    expect(parent?.id).toBe(second!.json.parent);
  });
});
