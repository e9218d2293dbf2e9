import type { Id } from '../core/index.js';
import { CairnError, isCairnError, throwIfAborted } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { listSnapshots, loadTree } from '../snapshot/index.js';
import { forEachQueued } from '../util/index.js';
import type { BlobIds } from './prune-plan.js';

const TREE_LOADS = 8;

/**
 * Every blob the snapshots use: each snapshot's root tree, every subtree and every file's content, visiting trees
 * shared by snapshots once. A snapshot or tree that cannot be loaded stops the run (prune must not guess).
 */
export async function findUsedBlobs(
  repo: Repository,
  signal: AbortSignal,
  onSnapshots?: (count: number) => void,
): Promise<BlobIds> {
  const snapshots = await listSnapshots(repo).catch((err: unknown) => {
    throw new CairnError('corrupt', `A snapshot cannot be loaded, so prune cannot tell what is in use: ${reason(err)}`, {
      cause: err,
    });
  });
  onSnapshots?.(snapshots.length);
  const used: BlobIds = { data: new Set(), tree: new Set() };
  const roots: Id[] = [];
  for (const s of snapshots) {
    if (used.tree.has(s.tree)) continue;
    used.tree.add(s.tree);
    roots.push(s.tree);
  }
  await forEachQueued(roots, TREE_LOADS, async (treeId, enqueue) => {
    throwIfAborted(signal);
    let nodes;
    try {
      nodes = (await loadTree(repo, treeId)).nodes;
    } catch (err) {
      if (isCairnError(err, 'interrupted')) throw err;
      throw new CairnError('corrupt', `The tree ${treeId} cannot be loaded, so prune cannot tell what is in use: ${reason(err)}`, {
        cause: err,
      });
    }
    for (const node of nodes) {
      for (const id of node.content ?? []) used.data.add(id);
      if (node.subtree !== undefined && node.subtree !== null && !used.tree.has(node.subtree)) {
        used.tree.add(node.subtree);
        enqueue(node.subtree);
      }
    }
  });
  return used;
}

function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
