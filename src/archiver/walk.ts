import { isCairnError, type Id, type TreeNode } from '../core/index.js';
import { formatTime, loadTree } from '../snapshot/index.js';
import {
  replacedError,
  toSourceError,
  type DirEntry,
  type EntryStat,
  type FileEntry,
  type SourceEntry,
  type SourceListing,
  type StreamEntry,
  type SymlinkEntry,
} from '../source/index.js';
import { checkRunning, recordSourceError, type WalkContext } from './context.js';
import { fileUnchanged, nodeFromStat, nodesEqual, sameEncoding } from './node.js';
import { ReplacedError } from './same-file.js';

/**
 * A child that is being backed up: its node once done, or undefined if it was left out (unreadable). A node known at
 * once (a reused file, a special file, a symlink's) is there itself, not in a promise: most entries of a backup with few changes.
 */
export interface PendingChild {
  path: string;
  old: TreeNode | undefined;
  node: TreeNode | undefined | Promise<TreeNode | undefined>;
  /** Data sizes of a file read in this run (for 'backup-file' events). */
  data?: { dataSize: number; dataSizeInRepo: number };
  /** A file whose content list was taken from the parent without reading it: unmodified, as restic counts it. */
  reused?: boolean;
  started: number;
}

/** Builds the snapshot's root tree from the source's root entries and returns its id. */
export async function walkRoot(ctx: WalkContext, roots: SourceListing, parentTree: Id | undefined): Promise<Id> {
  const children = await startListing(ctx, roots, parentTree);
  const nodes = await completeChildren(ctx, children);
  return ctx.saveTree({ nodes });
}

/**
 * Starts backing up one entry. Returns once the entry has been *started* (a file got a read slot, a folder was
 * walked), not when it is done: the walk runs ahead of reading, hashing and saving, like restic's futures. The
 * walk itself is depth-first and in name order, so results come out deterministic.
 */
export function startEntry(
  ctx: WalkContext,
  entry: SourceEntry,
  old: TreeNode | undefined,
): PendingChild | Promise<PendingChild> {
  checkRunning(ctx);
  const started = ctx.clock.now();
  const base = { path: entry.path, old, started };
  switch (entry.kind) {
    case 'dir':
      return startDir(ctx, entry, base);
    case 'file':
      return startFile(ctx, entry, old, base);
    case 'symlink':
      return startSymlink(ctx, entry, base);
    case 'special':
      return { ...base, node: nodeFromStat(entry.name, entry.stat, ctx.names, undefined, ctx.change, ctx.formatTime) };
    case 'stream': {
      // Always new, as `backup --stdin` has always counted it: its made-up times never match a parent's node.
      const data = { dataSize: 0, dataSizeInRepo: 0 };
      return { ...base, old: undefined, data, node: settle(readStream(ctx, entry, data)) };
    }
  }
}

/**
 * Reads a stream entry into one file node. Its producer must succeed (`done`): a failure rejects, so no snapshot is
 * written. Missing metadata is made up as restic does for stdin (see StreamEntry).
 */
async function readStream(ctx: WalkContext, entry: StreamEntry, data: PendingChild['data'] & object): Promise<TreeNode> {
  const { stream, done, freshPieces } = entry.open(ctx.signal);
  ctx.current.add(entry.path);
  try {
    const [res] = await Promise.all([ctx.reader.readStream(stream, freshPieces === true), done]);
    checkRunning(ctx);
    Object.assign(data, res.stats);
    const time = formatTime(entry.mtimeNs ?? ctx.clock.nowNs());
    const uid = entry.uid ?? process.getuid?.() ?? 0;
    const gid = entry.gid ?? process.getgid?.() ?? 0;
    const node: TreeNode = {
      name: entry.name,
      type: 'file',
      mode: entry.mode ?? 0o644,
      mtime: time,
      atime: time,
      ctime: time,
      uid,
      gid,
      content: res.content,
    };
    const user = ctx.names.user(uid);
    const group = ctx.names.group(gid);
    if (user !== undefined) node.user = user;
    if (group !== undefined) node.group = group;
    node.size = res.size;
    countDone(ctx, node);
    return node;
  } finally {
    ctx.current.delete(entry.path);
  }
}

