/**
 * restic's `recover`: a new snapshot `/recover` (tag `recovered`) whose root folder holds, as `<short id>` folders,
 * every tree that neither a snapshot nor another tree references, e.g. what a lost or deleted snapshot pointed to.
 */
import type { Id, Snapshot, TreeNode } from '../core/index.js';
import { PROGRAM_VERSION, shortId } from '../core/index.js';
import { formatTime, GoMode, listSnapshots, loadTree, saveSnapshot, saveTree } from '../snapshot/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';
import { skipDamagedSnapshots } from './snapshots.js';

export interface RecoverResult {
  trees: number;
  /** The unreferenced root trees, sorted. */
  roots: Id[];
  /** The new snapshot, when there was anything to recover. */
  snapshotId?: Id;
}

export async function recoverTrees(deps: AppDeps, opts: OpenOptions, onProgress?: (message: string) => void): Promise<RecoverResult> {
  return withRepository(
    deps,
    opts,
    'shared',
    async ({ repo, signal }) => {
      const seen = new Map<Id, boolean>();
      for (const [id, entry] of repo.indexEntries()) if (entry.type === 'tree') seen.set(id, false);
      onProgress?.(`load ${seen.size} trees`);
      for (const id of [...seen.keys()]) {
        signal.throwIfAborted();
        let nodes: TreeNode[];
        try {
          nodes = (await loadTree(repo, id)).nodes;
        } catch (err) {
          deps.warn(`unable to load tree ${shortId(id)}: ${err instanceof Error ? err.message : String(err)}`);
          continue;
        }
        for (const n of nodes) if (n.type === 'dir' && n.subtree !== undefined) seen.set(n.subtree, true);
      }
      onProgress?.('load snapshots');
      for (const snap of await listSnapshots(repo, skipDamagedSnapshots((m) => deps.warn(m)))) seen.set(snap.tree, true);
      const roots = [...seen].filter(([, referenced]) => !referenced).map(([id]) => id).sort();
      const result: RecoverResult = { trees: seen.size, roots };
      if (roots.length === 0) return result;
      const nowNs = deps.clock.nowNs();
      const now = formatTime(nowNs);
      const nodes: TreeNode[] = roots.map((id) => ({
        name: shortId(id),
        type: 'dir',
        mode: (GoMode.dir | 0o755) >>> 0,
        mtime: now,
        atime: now,
        ctime: now,
        uid: 0,
        gid: 0,
        content: null,
        subtree: id,
      }));
      const { id: tree } = await saveTree(repo, { nodes });
      const snap: Snapshot = {
        time: now,
        tree,
        paths: ['/recover'],
        hostname: deps.hostname,
        username: deps.username,
        tags: ['recovered'],
        program_version: PROGRAM_VERSION,
      };
      if (deps.uid !== undefined) snap.uid = deps.uid;
      if (deps.gid !== undefined) snap.gid = deps.gid;
      result.snapshotId = await saveSnapshot(repo, snap);
      return result;
    },
    { preloadIndex: true },
  );
}
