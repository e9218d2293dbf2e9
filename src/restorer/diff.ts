import type { Id, StoredSnapshot, TreeNode } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { loadTree } from '../snapshot/index.js';
import { walkNodes } from './ls.js';
import { blobPlainLength } from './verify.js';

/** '+' added, '-' removed, 'T' type changed, 'M' content changed, 'U' metadata changed. */
export type DiffModifier = '+' | '-' | 'M' | 'T' | 'U';

export interface DiffChange {
  /** Snapshot path; directories end in '/'. */
  path: string;
  /** The most significant change (T before M before U). */
  modifier: DiffModifier;
  /** All letters as restic prints them, e.g. 'MU'. */
  modifiers: string;
}

export interface DiffCounts {
  files: number;
  dirs: number;
  others: number;
  dataBlobs: number;
  treeBlobs: number;
  bytes: number;
}

export interface DiffTotals {
  changedFiles: number;
  added: DiffCounts;
  removed: DiffCounts;
}

export interface DiffOptions {
  /** Also report metadata-only changes ('U'), like restic diff --metadata. */
  metadata?: boolean;
}

/** The changes, in restic's order; `totals` is complete once iteration has finished. */
export interface DiffRun extends AsyncIterable<DiffChange> {
  readonly totals: DiffTotals;
}

const zero = (): DiffCounts => ({ files: 0, dirs: 0, others: 0, dataBlobs: 0, treeBlobs: 0, bytes: 0 });

interface DiffState {
  repo: Repository;
  opts: DiffOptions;
  totals: DiffTotals;
  before: Map<Id, 'data' | 'tree'>;
  after: Map<Id, 'data' | 'tree'>;
  common: Map<Id, 'data' | 'tree'>;
}

/** restic diff between two snapshots: skips subtrees whose ids are equal, counts added/removed entries and blob bytes. */
export function diffSnapshots(repo: Repository, a: StoredSnapshot, b: StoredSnapshot, opts: DiffOptions = {}): DiffRun {
  const totals: DiffTotals = { changedFiles: 0, added: zero(), removed: zero() };
  const state: DiffState = { repo, opts, totals, before: new Map(), after: new Map(), common: new Map() };
  return {
    totals,
    async *[Symbol.asyncIterator]() {
      state.before.set(a.tree, 'tree');
      state.after.set(b.tree, 'tree');
      yield* diffTree(state, '/', a.tree, b.tree);
      countBlobs(state, state.before, state.after, totals.removed);
      countBlobs(state, state.after, state.before, totals.added);
    },
  };
}

function countBlobs(state: DiffState, mine: Map<Id, 'data' | 'tree'>, other: Map<Id, 'data' | 'tree'>, into: DiffCounts): void {
  for (const [id, type] of mine) {
    if (other.has(id) || state.common.has(id)) continue;
    if (type === 'data') into.dataBlobs++;
    else into.treeBlobs++;
    into.bytes += blobPlainLength(state.repo, id, type) ?? 0;
  }
}

function addBlobs(set: Map<Id, 'data' | 'tree'>, node: TreeNode | undefined): void {
  if (node === undefined) return;
  if (node.type === 'file') for (const id of node.content ?? []) set.set(id, 'data');
  else if (node.type === 'dir' && node.subtree !== undefined) set.set(node.subtree, 'tree');
}

function countNode(into: DiffCounts, node: TreeNode): void {
  if (node.type === 'file') into.files++;
  else if (node.type === 'dir') into.dirs++;
  else into.others++;
}

async function* diffTree(state: DiffState, prefix: string, id1: Id, id2: Id): AsyncGenerator<DiffChange> {
  const [t1, t2] = await Promise.all([loadTree(state.repo, id1), loadTree(state.repo, id2)]);
  const m1 = new Map<string, TreeNode>(t1.nodes.map((n) => [n.name, n]));
  const m2 = new Map<string, TreeNode>(t2.nodes.map((n) => [n.name, n]));
  const names = [...new Set([...m1.keys(), ...m2.keys()])].sort(byteOrder);
  for (const name of names) {
    const n1 = m1.get(name);
    const n2 = m2.get(name);
    addBlobs(state.before, n1);
    addBlobs(state.after, n2);
    const path = prefix + name;
    if (n1 !== undefined && n2 !== undefined) {
      yield* diffPair(state, path, n1, n2);
    } else if (n1 !== undefined) {
      yield* listWhole(state, '-', path, n1, state.totals.removed, state.before);
    } else if (n2 !== undefined) {
      yield* listWhole(state, '+', path, n2, state.totals.added, state.after);
    }
  }
}

async function* diffPair(state: DiffState, path: string, n1: TreeNode, n2: TreeNode): AsyncGenerator<DiffChange> {
  let mod = '';
  if (n1.type !== n2.type) mod += 'T';
  const name = n2.type === 'dir' ? `${path}/` : path;
  if (n1.type === 'file' && n2.type === 'file' && !sameList(n1.content, n2.content)) {
    mod += 'M';
    state.totals.changedFiles++;
    if (state.opts.metadata === true && !sameMetadata(n1, n2)) mod += 'U';
  } else if (state.opts.metadata === true && !sameMetadata(n1, n2)) {
    mod += 'U';
  }
  if (mod !== '') yield { path: name, modifier: mod[0] as DiffModifier, modifiers: mod };
  if (n1.type === 'dir' && n2.type === 'dir' && n1.subtree !== undefined && n2.subtree !== undefined) {
    if (n1.subtree === n2.subtree) await collectCommon(state, n1.subtree);
    else yield* diffTree(state, `${path}/`, n1.subtree, n2.subtree);
  }
}

async function* listWhole(
  state: DiffState,
  mod: '+' | '-',
  path: string,
  node: TreeNode,
  counts: DiffCounts,
  blobs: Map<Id, 'data' | 'tree'>,
): AsyncGenerator<DiffChange> {
  const isDir = node.type === 'dir';
  yield { path: isDir ? `${path}/` : path, modifier: mod, modifiers: mod };
  countNode(counts, node);
  if (!isDir || node.subtree === undefined) return;
  for await (const item of walkNodes(state.repo, node.subtree, path, () => true)) {
    addBlobs(blobs, item.node);
    countNode(counts, item.node);
    yield { path: item.node.type === 'dir' ? `${item.path}/` : item.path, modifier: mod, modifiers: mod };
  }
}

async function collectCommon(state: DiffState, treeId: Id): Promise<void> {
  state.common.set(treeId, 'tree');
  for await (const item of walkNodes(state.repo, treeId, '/', () => true)) addBlobs(state.common, item.node);
}

function sameList(a: readonly string[] | null, b: readonly string[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Node equality without content and subtree (restic's Node.Equals minus what 'M' and the recursion cover). */
function sameMetadata(n1: TreeNode, n2: TreeNode): boolean {
  // bigint fields (inode, device ids) as their exact digits: JSON.stringify throws on a bigint.
  const exact = (_key: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
  const strip = (n: TreeNode): string => JSON.stringify({ ...n, content: null, subtree: null }, exact);
  return strip(n1) === strip(n2);
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
