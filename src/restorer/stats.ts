import type { Id, StoredSnapshot, TreeNode } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { walkNodes } from './ls.js';
import { hardLinkKey } from './plan.js';
import { blobPlainLength } from './verify.js';

export type StatsMode = 'restore-size' | 'files-by-contents' | 'raw-data' | 'blobs-per-file';

/** restic stats --json, field for field. */
export interface SnapshotStats {
  total_size: number;
  total_file_count: number;
  total_blob_count?: number;
  snapshots_count: number;
}

/**
 * restic stats: restore-size = every node's size as a restore would write it (each inode once per snapshot);
 * files-by-contents = files unique by content; raw-data = the packed size of every blob the snapshots use;
 * blobs-per-file = the size of each distinct blob of each distinct file.
 */
export async function snapshotStats(
  repo: Repository,
  snaps: readonly StoredSnapshot[],
  mode: StatsMode,
  signal?: AbortSignal,
): Promise<SnapshotStats> {
  const stats: SnapshotStats = { total_size: 0, total_file_count: 0, snapshots_count: snaps.length };
  if (mode === 'raw-data') return rawData(repo, snaps, stats, signal);
  const uniqueFiles = new Set<string>();
  const fileBlobs = new Map<string, Set<Id>>();
  for (const snap of snaps) {
    const inodes = new Set<string>();
    for await (const { path, node } of walkNodes(repo, snap.tree, '/', () => true, signal)) {
      if (mode === 'restore-size') {
        stats.total_file_count++;
        if (!countedHardlink(inodes, node)) stats.total_size += node.size ?? 0;
        continue;
      }
      const fid = (node.content ?? []).join('');
      if (uniqueFiles.has(fid)) continue;
      uniqueFiles.add(fid);
      if (mode === 'files-by-contents') {
        stats.total_size += node.size ?? 0;
        stats.total_file_count++;
      } else {
        countFileBlobs(repo, fileBlobs, path, node, stats);
      }
    }
  }
  return stats;
}

/** True when this node is another name of an inode already counted in this snapshot. */
function countedHardlink(inodes: Set<string>, node: TreeNode): boolean {
  const key = hardLinkKey(node);
  if (key === undefined) return false;
  if (inodes.has(key)) return true;
  inodes.add(key);
  return false;
}

function countFileBlobs(repo: Repository, fileBlobs: Map<string, Set<Id>>, path: string, node: TreeNode, stats: SnapshotStats): void {
  for (const id of node.content ?? []) {
    let seen = fileBlobs.get(path);
    if (seen === undefined) {
      seen = new Set();
      fileBlobs.set(path, seen);
      stats.total_file_count++;
    }
    if (seen.has(id)) continue;
    seen.add(id);
    stats.total_size += blobPlainLength(repo, id) ?? 0;
    stats.total_blob_count = (stats.total_blob_count ?? 0) + 1;
  }
}

async function rawData(repo: Repository, snaps: readonly StoredSnapshot[], stats: SnapshotStats, signal?: AbortSignal): Promise<SnapshotStats> {
  const blobs = new Map<Id, 'data' | 'tree'>();
  const seenTrees = new Set<Id>();
  for (const snap of snaps) {
    blobs.set(snap.tree, 'tree');
    const descend = (_path: string, node: TreeNode): boolean => {
      if (node.subtree === undefined || seenTrees.has(node.subtree)) return false;
      seenTrees.add(node.subtree);
      return true;
    };
    if (seenTrees.has(snap.tree)) continue;
    seenTrees.add(snap.tree);
    for await (const { node } of walkNodes(repo, snap.tree, '/', descend, signal)) {
      if (node.type === 'file') for (const id of node.content ?? []) blobs.set(id, 'data');
      else if (node.type === 'dir' && node.subtree !== undefined) blobs.set(node.subtree, 'tree');
    }
  }
  stats.total_blob_count = 0;
  for (const [id, type] of blobs) {
    const entry = repo.lookup(type, id);
    if (entry === undefined) continue;
    stats.total_size += entry.length;
    stats.total_blob_count++;
  }
  return stats;
}