type ChildBase = Omit<PendingChild, 'node'>;

async function startDir(ctx: WalkContext, entry: DirEntry, base: ChildBase): Promise<PendingChild> {
  const prior: PriorTree = { id: oldSubtree(base.old), count: 0 };
  await ctx.hooks?.beforeOpen?.(entry.path);
  const listing = await ctx.source.list(entry, ctx.signal);
  if (listing.dirError) {
    // Left out, as restic does: an empty folder in its place would restore as if it had been empty.
    for (const e of [listing.dirError, ...listing.errors]) recordSourceError(ctx, e);
    return { ...base, node: undefined };
  }
  const children = await startListing(ctx, listing, prior.id, prior);
  return { ...base, node: settle(finishDir(ctx, entry.name, entry.stat, children, prior)) };
}

async function startSymlink(ctx: WalkContext, entry: SymlinkEntry, base: ChildBase): Promise<PendingChild> {
  const target = await ctx.source.readLink(entry);
  if (typeof target !== 'string') {
    recordSourceError(ctx, target);
    return { ...base, node: undefined };
  }
  return { ...base, node: nodeFromStat(entry.name, entry.stat, ctx.names, target, ctx.change, ctx.formatTime) };
}

function startFile(
  ctx: WalkContext,
  entry: FileEntry,
  old: TreeNode | undefined,
  base: ChildBase,
): PendingChild | Promise<PendingChild> {
  const node = nodeFromStat(entry.name, entry.stat, ctx.names, undefined, ctx.change, ctx.formatTime);
  if (!ctx.force && fileUnchanged(old, entry.stat, node, ctx.change) && old.content.every((id) => ctx.repo.has('data', id))) {
    node.content = old.content;
    countDone(ctx, node);
    return { path: base.path, old, started: base.started, reused: true, node };
  }
  return readFile(ctx, entry, node, base);
}

/** startFile for a file that is read: waits for a read slot (back-pressure on the walk), then reads in the background. */
async function readFile(ctx: WalkContext, entry: FileEntry, node: TreeNode, base: ChildBase): Promise<PendingChild> {
  await ctx.fileSlots.acquire();
  checkRunning(ctx);
  const data = { dataSize: 0, dataSizeInRepo: 0 };
  const run = async (): Promise<TreeNode | undefined> => {
    ctx.current.add(entry.path);
    try {
      await ctx.hooks?.beforeOpen?.(entry.path);
      const { size, dev, ino } = entry.stat;
      const res = await ctx.reader.read(entry.path, { size: Number(size), dev, ino });
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
      const why = err instanceof ReplacedError ? replacedError(entry.path, 'read', err.now) : toSourceError(entry.path, 'read', err);
      recordSourceError(ctx, why);
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
 * Starts each entry of a listing in order, after recording its errors; the parent's tree `oldTree` gives the old
 * nodes (their number goes into `prior`, if given).
 */
async function startListing(
  ctx: WalkContext,
  listing: SourceListing,
  oldTree: Id | undefined,
  prior?: PriorTree,
): Promise<PendingChild[]> {
  for (const e of listing.errors) recordSourceError(ctx, e);
  const oldNodes = await loadOldNodes(ctx, oldTree);
  if (prior) prior.count = oldNodes.size;
  const children: PendingChild[] = [];
  for (const entry of listing.entries) {
    const child = startEntry(ctx, entry, oldNodes.get(entry.name));
    children.push(child instanceof Promise ? await child : child);
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
  st: EntryStat,
  children: PendingChild[],
  prior?: PriorTree,
): Promise<TreeNode> {
  const nodes = await completeChildren(ctx, children);
  const node = nodeFromStat(name, st, ctx.names, undefined, ctx.change, ctx.formatTime);
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
  const done: (TreeNode | undefined)[] = [];
  const waits: Promise<void>[] = [];
  children.forEach((c, i) => {
    if (c.node instanceof Promise) waits.push(c.node.then((node) => void (done[i] = node)));
    else done[i] = c.node;
  });
  if (waits.length > 0) await Promise.all(waits);
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
