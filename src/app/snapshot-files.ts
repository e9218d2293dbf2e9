/**
 * What the dashboard reads from a snapshot: one folder's entries, and a file or a folder (tar or zip) streamed to a
 * response whose headers are set once the node is known. Paths are inside the snapshot, never on this computer.
 */
import type { StoredSnapshot, TreeNode } from '../core/index.js';
import { CairnError } from '../core/index.js';
import { dump, repositoryTotals } from '../restorer/index.js';
import { listSnapshots, loadTree, resolveTreePath } from '../snapshot/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withIndex } from './browse.js';
import { withRepository } from './open.js';
import { resolveSnapshot } from './restore.js';

const notFound = (path: string, snapshot: StoredSnapshot): CairnError =>
  new CairnError('not-found', `The path ${path} does not exist in snapshot ${snapshot.id.slice(0, 8)}.`);

/** The entries of one folder of a snapshot, in tree order: one tree load per level, however big the folder. */
export async function listFolder(
  deps: AppDeps,
  opts: OpenOptions,
  req: { snapshot: string; path: string },
): Promise<{ snapshot: StoredSnapshot; nodes: TreeNode[] }> {
  return withIndex(deps, opts, async ({ repo }) => {
    const snapshot = await resolveSnapshot(repo, req.snapshot);
    const node = await resolveTreePath(repo, snapshot.tree, req.path);
    if (node === undefined) throw notFound(req.path, snapshot);
    if (node.type !== 'dir' || node.subtree === undefined)
      throw new CairnError('invalid-argument', `The path ${req.path} is a ${node.type}, not a folder.`);
    return { snapshot, nodes: (await loadTree(repo, node.subtree)).nodes };
  });
}

/**
 * Streams a file's bytes, or a folder as tar or zip (names relative to it), to the stream `start` returns once it
 * has seen the node (a file for `archive` undefined, a folder otherwise; anything else is refused before).
 */
export async function downloadPath(
  deps: AppDeps,
  opts: OpenOptions,
  req: { snapshot: string; path: string; archive?: 'tar' | 'zip' },
  start: (node: TreeNode, snapshot: StoredSnapshot) => NodeJS.WritableStream,
): Promise<void> {
  await withIndex(deps, opts, async ({ repo, signal }) => {
    const snapshot = await resolveSnapshot(repo, req.snapshot);
    const node = await resolveTreePath(repo, snapshot.tree, req.path);
    if (node === undefined) throw notFound(req.path, snapshot);
    const want = req.archive === undefined ? 'file' : 'dir';
    if (node.type !== want)
      throw new CairnError(
        'invalid-argument',
        `The path ${req.path} is a ${node.type}, not a ${want === 'dir' ? 'folder' : 'file'}.`,
      );
    const out = start(node, snapshot);
    await dump(repo, snapshot, req.path, out, {
      pathsRelativeTo: 'folder',
      signal,
      ...(req.archive !== undefined ? { archive: req.archive } : {}),
    });
  });
}

/** A repository's figures for the dashboard's cache: snapshots, stored (packs), unique raw and restore sizes. */
export interface RepositoryFigures {
  snapshots: number;
  storedBytes: number;
  rawBytes: number;
  restoreBytes: number;
}

/** Reads the figures without a lock (like `snapshots --no-lock`): they are a view, not a decision. */
export async function repositoryFigures(deps: AppDeps, opts: OpenOptions): Promise<RepositoryFigures> {
  return withIndex(deps, { ...opts, noLock: true }, async ({ repo, signal }) => {
    const snaps = await listSnapshots(repo);
    let storedBytes = 0;
    for await (const f of repo.list('data')) storedBytes += f.size;
    const totals = await repositoryTotals(repo, snaps, signal);
    return { snapshots: snaps.length, storedBytes, ...totals };
  });
}

export interface LockInfo {
  id: string;
  hostname: string;
  username: string;
  pid: number;
  time: string;
  exclusive: boolean;
  stale: boolean;
}

/** The repository's locks and whether `unlock` would remove each; takes no lock itself. */
export async function listLocks(deps: AppDeps, opts: OpenOptions): Promise<LockInfo[]> {
  return withRepository(deps, opts, 'none', async ({ repo }) =>
    (await repo.listLocks()).map(({ id, doc, stale }) => ({
      id,
      hostname: doc.hostname,
      username: doc.username,
      pid: doc.pid,
      time: doc.time,
      exclusive: doc.exclusive,
      stale,
    })),
  );
}
