import type { Id, StoredSnapshot } from '../core/index.js';
import { throwIfAborted } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { plainLength } from '../repository/index.js';
import { loadTree } from '../snapshot/index.js';
import { hardLinkKey } from './plan.js';

/** A repository's sizes for the dashboard: what restoring every snapshot writes, and its unique data unpacked. */
export interface RepositoryTotals {
  /** The sum of restic's restore-size over all snapshots. */
  restoreBytes: number;
  /** The uncompressed size of every blob in the index, each once. */
  rawBytes: number;
}

/**
 * restore-size of every snapshot without walking unchanged folders again: a folder's size is remembered by tree id
 * unless it holds hard links, which count once per snapshot (restic's rule) and so are walked each time.
 */
export async function repositoryTotals(
  repo: Repository,
  snaps: readonly StoredSnapshot[],
  signal?: AbortSignal,
): Promise<RepositoryTotals> {
  const memo = new Map<Id, number>();
  let restoreBytes = 0;
  for (const snap of snaps) {
    throwIfAborted(signal);
    restoreBytes += (await treeSize(repo, snap.tree, new Set(), memo)).size;
  }
  let rawBytes = 0;
  for (const [, entry] of repo.indexEntries()) rawBytes += plainLength(entry);
  return { restoreBytes, rawBytes };
}

async function treeSize(
  repo: Repository,
  id: Id,
  inodes: Set<string>,
  memo: Map<Id, number>,
): Promise<{ size: number; linked: boolean }> {
  const known = memo.get(id);
  if (known !== undefined) return { size: known, linked: false };
  let size = 0;
  let linked = false;
  for (const node of (await loadTree(repo, id)).nodes) {
    const key = hardLinkKey(node);
    if (key !== undefined) {
      linked = true;
      if (!inodes.has(key)) size += node.size ?? 0;
      inodes.add(key);
    } else size += node.size ?? 0;
    if (node.type === 'dir' && node.subtree !== undefined) {
      const sub = await treeSize(repo, node.subtree, inodes, memo);
      size += sub.size;
      linked ||= sub.linked;
    }
  }
  if (!linked) memo.set(id, size);
  return { size, linked };
}
