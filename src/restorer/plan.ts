import type { Id, StoredSnapshot, TreeNode } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { loadTree } from '../snapshot/index.js';
import { checkTreeNames, joinLoc, type Selector } from './selection.js';
import { isCairnError, throwIfAborted } from '../core/index.js';

/** A directory to create; `meta` = restore its metadata at the end (selected, or something below was restored). */
export interface PlannedDir {
  rel: string[];
  loc: string;
  node: TreeNode;
  meta: boolean;
}

/** A file to write; `linkTo` = a hard link to an earlier file of this restore (same inode and device). */
export interface PlannedFile {
  rel: string[];
  loc: string;
  node: TreeNode;
  linkTo?: PlannedFile;
}

/** Symlinks, fifos and devices: created during the walk, metadata right away. */
export interface PlannedOther {
  rel: string[];
  loc: string;
  node: TreeNode;
}

export interface RestorePlan {
  /** Pre-order: parents before children. */
  dirs: PlannedDir[];
  /** Files not yet handed to `onFiles` (all of them without it). */
  files: PlannedFile[];
  others: PlannedOther[];
  totalBytes: number;
}

interface WalkContext {
  repo: Repository;
  snapshot: StoredSnapshot;
  select: Selector;
  plan: RestorePlan;
  inodes: Map<string, PlannedFile>;
  signal: AbortSignal | undefined;
  onFiles: ((files: PlannedFile[]) => Promise<void>) | undefined;
  onUnreadable: ((loc: string, message: string) => void) | undefined;
}

/** Files handed over at once when the caller takes them as the walk goes. */
export const FILES_PER_ROUND = 8192;

/**
 * Walks the snapshot below `root` once, checking every name, and lists what a restore will create. With `onFiles`,
 * files are handed over in walk order, up to FILES_PER_ROUND at a time, as the walk goes (and not kept): what is
 * kept per file does not grow with the snapshot. A hard link's first name is always handed over before it.
 * With `onUnreadable`, a folder whose tree cannot be loaded is reported there and restored empty, as restic does
 * (everything else is still planned); without it, the error is thrown.
 */
export async function planRestore(
  repo: Repository,
  snapshot: StoredSnapshot,
  root: { treeId: Id } | { node: TreeNode },
  select: Selector,
  signal?: AbortSignal,
  onFiles?: (files: PlannedFile[]) => Promise<void>,
  onUnreadable?: (loc: string, message: string) => void,
): Promise<RestorePlan> {
  const plan: RestorePlan = { dirs: [], files: [], others: [], totalBytes: 0 };
  const ctx: WalkContext = { repo, snapshot, select, plan, inodes: new Map(), signal, onFiles, onUnreadable };
  if ('treeId' in root) {
    await walkDir(ctx, root.treeId, '/', []);
  } else {
    checkTreeNames({ nodes: [root.node] }, snapshot.id, '/');
    const loc = joinLoc('/', root.node.name);
    const sel = select(loc, root.node.type === 'dir');
    if (root.node.type === 'dir') await visitDir(ctx, root.node, loc, [root.node.name], sel);
    else if (sel.selected) addLeaf(ctx, root.node, loc, [root.node.name]);
  }
  await handOver(ctx, true);
  return plan;
}

/** Gives the files found so far to `onFiles` once there are a round's worth (or all of them at the end). */
async function handOver(ctx: WalkContext, all: boolean): Promise<void> {
  const files = ctx.plan.files;
  if (ctx.onFiles === undefined || files.length === 0 || (!all && files.length < FILES_PER_ROUND)) return;
  ctx.plan.files = [];
  await ctx.onFiles(files);
}

/** Returns how many entries below this tree are restored. */
async function walkDir(ctx: WalkContext, treeId: Id, loc: string, rel: string[]): Promise<number> {
  throwIfAborted(ctx.signal);
  let tree;
  try {
    tree = await loadTree(ctx.repo, treeId);
  } catch (err) {
    throwIfAborted(ctx.signal);
    if (ctx.onUnreadable === undefined || isCairnError(err, 'interrupted')) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    ctx.onUnreadable(loc, `cannot read this folder's contents (tree ${treeId.slice(0, 8)}): ${reason}`);
    return 0;
  }
  checkTreeNames(tree, ctx.snapshot.id, loc);
  let restored = 0;
  for (const node of tree.nodes) {
    const childLoc = joinLoc(loc, node.name);
    const childRel = [...rel, node.name];
    const sel = ctx.select(childLoc, node.type === 'dir');
    if (node.type === 'dir') {
      restored += await visitDir(ctx, node, childLoc, childRel, sel);
    } else if (sel.selected) {
      addLeaf(ctx, node, childLoc, childRel);
      restored++;
      await handOver(ctx, false);
    }
  }
  return restored;
}

async function visitDir(
  ctx: WalkContext,
  node: TreeNode,
  loc: string,
  rel: string[],
  sel: { selected: boolean; childMaySelect: boolean },
): Promise<number> {
  if (!sel.selected && !sel.childMaySelect) return 0;
  const dir: PlannedDir = { rel, loc, node, meta: sel.selected };
  const index = ctx.plan.dirs.length;
  ctx.plan.dirs.push(dir);
  let below = 0;
  if (sel.childMaySelect && node.subtree !== undefined) below = await walkDir(ctx, node.subtree, loc, rel);
  if (!sel.selected && below === 0) {
    // Nothing below was chosen: this directory was only a path towards possible matches.
    ctx.plan.dirs.splice(index, 1);
    return 0;
  }
  dir.meta = true;
  return below + 1;
}

function addLeaf(ctx: WalkContext, node: TreeNode, loc: string, rel: string[]): void {
  if (node.type === 'socket') return; // like restic: sockets are not restored
  if (node.type !== 'file') {
    ctx.plan.others.push({ rel, loc, node });
    return;
  }
  const file: PlannedFile = { rel, loc, node };
  const key = hardLinkKey(node);
  if (key !== undefined) {
    const first = ctx.inodes.get(key);
    if (first !== undefined) file.linkTo = first;
    else ctx.inodes.set(key, file);
  }
  if (file.linkTo === undefined) ctx.plan.totalBytes += node.size ?? 0;
  ctx.plan.files.push(file);
}

/**
 * Which file this node is another name of, as restic's hard-link index: (device, inode) when it has several names,
 * compared by their exact uint64 digits (inodes above 2^53 differ in the last digits).
 */
export function hardLinkKey(node: TreeNode): string | undefined {
  if ((node.links ?? 0) <= 1 || node.inode === undefined || node.inode === 0n) return undefined;
  return `${node.device_id ?? 0n}:${node.inode}`;
}
