import { CairnError, isId } from '../core/index.js';
import type { Snapshot, StoredSnapshot } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { listSnapshots, loadSnapshot, notFoundAsNoMatch, type ListSnapshotsOptions } from './store.js';
import { parseTime } from './time.js';

export interface SnapshotFilter {
  /** Keep snapshots whose hostname is one of these (empty or absent: any host). */
  hosts?: string[];
  /**
   * Keep snapshots that carry every tag of at least one group: restic's `--tag a,b --tag c` is
   * `[['a','b'],['c']]`. The empty tag `''` in a group matches a snapshot without tags.
   */
  tags?: string[][];
  /** Keep snapshots whose paths include all of these (exact strings; callers pass absolute, cleaned paths). */
  paths?: string[];
}

/** restic's HasTags: every tag of the group; the empty tag matches a snapshot without tags. */
export function hasTags(snap: Snapshot, group: readonly string[]): boolean {
  const tags = snap.tags ?? [];
  for (const tag of group) {
    // restic: an empty tag selects snapshots that have no tags at all.
    if (tag === '' && tags.length === 0) return true;
    if (!tags.includes(tag)) return false;
  }
  return true;
}

/** The snapshots matching a filter, in their given order (restic's host/tag/path selection). */
export function filterSnapshots<T extends Snapshot>(snaps: readonly T[], filter: SnapshotFilter = {}): T[] {
  const hosts = filter.hosts ?? [];
  const tagGroups = filter.tags ?? [];
  const paths = filter.paths ?? [];
  return snaps.filter((s) => {
    if (hosts.length > 0 && !hosts.includes(s.hostname ?? '')) return false;
    if (tagGroups.length > 0 && !tagGroups.some((group) => hasTags(s, group))) return false;
    return paths.every((p) => s.paths.includes(p));
  });
}

const HEX = /^[0-9a-f]+$/;

/**
 * Finds one snapshot by full id, unique id prefix, or `latest` (the newest snapshot that passes `filter`; the
 * filter applies only to `latest`, as in restic). Throws CairnError 'not-found' ("no snapshot matched") or
 * 'invalid-argument' when a prefix matches several snapshots. `list.onError` lets `latest` skip damaged snapshot files.
 */
export async function findSnapshot(
  repo: Repository,
  ref: string,
  filter?: SnapshotFilter,
  list?: ListSnapshotsOptions,
): Promise<StoredSnapshot> {
  if (ref === 'latest') {
    const latest = filterSnapshots(await listSnapshots(repo, list), filter).at(-1);
    if (latest === undefined) throw new CairnError('not-found', `no snapshot matched "${ref}"`);
    return latest;
  }
  if (ref === '') throw new CairnError('invalid-argument', 'The snapshot id is empty.');
  if (!HEX.test(ref)) throw new CairnError('not-found', `no snapshot matched "${ref}"`);
  try {
    const id = isId(ref) ? ref : await repo.resolveId('snapshots', ref);
    return await loadSnapshot(repo, id);
  } catch (err) {
    throw notFoundAsNoMatch(ref, err);
  }
}

export interface ParentQuery {
  host: string;
  paths: string[];
  /** Ignore snapshots newer than this (ns since the epoch), e.g. when backing up with a time in the past. */
  before?: bigint;
}

/** The newest snapshot of the same host with the same set of paths: the parent for change detection. */
export function findParent<T extends Snapshot>(snaps: readonly T[], query: ParentQuery): T | undefined {
  const want = new Set(query.paths);
  let best: T | undefined;
  let bestTime = 0n;
  for (const s of snaps) {
    if ((s.hostname ?? '') !== query.host) continue;
    const have = new Set(s.paths);
    if (have.size !== want.size || ![...want].every((p) => have.has(p))) continue;
    const t = parseTime(s.time);
    if (query.before !== undefined && t > query.before) continue;
    if (best === undefined || t >= bestTime) {
      best = s;
      bestTime = t;
    }
  }
  return best;
}
