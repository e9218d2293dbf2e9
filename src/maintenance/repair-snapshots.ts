/**
 * `repair snapshots` as restic ≥ 0.16 does it: each snapshot's trees are rewritten without what cannot be read.
 * A file whose content names data blobs that are not available keeps only the blobs that are (its size becomes
 * theirs: the file is shortened, not removed); a folder whose tree cannot be loaded becomes an empty folder; a
 * snapshot whose root tree cannot be loaded is deleted. A changed snapshot is saved anew with `original` set to the
 * old id and the tag `repaired` (not with `forget`, which deletes the old snapshot instead). A blob counts as
 * available when the index names it in a pack that exists: restic trusts the index alone and asks for `repair index`
 * first; checking the listing too makes a missing pack count as missing whichever of the two runs first (and a
 * tree that must be stored again, such as the empty tree, is not taken as stored because a lost pack held it).
 * Crash-safe order: new trees, their index, the new snapshot, and only then the old snapshot is deleted.
 */
import path from 'node:path/posix';
import type { Id, StoredSnapshot, Tree, TreeNode } from '../core/index.js';
import { hashId, isCairnError, throwIfAborted } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { plainLength } from '../repository/index.js';
import { encodeTree, loadTree, saveSnapshot } from '../snapshot/index.js';

export const REPAIRED_TAG = 'repaired';

export interface RepairSnapshotsOptions {
  /** Delete each original snapshot once its repaired copy is saved (no `repaired` tag then). */
  forget?: boolean;
  /** Find out what would change; write and delete nothing. */
  dryRun?: boolean;
  signal: AbortSignal;
  /** restic's lines: the snapshot, then what was done to which path. */
  onMessage?: (message: string) => void;
}

export interface RepairedSnapshot {
  id: Id;
  /** unchanged; repaired (saved anew as `newId`); removed (its root tree could not be read). */
  status: 'unchanged' | 'repaired' | 'removed';
  /** The repaired copy (absent in a dry run). */
  newId?: Id;
  /** What was done, one line per path, in restic's words. */
  changes: string[];
}

export interface RepairSnapshotsResult {
  snapshots: RepairedSnapshot[];
  dryRun: boolean;
}

export async function repairSnapshots(
  repo: Repository,
  snapshots: readonly StoredSnapshot[],
  opts: RepairSnapshotsOptions,
): Promise<RepairSnapshotsResult> {
  const say = opts.onMessage ?? ((): void => undefined);
  const dryRun = opts.dryRun === true;
  const listed = new Set<Id>();
  for await (const f of repo.list('data')) listed.add(f.name);
  // Blobs in packs that are gone count as missing, and are stored anew when needed (the empty tree, say).
  repo.reindexPacks(new Set([...repo.indexedPacks().keys()].filter((p) => !listed.has(p))), new Map());
  const rewriter = new TreeRewriter(repo, dryRun);
  const out: RepairedSnapshot[] = [];
  for (const snap of snapshots) {
    throwIfAborted(opts.signal);
    say(`\nsnapshot ${snap.id.slice(0, 8)} of [${snap.paths.join(' ')}] at ${snap.time}`);
    const rewritten = await rewriter.rewrite(snap.tree);
    const tree = rewritten.id;
    const changes = tree === undefined ? ['dir "/": not readable'] : rewritten.changes.map(changeLine);
    for (const line of changes) say(`  ${line}`);
    const r: RepairedSnapshot = { id: snap.id, status: 'unchanged', changes };
    out.push(r);
    if (tree === snap.tree) continue;
    if (tree === undefined) {
      r.status = 'removed';
      if (dryRun) say('would delete empty snapshot');
      else {
        await repo.removeUnpacked('snapshots', snap.id);
        say(`removed empty snapshot ${snap.id.slice(0, 8)}`);
      }
      continue;
    }
    r.status = 'repaired';
    if (dryRun) {
      say('would save new snapshot');
      if (opts.forget === true) say('would remove old snapshot');
      continue;
    }
    const { id: _old, ...doc } = snap;
    doc.original = snap.id;
    doc.tree = tree;
    if (opts.forget !== true && !(doc.tags ?? []).includes(REPAIRED_TAG)) doc.tags = [...(doc.tags ?? []), REPAIRED_TAG];
    // saveSnapshot flushes first: the new trees and their index are stored before the snapshot naming them.
    r.newId = await saveSnapshot(repo, doc);
    say(`saved new snapshot ${r.newId.slice(0, 8)}`);
    if (opts.forget === true) {
      await repo.removeUnpacked('snapshots', snap.id);
      say(`removed old snapshot ${snap.id.slice(0, 8)}`);
    }
  }
  const changed = out.filter((s) => s.status !== 'unchanged').length;
  say('');
  if (changed === 0) say(dryRun ? 'no snapshots would be modified' : 'no snapshots were modified');
  else say(dryRun ? `would modify ${changed} snapshots` : `modified ${changed} snapshots`);
  return { snapshots: out, dryRun };
}

