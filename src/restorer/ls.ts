import type { Id, StoredSnapshot, TreeNode } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { loadTree } from '../snapshot/index.js';
import { compilePatterns, matchAnyWithChild } from '../source/index.js';
import { joinLoc } from './selection.js';

export interface ListOptions {
  /** Folders to list (restic ls's dir arguments); empty or absent = everything. */
  paths?: string[];
  /** With `paths`: also list everything below them, not only their direct entries. */
  recursive?: boolean;
  signal?: AbortSignal;
}

export interface ListedNode {
  path: string;
  node: TreeNode;
}

function normalize(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  return '/' + parts.join('/');
}

/** `prefix` equals `path` or is one of its parent folders. */
function hasPathPrefix(prefix: string, path: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(prefix + '/');
}

/** Depth-first walk in tree order; `visit` returns false to not descend into a directory. */
export async function* walkNodes(
  repo: Repository,
  treeId: Id,
  prefix: string,
  descend: (path: string, node: TreeNode) => boolean,
  signal?: AbortSignal,
): AsyncGenerator<ListedNode> {
  if (signal?.aborted === true) return;
  const tree = await loadTree(repo, treeId);
  for (const node of tree.nodes) {
    const path = joinLoc(prefix, node.name);
    yield { path, node };
    if (node.type === 'dir' && node.subtree !== undefined && descend(path, node)) {
      yield* walkNodes(repo, node.subtree, path, descend, signal);
    }
  }
}

/** restic ls: every node, or the given folders (themselves and their entries; everything below with `recursive`). */
export async function* listNodes(
  repo: Repository,
  snapshot: StoredSnapshot,
  opts: ListOptions = {},
): AsyncGenerator<ListedNode> {
  const dirs = (opts.paths ?? []).map(normalize);
  if (dirs.length === 0) {
    yield* walkNodes(repo, snapshot.tree, '/', () => true, opts.signal);
    return;
  }
  const within = (path: string): boolean => dirs.some((d) => hasPathPrefix(d, path));
  const approaching = (path: string): boolean => dirs.some((d) => hasPathPrefix(path, d) && d !== path);
  const descend = (path: string): boolean =>
    (within(path) && opts.recursive === true) || approaching(path) || dirs.includes(path);
  for await (const item of walkNodes(repo, snapshot.tree, '/', descend, opts.signal)) {
    if (within(item.path)) {
      // Without `recursive`, only a listed folder itself and its direct entries.
      const parent = item.path.slice(0, item.path.lastIndexOf('/')) || '/';
      if (opts.recursive === true || dirs.includes(item.path) || dirs.includes(parent)) yield item;
    }
  }
}

export interface FindOptions {
  ignoreCase?: boolean;
  signal?: AbortSignal;
}

export interface FoundNode {
  snapshot: StoredSnapshot;
  path: string;
  node: TreeNode;
}

/**
 * restic find: nodes whose path matches one of the patterns by restic's filter rules (a relative pattern such as
 * `*.txt` or `sub/*` matches any run of path components, an absolute one from the root; a match on a folder holds
 * for everything below it), in each snapshot in turn; folders where nothing can match are not read.
 */
export async function* findInSnapshots(
  repo: Repository,
  snaps: readonly StoredSnapshot[],
  patterns: readonly string[],
  opts: FindOptions = {},
): AsyncGenerator<FoundNode> {
  const fold = opts.ignoreCase === true;
  const pats = compilePatterns(patterns, fold);
  for (const snapshot of snaps) {
    const mayDescend = (path: string): boolean => matchAnyWithChild(pats, path, fold).childMayMatch;
    for await (const { path, node } of walkNodes(repo, snapshot.tree, '/', mayDescend, opts.signal)) {
      if (matchAnyWithChild(pats, path, fold).matched) yield { snapshot, path, node };
    }
  }
}
