import type { StoredSnapshot, TreeNode } from '../core/index.js';
import { CairnError } from '../core/index.js';
import type { DiffChange, DiffTotals, SnapshotStats, StatsMode } from '../restorer/index.js';
import type { Repository } from '../repository/index.js';
import { diffSnapshots, dump, findInSnapshots, listNodes, snapshotStats } from '../restorer/index.js';
import { filterSnapshots, listSnapshots } from '../snapshot/index.js';
import type { AppDeps, OpenOptions } from './deps.js';
import type { Session } from './open.js';
import { withRepository } from './open.js';
import { parseSnapshotRef, resolveSnapshot } from './restore.js';
import type { SnapshotFilter } from './snapshots.js';
import { compactFilter } from './snapshots.js';

/** Opens the repository for reading (shared lock unless --no-lock) with its index loaded. */
export function withIndex<T>(deps: AppDeps, opts: OpenOptions, fn: (session: Session) => Promise<T>): Promise<T> {
  return withRepository(deps, opts, 'shared', fn, { readOnly: true, index: true });
}

/** `ls`: calls `onSnapshot` once, then `onNode` for every listed entry, in tree order. */
export async function listFiles(
  deps: AppDeps,
  opts: OpenOptions,
  req: { snapshot: string; dirs?: string[]; recursive?: boolean; filter?: SnapshotFilter },
  out: { onSnapshot(s: StoredSnapshot): void; onNode(path: string, node: TreeNode): void },
): Promise<void> {
  await withIndex(deps, opts, async ({ repo, signal }) => {
    const snapshot = await resolveSnapshot(repo, req.snapshot, req.filter);
    out.onSnapshot(snapshot);
    const o: { paths?: string[]; recursive?: boolean; signal: AbortSignal } = { signal };
    if (req.dirs && req.dirs.length > 0) o.paths = req.dirs;
    if (req.recursive === true) o.recursive = true;
    for await (const { path, node } of listNodes(repo, snapshot, o)) out.onNode(path, node);
  });
}

/**
 * `dump`: writes one file (raw) or a folder (tar or zip) of a snapshot to `out`. Archive names start at the snapshot root, as
 * restic's dump writes them, unless `names: 'folder'` (what a volume restore unpacks).
 */
export async function dumpPath(
  deps: AppDeps,
  opts: OpenOptions,
  req: { snapshot: string; path: string; archive?: 'tar' | 'zip'; filter?: SnapshotFilter; names?: 'snapshot' | 'folder' },
  out: NodeJS.WritableStream,
): Promise<void> {
  const { ref, subPath } = parseSnapshotRef(req.snapshot);
  await withIndex(deps, opts, async ({ repo, signal }) => {
    const snapshot = await resolveSnapshot(repo, ref, req.filter);
    const inner =
      subPath === undefined ? req.path : `${subPath.replace(/\/+$/, '')}/${req.path.replace(/^\/+/, '')}`;
    const o: Parameters<typeof dump>[4] = { pathsRelativeTo: req.names ?? 'snapshot', signal };
    if (req.archive) o.archive = req.archive;
    await dump(repo, snapshot, inner, out, o);
  });
}

export interface FindMatch {
  snapshot: StoredSnapshot;
  path: string;
  node: TreeNode;
}

/** `find`: every entry matching one of the patterns, in the given snapshots (all snapshots when none given). */
export async function findFiles(
  deps: AppDeps,
  opts: OpenOptions,
  req: { patterns: string[]; snapshots?: string[]; ignoreCase?: boolean; filter?: SnapshotFilter },
  onMatch: (m: FindMatch) => void,
): Promise<void> {
  await withIndex(deps, opts, async ({ repo, signal }) => {
    const snaps = await selectSnapshots(repo, req.snapshots, req.filter);
    const o = { ignoreCase: req.ignoreCase === true, signal };
    for await (const m of findInSnapshots(repo, snaps, req.patterns, o)) onMatch(m);
  });
}

/** `diff`: the changes from snapshot A to B, one call per changed path; the totals come back at the end. */
export async function diffFiles(
  deps: AppDeps,
  opts: OpenOptions,
  req: { a: string; b: string; metadata?: boolean },
  onChange: (change: DiffChange) => void,
): Promise<{ a: StoredSnapshot; b: StoredSnapshot; totals: DiffTotals }> {
  return withIndex(deps, opts, async ({ repo }) => {
    const a = await resolveSnapshot(repo, req.a);
    const b = await resolveSnapshot(repo, req.b);
    const run = diffSnapshots(repo, a, b, req.metadata === true ? { metadata: true } : {});
    for await (const c of run) onChange(c);
    return { a, b, totals: run.totals };
  });
}

/** `stats`: sizes of the given snapshots (all matching the filter when none given). */
export async function repositoryStats(
  deps: AppDeps,
  opts: OpenOptions,
  req: { snapshots?: string[]; mode: StatsMode; filter?: SnapshotFilter },
): Promise<SnapshotStats> {
  return withIndex(deps, opts, async ({ repo, signal }) => {
    return snapshotStats(repo, await selectSnapshots(repo, req.snapshots, req.filter), req.mode, signal);
  });
}

/** The named snapshots, or all that pass the filter when none are named. */
async function selectSnapshots(
  repo: Repository,
  refs: string[] | undefined,
  filter: SnapshotFilter | undefined,
): Promise<StoredSnapshot[]> {
  if (refs === undefined || refs.length === 0) {
    return filterSnapshots(await listSnapshots(repo), compactFilter(filter ?? {}));
  }
  const snaps: StoredSnapshot[] = [];
  for (const ref of refs) snaps.push(await resolveSnapshot(repo, ref, filter));
  return snaps;
}

const LIST_TYPES = {
  packs: 'data',
  index: 'index',
  snapshots: 'snapshots',
  keys: 'keys',
  locks: 'locks',
} as const;

/**
 * restic's `list TYPE`: the ids of the repository's files of a type, or `blobs` as "TYPE ID" per indexed blob.
 * `locks` takes no lock, as in restic (listing the locks must not be stopped by one).
 */
export async function listRepository(
  deps: AppDeps,
  opts: OpenOptions,
  type: string,
  onLine: (line: string) => void,
): Promise<void> {
  if (type !== 'blobs' && !Object.hasOwn(LIST_TYPES, type)) {
    throw new CairnError(
      'invalid-argument',
      `"${type}" is not a type to list: use blobs, packs, index, snapshots, keys or locks.`,
    );
  }
  const lock = type === 'locks' ? 'none' : 'shared';
  await withRepository(
    deps,
    opts,
    lock,
    async ({ repo }) => {
      if (type === 'blobs') {
        await repo.loadIndex();
        for (const [id, e] of repo.indexEntries()) onLine(`${e.type} ${id}`);
        return;
      }
      for await (const f of repo.list(LIST_TYPES[type as keyof typeof LIST_TYPES])) onLine(f.name);
    },
    { readOnly: true },
  );
}
