import path from 'node:path';
import type { StoredSnapshot } from '../core/index.js';
import { CairnError, isCairnError } from '../core/index.js';
import {
  filterSnapshots,
  findSnapshot,
  listSnapshots,
  type ListSnapshotsOptions,
} from '../snapshot/index.js';
import type { Repository } from '../repository/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';

/** restic's `--host/--tag/--path` selection; `tags` is an OR of AND-groups (`--tag a,b --tag c`). */
export interface SnapshotFilter {
  hosts?: string[];
  tags?: string[][];
  paths?: string[];
}

/** Drops empty selections so the snapshot room sees only what the user actually asked for. */
export function compactFilter(f: SnapshotFilter): SnapshotFilter {
  const out: SnapshotFilter = {};
  if (f.hosts && f.hosts.length > 0) out.hosts = f.hosts;
  if (f.tags && f.tags.length > 0) out.tags = f.tags;
  // The snapshot room compares exact strings: clean them as restic does ("/a/b/" → "/a/b").
  if (f.paths && f.paths.length > 0)
    out.paths = f.paths.map((p) => path.normalize(p).replace(/(.)\/+$/, '$1'));
  return out;
}

/**
 * Lists snapshots past damaged snapshot files: each is skipped with one warning naming it, so that one bad file
 * neither hides the others nor stops a backup or `restore latest` (which then take the newest readable one).
 */
export function skipDamagedSnapshots(warn: (message: string) => void): ListSnapshotsOptions {
  return {
    onError: (id, err) => {
      const reason = (err instanceof Error ? err.message : String(err)).replace(/\.$/, '');
      warn(`skipped the damaged snapshot file snapshots/${id} (${reason}).`);
    },
  };
}

/** Keeps the newest `n` snapshots of each host+paths group, in the original (oldest first) order, like restic. */
export function latestPerGroup(snaps: StoredSnapshot[], n: number): StoredSnapshot[] {
  if (!Number.isInteger(n) || n < 1)
    throw new CairnError('invalid-argument', '--latest needs a positive number.');
  const count = new Map<string, number>();
  const keep = new Set<StoredSnapshot>();
  for (let i = snaps.length - 1; i >= 0; i--) {
    const s = snaps[i]!;
    const key = JSON.stringify([s.hostname ?? '', [...s.paths].sort()]);
    const c = count.get(key) ?? 0;
    if (c < n) keep.add(s);
    count.set(key, c + 1);
  }
  return snaps.filter((s) => keep.has(s));
}

/**
 * The repository's snapshots matching the filter, oldest first; with `ids` (ids, unique prefixes or `latest`), those
 * snapshots, each once, and a warning for each that names none, as restic does.
 */
export async function listSnapshotsUseCase(
  deps: AppDeps,
  opts: OpenOptions,
  req: { filter?: SnapshotFilter; latest?: number; ids?: string[] } = {},
): Promise<StoredSnapshot[]> {
  return withRepository(
    deps,
    opts,
    'shared',
    async ({ repo }) => {
      if (req.ids !== undefined && req.ids.length > 0)
        return namedSnapshots(repo, req.ids, req.filter, (m) => deps.warn(m));
      const all = await listSnapshots(
        repo,
        skipDamagedSnapshots((m) => deps.warn(m)),
      );
      const filtered = filterSnapshots(all, compactFilter(req.filter ?? {}));
      return req.latest !== undefined ? latestPerGroup(filtered, req.latest) : filtered;
    },
    { readOnly: true },
  );
}

/** The snapshots named by id, prefix or `latest`, each once, oldest first; a warning for each name that matches none. */
export async function namedSnapshots(
  repo: Repository,
  ids: readonly string[],
  filter: SnapshotFilter | undefined,
  warn: (message: string) => void,
): Promise<StoredSnapshot[]> {
  const found = new Map<string, StoredSnapshot>();
  for (const ref of ids) {
    try {
      const s = await findSnapshot(repo, ref, compactFilter(filter ?? {}), skipDamagedSnapshots(warn));
      found.set(s.id, s);
    } catch (err) {
      if (!isCairnError(err, 'not-found') && !isCairnError(err, 'invalid-argument')) throw err;
      warn(`Ignoring "${ref}": ${err.message.replace(/\.$/, '')}.`);
    }
  }
  return [...found.values()].sort((a, b) => Date.parse(a.time) - Date.parse(b.time));
}
