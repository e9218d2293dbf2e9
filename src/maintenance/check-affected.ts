import type { BlobType, Id, Tree } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { decodeTree } from '../snapshot/index.js';
import { loadIndexedBlob } from './check-blob.js';
import type { CheckIndex, IndexedBlob } from './check-index.js';
import type { CheckReport } from './check-report.js';
import type { SnapshotRoot } from './check-trees.js';
import { forEachQueued } from '../util/index.js';

/** One file or folder of a snapshot that cannot be restored whole, and the first bad blob it uses. */
export interface AffectedPath {
  snapshot: Id;
  /** '/' for the snapshot's root, else '/dir/file' below it. */
  path: string;
  /** What is wrong, e.g. "damaged blob <id> (pack <id>)"; with " and N more bad blobs" when there are more. */
  uses: string;
}

export interface AffectedReport {
  /** The first `limit` affected paths, snapshot by snapshot. */
  paths: AffectedPath[];
  /** How many there are in all. */
  total: number;
}

/** One bad entry of a tree: a file with bad content blobs, or a folder whose tree is bad. */
interface BadEntry {
  name: string;
  uses: string;
}

/** A sound folder to descend into. */
interface DirEntry {
  name: string;
  subtree: Id;
}

/** What the second walk keeps of a tree: its sound folders and its bad entries, in the tree's (name) order. */
interface TreeSummary {
  entries: (BadEntry | DirEntry)[];
  bad: number;
}

/** Why a blob cannot be loaded from any of its copies, or undefined when one copy is sound as far as check knows. */
function blobVerdict(type: BlobType, id: Id, index: CheckIndex, report: CheckReport): string | undefined {
  const places: readonly IndexedBlob[] = index.blobs[type].get(id) ?? [];
  if (places.length === 0) return `${type === 'tree' ? 'tree' : 'blob'} ${id}, which no index names`;
  let first: string | undefined;
  for (const p of places) {
    let why: string | undefined;
    if (report.badBlobCopies.has(`${p.packId}:${id}`)) why = `damaged ${type} blob ${id} (pack ${p.packId})`;
    else if (report.missingPacks.has(p.packId)) why = `${type} blob ${id} of missing pack ${p.packId}`;
    // A pack that was not read whole is damaged as a whole: none of its blobs can be trusted.
    else if (report.damagedPacks.has(p.packId) && !report.verifiedPacks.has(p.packId)) {
      why = `${type} blob ${id} of damaged pack ${p.packId}`;
    }
    if (why === undefined) return undefined;
    first ??= why;
  }
  return first;
}

function treeVerdict(id: Id, index: CheckIndex, report: CheckReport): string | undefined {
  if (report.unloadableTrees.has(id)) return `tree ${id}, which cannot be loaded`;
  return blobVerdict('tree', id, index, report);
}

function summarize(tree: Tree, index: CheckIndex, report: CheckReport): TreeSummary {
  const summary: TreeSummary = { entries: [], bad: 0 };
  const bad = (name: string, uses: string): void => {
    summary.entries.push({ name, uses });
    summary.bad++;
  };
  for (const node of tree.nodes) {
    if (node.type === 'dir' && typeof node.subtree === 'string' && node.subtree !== '') {
      const why = treeVerdict(node.subtree, index, report);
      if (why === undefined) summary.entries.push({ name: node.name, subtree: node.subtree });
      else bad(node.name, why);
    } else if (node.type === 'file' && Array.isArray(node.content)) {
      const blobs: string[] = [];
      for (const blob of node.content) {
        const why = blobVerdict('data', blob, index, report);
        if (why !== undefined) blobs.push(why);
      }
      const [first] = blobs;
      if (first === undefined) continue;
      const more = blobs.length - 1;
      bad(node.name, more === 0 ? first : `${first} and ${more} more bad blob${more === 1 ? '' : 's'}`);
    }
  }
  return summary;
}

/**
 * Names the snapshots and paths that use what check found damaged or missing: walks every tree
 * again, below sound trees only, keeping per tree just its folders and its bad entries. A blob counts as bad only when
 * every copy of it is. Lists the first `limit` paths and counts all of them (shared trees are counted, not rewalked).
 */
export async function findAffected(
  repo: Repository,
  index: CheckIndex,
  report: CheckReport,
  roots: readonly SnapshotRoot[],
  concurrency: number,
  limit: number,
): Promise<AffectedReport> {
  const summaries = new Map<Id, TreeSummary>();
  const start = [...new Set(roots.map((r) => r.tree))].filter((t) => treeVerdict(t, index, report) === undefined);
  const queued = new Set(start);
  report.progress('affected', 0, queued.size);
  await forEachQueued(start, concurrency, async (id, enqueue) => {
    report.throwIfAborted();
    let summary: TreeSummary;
    try {
      summary = summarize(decodeTree(await loadIndexedBlob(repo, id, index.blobs.tree.get(id) ?? [])), index, report);
    } catch {
      // It loaded in the first walk; if it does not now, what is below it is out of reach all the same.
      summary = { entries: [{ name: '', uses: `tree ${id}, which cannot be loaded` }], bad: 1 };
    }
    summaries.set(id, summary);
    for (const e of summary.entries) {
      if (!('subtree' in e) || queued.has(e.subtree)) continue;
      queued.add(e.subtree);
      enqueue(e.subtree);
    }
    report.progress('affected', summaries.size, queued.size);
  });

  const counts = new Map<Id, number>();
  const count = (id: Id): number => {
    const known = counts.get(id);
    if (known !== undefined) return known;
    const s = summaries.get(id);
    let n = s?.bad ?? 0;
    for (const e of s?.entries ?? []) if ('subtree' in e) n += count(e.subtree);
    counts.set(id, n);
    return n;
  };

  const paths: AffectedPath[] = [];
  let total = 0;
  const list = (snapshot: Id, id: Id, prefix: string): void => {
    const s = summaries.get(id);
    if (!s || count(id) === 0) return;
    for (const e of s.entries) {
      if (paths.length >= limit) return;
      if ('subtree' in e) list(snapshot, e.subtree, `${prefix}/${e.name}`);
      else paths.push({ snapshot, path: e.name === '' ? prefix || '/' : `${prefix}/${e.name}`, uses: e.uses });
    }
  };
  for (const root of roots) {
    const why = treeVerdict(root.tree, index, report);
    if (why !== undefined) {
      total++;
      if (paths.length < limit) paths.push({ snapshot: root.snapshot, path: '/', uses: why });
      continue;
    }
    total += count(root.tree);
    list(root.snapshot, root.tree, '');
  }
  return { paths, total };
}
