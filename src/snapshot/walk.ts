import type { Id, TreeNode } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { GoMode } from './mode.js';
import { loadTree } from './store.js';

/** The snapshot root has no node of its own; resolving "/" yields this stand-in pointing at the root tree. */
function rootNode(treeId: Id): TreeNode {
  const zero = '0001-01-01T00:00:00Z';
  return {
    name: '',
    type: 'dir',
    mode: (GoMode.dir | 0o755) >>> 0,
    mtime: zero,
    atime: zero,
    ctime: zero,
    uid: 0,
    gid: 0,
    content: null,
    subtree: treeId,
  };
}

/**
 * The node at a '/'-separated path inside a snapshot's tree (e.g. "/tree/dir1/a.txt"), or undefined if there is
 * none. Empty and "." components are skipped; "/" (or "") gives a synthetic directory node for the root.
 */
export async function resolveTreePath(
  repo: Repository,
  treeId: Id,
  path: string,
): Promise<TreeNode | undefined> {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  let node = rootNode(treeId);
  for (const part of parts) {
    if (node.subtree === undefined) return undefined;
    const tree = await loadTree(repo, node.subtree);
    const child = tree.nodes.find((n) => n.name === part);
    if (child === undefined) return undefined;
    node = child;
  }
  return node;
}

export type WalkVisitor = (path: string, node: TreeNode) => Promise<void | 'skip'>;

function joinPath(prefix: string, name: string): string {
  return prefix.endsWith('/') ? prefix + name : `${prefix}/${name}`;
}

/**
 * Visits every node below a tree depth-first in stored (name-sorted) order, a directory before its contents.
 * The visitor returning 'skip' for a directory keeps the walk out of it. Paths are `prefix` + names joined by '/'.
 */
export async function walkTree(
  repo: Repository,
  treeId: Id,
  visit: WalkVisitor,
  prefix = '/',
): Promise<void> {
  const tree = await loadTree(repo, treeId);
  for (const node of tree.nodes) {
    const path = joinPath(prefix, node.name);
    const verdict = await visit(path, node);
    if (verdict !== 'skip' && node.type === 'dir' && node.subtree !== undefined) {
      await walkTree(repo, node.subtree, visit, path);
    }
  }
}