/** One thing repair did, at a path relative to the tree it was found in. */
interface Change {
  kind: 'file' | 'dir';
  path: string;
  what: string;
}

interface Rewritten {
  /** The repaired tree's id (the same id when nothing changed); undefined when the tree cannot be loaded. */
  id: Id | undefined;
  changes: Change[];
}

/** restic's line for a change, with the path from the snapshot's root. */
function changeLine(c: Change): string {
  return `${c.kind} "${path.join('/', c.path)}": ${c.what}`;
}

/**
 * Rewrites trees bottom-up; a tree that needs no change keeps its id (and is not stored again). Each tree is done
 * once, with what was changed in it, so a folder shared by many snapshots is repaired once and reported in each.
 */
class TreeRewriter {
  private readonly done = new Map<Id, Rewritten>();
  private emptyTree: Id | undefined;

  constructor(
    private readonly repo: Repository,
    private readonly dryRun: boolean,
  ) {}

  async rewrite(id: Id): Promise<Rewritten> {
    const known = this.done.get(id);
    if (known !== undefined) return known;
    const tree = await this.load(id);
    const out: Rewritten = { id: undefined, changes: [] };
    if (tree !== undefined) {
      const nodes: TreeNode[] = [];
      for (const node of tree.nodes) nodes.push(await this.rewriteNode(node, out.changes));
      const changed = nodes.some((n, i) => n !== tree.nodes[i]);
      out.id = changed ? await this.store(encodeTree({ nodes })) : id;
    }
    this.done.set(id, out);
    return out;
  }

  private async rewriteNode(node: TreeNode, changes: Change[]): Promise<TreeNode> {
    if (node.type === 'file') return this.rewriteFile(node, changes);
    if (node.type !== 'dir') return node;
    const sub = node.subtree === undefined ? undefined : await this.rewrite(node.subtree);
    let subtree = sub?.id;
    if (subtree === undefined) {
      changes.push({ kind: 'dir', path: node.name, what: 'replaced with empty directory' });
      subtree = await this.empty();
    } else {
      for (const c of sub!.changes) changes.push({ ...c, path: `${node.name}/${c.path}` });
    }
    return subtree === node.subtree ? node : { ...node, subtree };
  }

  /** Keeps the available blobs of a file's content; its size becomes theirs. */
  private rewriteFile(node: TreeNode, changes: Change[]): TreeNode {
    const content: Id[] = [];
    let size = 0;
    for (const id of node.content ?? []) {
      const copy = this.repo.lookup('data', id);
      if (copy === undefined) continue;
      content.push(id);
      size += plainLength(copy);
    }
    let what: string;
    if (content.length !== (node.content ?? []).length) what = 'removed missing content';
    else if (size !== (node.size ?? 0)) what = 'fixed incorrect size';
    else return node;
    changes.push({ kind: 'file', path: node.name, what });
    return { ...node, content, size };
  }

  /** A tree, or undefined when it is missing or cannot be read; other errors (a failing backend) stop repair. */
  private async load(id: Id): Promise<Tree | undefined> {
    try {
      return await loadTree(this.repo, id);
    } catch (err) {
      if (isCairnError(err, 'corrupt') || isCairnError(err, 'not-found')) return undefined;
      throw err;
    }
  }

  private async empty(): Promise<Id> {
    this.emptyTree ??= await this.store(encodeTree({ nodes: [] }));
    return this.emptyTree;
  }

  /** Stores a tree blob; in a dry run only its id is computed. */
  private async store(bytes: Buffer): Promise<Id> {
    if (this.dryRun) return hashId(bytes);
    return (await this.repo.saveBlob('tree', bytes)).id;
  }
}
