import type { Id, StoredSnapshot } from '../core/index.js';
import { throwIfAborted } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { filterSnapshots, listSnapshots, saveSnapshot } from '../snapshot/index.js';
import type { Clock } from '../util/index.js';
import type { CopyCounters } from './copy-blobs.js';
import { BlobCopier } from './copy-blobs.js';
import { CopiedSnapshots, copiedSnapshot } from './copy-identity.js';
import type { AppDeps, OpenOptions } from './deps.js';
import { withRepository } from './open.js';
import { resolveSnapshot } from './restore.js';
import type { SnapshotFilter } from './snapshots.js';
import { compactFilter } from './snapshots.js';

export interface CopyRequest {
  /** The source repository (`--from-repo` …); the use case's own OpenOptions are the destination. */
  from: OpenOptions;
  /** Snapshot ids, prefixes or `latest`; none = every snapshot that passes the filter. */
  snapshots?: string[];
  /** `--host/--tag/--path`; applies to the source and, as in restic, to the destination's snapshots compared. */
  filter?: SnapshotFilter;
  /** Write the destination's packs and index after about this many new bytes (default 256 MiB). */
  flushEveryBytes?: number;
}

export interface CopyStatus extends CopyCounters {
  secondsElapsed: number;
  snapshotsDone: number;
  snapshotsTotal: number;
}

/** What a copy run reports while it works (all optional). */
export interface CopyEvents {
  /** `source` needs no copy: the destination already holds `existing`, a copy of it. */
  onSkipped?(source: StoredSnapshot, existing: StoredSnapshot): void;
  onStarted?(source: StoredSnapshot): void;
  onCopied?(source: StoredSnapshot, newId: Id): void;
  onStatus?(status: CopyStatus): void;
}

export interface CopyOutcome extends CopyCounters {
  copied: { source: Id; id: Id }[];
  skipped: { source: Id; existing: Id }[];
}

/**
 * `copy`: copies snapshots from `req.from` into the repository of `opts`, like restic 0.17. A snapshot whose copy
 * the destination already holds (same `original` identity and fields, see copy-identity.ts) is skipped; the others
 * get their missing blobs copied, then the destination's packs and index are written, then the snapshot (with
 * `original` set and no parent). An interrupted run keeps what it wrote, and the next run reuses it.
 * The source gets a shared lock (none with `--no-lock`), the destination a shared lock.
 */
export async function copySnapshots(
  deps: AppDeps,
  opts: OpenOptions,
  req: CopyRequest,
  events: CopyEvents = {},
): Promise<CopyOutcome> {
  return withRepository(
    deps,
    req.from,
    'shared',
    (source) =>
      withRepository(
        deps,
        opts,
        'shared',
        (dest) =>
          runCopy(
            source.repo,
            dest.repo,
            AbortSignal.any([source.signal, dest.signal]),
            req,
            events,
            deps.clock,
          ),
        { preloadIndex: true },
      ),
    { readOnly: true, preloadIndex: true },
  );
}

async function runCopy(
  src: Repository,
  dst: Repository,
  signal: AbortSignal,
  req: CopyRequest,
  events: CopyEvents,
  clock: Clock,
): Promise<CopyOutcome> {
  const started = clock.now();
  const filter = compactFilter(req.filter ?? {});
  const selected = await selectSnapshots(src, req.snapshots ?? [], filter);
  const existing = new CopiedSnapshots(filterSnapshots(await listSnapshots(dst), filter));
  const outcome: CopyOutcome = { copied: [], skipped: [], ...zeroCounters() };
  let done = 0;
  const status = (): void =>
    events.onStatus?.({
      ...copier.counters,
      secondsElapsed: (clock.now() - started) / 1000,
      snapshotsDone: done,
      snapshotsTotal: selected.length,
    });
  const copier = new BlobCopier(src, dst, {
    signal,
    onProgress: status,
    ...(req.flushEveryBytes === undefined ? {} : { flushEveryBytes: req.flushEveryBytes }),
  });
  for (const snap of selected) {
    throwIfAborted(signal);
    const found = existing.find(snap);
    if (found !== undefined) {
      outcome.skipped.push({ source: snap.id, existing: found.id });
      events.onSkipped?.(snap, found);
    } else {
      events.onStarted?.(snap);
      await copier.copyTree(snap.tree);
      // Packs, then index, then the snapshot file; an interrupt while the packs upload stops before the snapshot.
      await dst.flush();
      throwIfAborted(signal);
      const doc = copiedSnapshot(snap);
      const id = await saveSnapshot(dst, doc);
      existing.add({ ...doc, id });
      outcome.copied.push({ source: snap.id, id });
      events.onCopied?.(snap, id);
    }
    done++;
    status();
  }
  return { ...outcome, ...copier.counters };
}

/** The named snapshots (in the given order, each once), or all that pass the filter, oldest first. */
async function selectSnapshots(
  repo: Repository,
  refs: string[],
  filter: SnapshotFilter,
): Promise<StoredSnapshot[]> {
  if (refs.length === 0) return filterSnapshots(await listSnapshots(repo), filter);
  const seen = new Set<Id>();
  const out: StoredSnapshot[] = [];
  for (const ref of refs) {
    const snap = await resolveSnapshot(repo, ref, filter);
    if (seen.has(snap.id)) continue;
    seen.add(snap.id);
    out.push(snap);
  }
  return out;
}

function zeroCounters(): CopyCounters {
  return { treeBlobs: 0, dataBlobs: 0, bytesAdded: 0, bytesCopied: 0, packsDone: 0, packsTotal: 0 };
}
