import type { Id, Tree, TreeNode } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { decodeTree, loadSnapshot } from '../snapshot/index.js';
import { loadIndexedBlob } from './check-blob.js';
import type { CheckIndex } from './check-index.js';
import type { CheckReport } from './check-report.js';
import { reason } from './check-report.js';
import { forEachLimit, forEachQueued } from '../util/index.js';

interface PendingTree {
  id: Id;
  /** Where the tree was first met, for messages: '' for a snapshot root, else '/dir/sub'. */
  path: string;
}

/** A snapshot and its root tree. */
export interface SnapshotRoot {
  snapshot: Id;
  tree: Id;
}

export interface TreeWalkStats {
  snapshots: number;
  trees: number;
  /** Every snapshot that names a tree, sorted by snapshot id. */
  roots: SnapshotRoot[];
}

const NODE_TYPES = new Set(['file', 'dir', 'symlink', 'dev', 'chardev', 'fifo', 'socket', 'irregular']);

/** Loads every snapshot and returns the root trees to walk; each unreadable snapshot is one error line. */
async function loadRoots(repo: Repository, index: CheckIndex, report: CheckReport, concurrency: number) {
  const ids: Id[] = [];
  for await (const f of repo.list('snapshots')) ids.push(f.name);
  ids.sort();
  const roots: SnapshotRoot[] = [];
  let done = 0;
  await forEachLimit(ids, concurrency, async (id) => {
    report.throwIfAborted();
    try {
      const snap = await loadSnapshot(repo, id);
      if (typeof snap.tree !== 'string' || snap.tree === '') report.error(`snapshot ${id} has no tree`);
      else {
        roots.push({ snapshot: id, tree: snap.tree });
        if (!index.blobs.tree.has(snap.tree)) {
          report.unindexedBlobs = true;
          report.error(`snapshot ${id}: tree ${snap.tree} not found in index`);
        }
      }
    } catch (err) {
      report.error(`snapshot ${id}: cannot be loaded: ${reason(err)}`);
    }
    report.progress('snapshots', ++done, ids.length);
  });
  roots.sort((a, b) => (a.snapshot < b.snapshot ? -1 : 1));
  return { roots, snapshots: ids.length };
}

/** Problems of one node; returns the subtree to visit, if any. */
function checkNode(treeId: Id, path: string, node: TreeNode, index: CheckIndex, report: CheckReport): Id | undefined {
  switch (node.type) {
    case 'file': {
      if (!Array.isArray(node.content)) {
        report.error(`tree ${treeId}: file "${path}" has no content list`);
        return undefined;
      }
      for (const blobId of node.content) {
        if (index.blobs.data.has(blobId)) continue;
        report.unindexedBlobs = true;
        report.error(`tree ${treeId}: file "${path}" blob ${blobId} not found in index`);
      }
      return undefined;
    }
    case 'dir': {
      if (typeof node.subtree !== 'string' || node.subtree === '') {
        report.error(`tree ${treeId}: dir "${path}" has no subtree`);
        return undefined;
      }
      if (!index.blobs.tree.has(node.subtree)) {
        report.unindexedBlobs = true;
        report.error(`tree ${treeId}: dir "${path}" subtree ${node.subtree} not found in index`);
        return undefined;
      }
      return node.subtree;
    }
    default:
      if (!NODE_TYPES.has(node.type)) report.error(`tree ${treeId}: node "${path}" has unknown type "${String(node.type)}"`);
      return undefined;
  }
}

/**
 * Walks every tree reachable from every snapshot once: each tree must load, decrypt, match its id and decode; each
 * file's content blobs and each subtree must be in the index. Trees shared by snapshots are visited once.
 */
export async function checkSnapshotsAndTrees(
  repo: Repository,
  index: CheckIndex,
  report: CheckReport,
  concurrency: number,
): Promise<TreeWalkStats> {
  const { roots, snapshots } = await loadRoots(repo, index, report, concurrency);
  const seen = new Set<Id>();
  const start: PendingTree[] = [];
  for (const { tree } of roots) {
    if (seen.has(tree) || !index.blobs.tree.has(tree)) continue;
    seen.add(tree);
    start.push({ id: tree, path: '' });
  }
  let done = 0;
  await forEachQueued(start, concurrency, async (item, enqueue) => {
    report.throwIfAborted();
    let tree: Tree | undefined;
    try {
      tree = decodeTree(await loadIndexedBlob(repo, item.id, index.blobs.tree.get(item.id) ?? []));
    } catch (err) {
      report.unloadableTrees.add(item.id);
      report.error(`tree ${item.id}: cannot be loaded: ${reason(err)}`);
    }
    for (const node of tree?.nodes ?? []) {
      const path = `${item.path}/${node.name}`;
      const subtree = checkNode(item.id, path, node, index, report);
      if (subtree !== undefined && !seen.has(subtree)) {
        seen.add(subtree);
        enqueue({ id: subtree, path });
      }
    }
    report.progress('trees', ++done, seen.size);
  });
  return { snapshots, trees: seen.size, roots };
}
