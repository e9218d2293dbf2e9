import fs from 'node:fs/promises';
import type { BigIntStats } from 'node:fs';
import { isCairnError, type Id, type TreeNode } from '../core/index.js';
import { loadTree } from '../snapshot/index.js';
import { listDir, toSourceError, type FileEntry } from '../source/index.js';
import { checkRunning, recordSourceError, type WalkContext } from './context.js';
import { fileUnchanged, nodeFromStat, nodesEqual, sameEncoding } from './node.js';

/** A child that is being backed up: its node once done, or undefined if it was left out (unreadable). */
export interface PendingChild {
  path: string;
  old: TreeNode | undefined;
  node: Promise<TreeNode | undefined>;
  /** Data sizes of a file read in this run (for 'backup-file' events). */
  data?: { dataSize: number; dataSizeInRepo: number };
  /** A file whose content list was taken from the parent without reading it: unmodified, as restic counts it. */
  reused?: boolean;
  started: number;
}

/**
 * Starts backing up one entry. Returns once the entry has been *started* (a file got a read slot, a folder was
 * walked), not when it is done: the walk runs ahead of reading, hashing and saving, like restic's futures. The
 * walk itself is depth-first and in name order, so results come out deterministic.
 */
export async function startEntry(
  ctx: WalkContext,
  entry: FileEntry,
  old: TreeNode | undefined,
  rootDev: bigint,
): Promise<PendingChild> {
  checkRunning(ctx);
  const st = entry.stat;
  const started = ctx.clock.now();
  const base = { path: entry.path, old, started };
  if (st.isDirectory()) {
    const crossesDevice = ctx.excluder.oneFileSystem && st.dev !== rootDev;
    // A mount point under --one-file-system stays as an empty folder, as restic keeps it.
    const prior: PriorTree = { id: oldSubtree(old), count: 0 };
    const children = crossesDevice ? [] : await collectDir(ctx, entry.path, prior.id, rootDev, prior);
    return { ...base, node: settle(finishDir(ctx, entry.name, st, children, crossesDevice ? undefined : prior)) };
  }
  if (st.isFile()) return startFile(ctx, entry, old, base);
  if (st.isSymbolicLink()) {
    let target: string;
    try {
      target = await fs.readlink(entry.path);
    } catch (err) {
      recordSourceError(ctx, toSourceError(entry.path, 'readlink', err));
      return { ...base, node: Promise.resolve(undefined) };
    }
    return { ...base, node: Promise.resolve(nodeFromStat(entry.name, st, ctx.names, target)) };
  }
  return { ...base, node: Promise.resolve(nodeFromStat(entry.name, st, ctx.names)) };
}

async function startFile(
  ctx: WalkContext,
  entry: FileEntry,
  old: TreeNode | undefined,
  base: Omit<PendingChild, 'node'>,
): Promise<PendingChild> {
  const node = nodeFromStat(entry.name, entry.stat, ctx.names);
  if (!ctx.force && fileUnchanged(old, entry.stat, node) && old.content.every((id) => ctx.repo.has('data', id))) {
    node.content = old.content;
    countDone(ctx, node);
    return { ...base, reused: true, node: Promise.resolve(node) };
  }
  await ctx.fileSlots.acquire();
  checkRunning(ctx);
  const data = { dataSize: 0, dataSizeInRepo: 0 };
  const run = async (): Promise<TreeNode | undefined> => {
    ctx.current.add(entry.path);
    try {
      const res = await ctx.reader.read(entry.path, Number(entry.stat.size));
      node.content = res.content;
      Object.assign(data, res.stats);
      if (res.size !== node.size) {
        ctx.emit({ kind: 'warning', message: `${entry.path} changed while it was read; stored ${res.size} bytes.` });
        node.size = res.size;
      }
      countDone(ctx, node);
      return node;
    } catch (err) {
      if (isCairnError(err) || ctx.signal.aborted || ctx.pipeline.error !== undefined) throw err;
      recordSourceError(ctx, toSourceError(entry.path, 'read', err));
      return undefined;
    } finally {
      ctx.current.delete(entry.path);
      ctx.fileSlots.release();
    }
  };
  return { ...base, data, node: settle(run()) };
}

/** The parent snapshot's tree of a folder and how many nodes it has. */
export interface PriorTree {
  id: Id | undefined;
  count: number;
}

/**
 * Lists folder `dir` and starts each entry in order; the parent's subtree gives the old nodes (their number goes into
 * `prior`, if given).
 */
export async function collectDir(
  ctx: WalkContext,
  dir: string,
  oldTree: Id | undefined,
  rootDev: bigint,
  prior?: PriorTree,
): Promise<PendingChild[]> {
  const listing = await listDir(dir, ctx.excluder);
  for (const e of listing.errors) recordSourceError(ctx, e);
  const oldNodes = await loadOldNodes(ctx, oldTree);
  if (prior) prior.count = oldNodes.size;
  const children: PendingChild[] = [];
  for (const entry of listing.entries) {
    children.push(await startEntry(ctx, entry, oldNodes.get(entry.name), rootDev));
  }
  await yieldNow(ctx);
  return children;
}

