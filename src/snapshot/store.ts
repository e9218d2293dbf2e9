import { CairnError, isCairnError } from '../core/index.js';
import type { Id, StoredSnapshot, Snapshot, Tree } from '../core/index.js';
import type { Repository, SaveResult } from '../repository/index.js';
import { decodeSnapshot, encodeSnapshot } from './snapshot-codec.js';
import { parseTime } from './time.js';
import { decodeTree, encodeTree, sortNodes } from './tree-codec.js';

/**
 * Stores a directory listing as a tree blob. The nodes are written sorted by name (restic looks names up by
 * binary search), so the id is that of the sorted encoding. Throws 'invalid-argument' on a repeated name.
 */
export async function saveTree(repo: Repository, tree: Tree): Promise<SaveResult> {
  return repo.saveBlob('tree', encodeTree({ nodes: sortNodes(tree.nodes) }));
}

/** Loads and parses a tree blob (the repository verifies its hash). */
export async function loadTree(repo: Repository, id: Id): Promise<Tree> {
  return decodeTree(await repo.loadBlob('tree', id));
}

/**
 * Writes a snapshot and returns its id. Flushes the repository first: the snapshot must be written after the
 * packs and index entries of everything it references, so a crash never leaves a snapshot pointing at nothing.
 */
export async function saveSnapshot(repo: Repository, snap: Snapshot): Promise<Id> {
  await repo.flush();
  return repo.saveUnpacked('snapshots', encodeSnapshot(snap));
}

/** Loads one snapshot by its full id. */
export async function loadSnapshot(repo: Repository, id: Id): Promise<StoredSnapshot> {
  const snap = decodeSnapshot(await repo.loadUnpacked('snapshots', id));
  return { ...snap, id };
}

export interface ListSnapshotsOptions {
  /**
   * Called for a snapshot file that is damaged (or was removed meanwhile); it is then skipped. Without it the error
   * is thrown. Other errors (an unreachable backend, an interruption) are always thrown: skipping on them would make
   * `latest` silently mean an older snapshot.
   */
  onError?: (id: Id, err: unknown) => void;
  /** Snapshots loaded at the same time (default 8). */
  concurrency?: number;
}

/** Loads every snapshot of the repository, oldest first. */
export async function listSnapshots(
  repo: Repository,
  opts: ListSnapshotsOptions = {},
): Promise<StoredSnapshot[]> {
  const ids: Id[] = [];
  for await (const file of repo.list('snapshots')) ids.push(file.name);
  const loaded: { s: StoredSnapshot; t: bigint }[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++]!;
      try {
        const s = await loadSnapshot(repo, id);
        loaded.push({ s, t: safeTime(s) });
      } catch (err) {
        if (opts.onError === undefined || !isSkippable(err)) throw err;
        opts.onError(id, err);
      }
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? 8, ids.length));
  await Promise.all(Array.from({ length: workers }, worker));
  // Each time is parsed once (above): a repository can hold thousands of snapshots.
  loaded.sort((a, b) => (a.t !== b.t ? (a.t < b.t ? -1 : 1) : a.s.id < b.s.id ? -1 : a.s.id > b.s.id ? 1 : 0));
  return loaded.map((k) => k.s);
}

/** A snapshot file whose bytes are bad, or that is gone since the listing. */
function isSkippable(err: unknown): boolean {
  return isCairnError(err, 'corrupt') || isCairnError(err, 'not-found');
}

function safeTime(s: StoredSnapshot): bigint {
  try {
    return parseTime(s.time);
  } catch (err) {
    throw new CairnError('corrupt', `Snapshot ${s.id} has an invalid time "${s.time}".`, { cause: err });
  }
}

/** Maps "this id does not exist" from the repository to the snapshot room's error. */
export function notFoundAsNoMatch(ref: string, err: unknown): unknown {
  return isCairnError(err, 'not-found')
    ? new CairnError('not-found', `no snapshot matched "${ref}"`, { cause: err })
    : err;
}