const YIELD_EVERY_MS = 10;
const lastYield = new WeakMap<WalkContext, number>();

/**
 * Lets I/O callbacks run every few milliseconds. Listing, `lstat` and cached tree reads are synchronous, so without
 * this the walk is one long chain of microtasks: the getfattr result, file reads and uploads would wait for its end,
 * and every finished folder's nodes with them.
 */
async function yieldNow(ctx: WalkContext): Promise<void> {
  const last = lastYield.get(ctx);
  if (last !== undefined && ctx.clock.now() - last < YIELD_EVERY_MS) return;
  await new Promise((resolve) => setImmediate(resolve));
  lastYield.set(ctx, ctx.clock.now());
}

/** The nodes of the parent snapshot's version of a folder, by name (empty if there is none or it is unreadable). */
export async function loadOldNodes(ctx: WalkContext, treeId: Id | undefined): Promise<Map<string, TreeNode>> {
  const out = new Map<string, TreeNode>();
  if (treeId === undefined) return out;
  try {
    for (const n of (await loadTree(ctx.repo, treeId)).nodes) out.set(n.name, n);
  } catch (err) {
    ctx.emit({ kind: 'warning', message: `Cannot load the parent's tree ${treeId}: ${String(err)}` });
  }
  return out;
}

/** The subtree of a parent node that was a folder. */
export function oldSubtree(old: TreeNode | undefined): Id | undefined {
  return old?.type === 'dir' ? old.subtree : undefined;
}

/**
 * Waits for the children, saves the folder's tree and returns the folder's node. When every node is field for field
 * the parent snapshot's (`prior`), the tree would encode to the parent's bytes: its id is reused without encoding,
 * hashing and looking it up again (most folders of a backup with few changes).
 */
export async function finishDir(
  ctx: WalkContext,
  name: string,
  st: BigIntStats,
  children: PendingChild[],
  prior?: PriorTree,
): Promise<TreeNode> {
  const nodes = await completeChildren(ctx, children);
  const node = nodeFromStat(name, st, ctx.names);
  const reuse = prior?.id !== undefined && !ctx.force && sameAsPrior(nodes, children, prior.count);
  node.subtree = reuse && ctx.repo.has('tree', prior.id!) ? prior.id! : await ctx.saveTree({ nodes });
  return node;
}

function sameAsPrior(nodes: TreeNode[], children: PendingChild[], priorCount: number): boolean {
  if (nodes.length !== priorCount || children.length !== nodes.length) return false;
  return nodes.every((n, i) => {
    const old = children[i]!.old;
    return old !== undefined && old.name === n.name && sameEncoding(old, n);
  });
}

/**
 * Waits for every child, attaches extended attributes, counts files and folders as new/changed/unmodified the way
 * restic's progress does (a reused file is unmodified, otherwise `Node.Equals` with the parent's node) and reports
 * them.
 */
export async function completeChildren(ctx: WalkContext, children: PendingChild[]): Promise<TreeNode[]> {
  const done = await Promise.all(children.map((c) => c.node));
  const xattrs = ctx.xattrs ? await ctx.xattrs : undefined;
  const nodes: TreeNode[] = [];
  done.forEach((node, i) => {
    if (node === undefined) return;
    const child = children[i]!;
    const attrs = node.type !== 'symlink' ? xattrs?.get(child.path) : undefined;
    if (attrs) node.extended_attributes = attrs;
    nodes.push(node);
    if (node.type !== 'file' && node.type !== 'dir') return;
    // Files: reused content is unmodified (restic reports the parent's node as both old and new), a file read
    // again is compared with restic's Node.Equals. Folders: by their tree id (atime alone does not count).
    const same =
      node.type === 'dir'
        ? child.old?.subtree === node.subtree
        : child.reused === true || (child.old !== undefined && nodesEqual(child.old, node));
    const kind = child.old === undefined || child.old.type !== node.type ? 'new' : same ? 'unmodified' : 'changed';
    if (node.type === 'dir') ctx.stats.countDir(kind);
    else {
      ctx.stats.countFile(kind);
      ctx.stats.total_files_processed++;
      ctx.stats.total_bytes_processed += node.size ?? 0;
    }
    ctx.emit({
      kind: 'backup-file',
      action: kind === 'unmodified' ? 'unchanged' : kind === 'changed' ? 'modified' : 'new',
      item: node.type === 'dir' ? child.path + '/' : child.path,
      duration: (ctx.clock.now() - child.started) / 1000,
      dataSize: child.data?.dataSize ?? 0,
      dataSizeInRepo: child.data?.dataSizeInRepo ?? 0,
      metadataSize: 0,
      totalFiles: ctx.stats.total_files_processed,
    });
  });
  return nodes;
}

function countDone(ctx: WalkContext, node: TreeNode): void {
  ctx.stats.filesDone++;
  ctx.stats.bytesDone += node.size ?? 0;
}

/** Marks a promise as handled now (it is awaited later), so an early failure is not an unhandled rejection. */
export function settle<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}
