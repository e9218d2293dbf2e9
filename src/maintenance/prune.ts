/**
 * `prune`: removes data no snapshot uses, in restic's crash-safe order. New packs (the still-used blobs of packs
 * being repacked) and an index naming them are written first; then index files naming every pack that stays
 * replace the old ones (new written before old deleted); only then are packs deleted. A kill at any moment leaves
 * an index that names every blob a snapshot uses, plus perhaps packs no index names, which the next run deletes.
 */
import type { Id } from '../core/index.js';
import { CairnError, isCairnError, throwIfAborted } from '../core/index.js';
import type { IndexEntry, PackRange, Repository } from '../repository/index.js';
import { splitRanges } from '../repository/index.js';
import { forEachLimit } from '../util/index.js';
import type { BlobIds, PrunePlan, PrunePlanOptions, PruneStats } from './prune-plan.js';
import { planPrune } from './prune-plan.js';
import { findUsedBlobs } from './used-blobs.js';

/** Gaps up to this size inside a pack are read and dropped rather than split into two reads. */
const MAX_GAP = 256 * 1024;
const MAX_RANGE = 8 * 1024 * 1024;

export type PruneSettings = Omit<PrunePlanOptions, 'packSize' | 'repoVersion'>;

export interface PruneOptions extends PruneSettings {
  dryRun?: boolean;
  signal: AbortSignal;
  /** Called as each step starts, with restic's wording ("loading all snapshots..."). */
  onStep?: (message: string) => void;
  /** Called with the plan before anything changes. */
  onPlan?: (plan: PruneResult) => void;
  /** Called after each durable change: a pack's blobs queued for repacking, an index file written or deleted, a pack deleted. */
  onOperation?: () => void;
}

export interface PruneResult {
  stats: PruneStats;
  dryRun: boolean;
  /** What the plan holds (and, unless a dry run, what was done). */
  packs: { unreferenced: Id[]; repack: Id[]; remove: Id[]; ignoredMissing: Id[] };
  indexFiles: { written: number; removed: number };
}

export async function prune(repo: Repository, opts: PruneOptions): Promise<PruneResult> {
  const step = opts.onStep ?? ((): void => undefined);
  const op = opts.onOperation ?? ((): void => undefined);
  step('loading all snapshots...');
  const used = await findUsedBlobs(repo, opts.signal, (n) => step(`finding data that is still in use for ${n} snapshots`));
  throwIfAborted(opts.signal);
  step('searching used packs...');
  const packFiles: { name: Id; size: number }[] = [];
  for await (const f of repo.list('data')) packFiles.push(f);
  step('collecting packs for deletion and repacking');
  const plan = planPrune(
    { entries: () => repo.indexEntries(), used, packFiles },
    { ...settingsOf(opts), packSize: repo.packSize, repoVersion: repo.config.version },
  );
  const result: PruneResult = {
    stats: plan.stats,
    dryRun: opts.dryRun === true,
    packs: {
      unreferenced: sorted(plan.removeUnreferenced),
      repack: sorted(plan.repack),
      remove: sorted(plan.remove),
      ignoredMissing: sorted(plan.ignore),
    },
    indexFiles: { written: 0, removed: 0 },
  };
  opts.onPlan?.(result);
  const drop = new Set([...plan.remove, ...plan.repack, ...plan.ignore]);
  if (opts.dryRun === true || (drop.size === 0 && plan.removeUnreferenced.size === 0)) return result;

  // Everything below ends in deletes: an append-only server is found out before anything changes.
  if (!(await repo.canDelete())) {
    throw new CairnError(
      'access-denied',
      `${repo.location} refuses to delete files (an append-only server?), and prune must delete them; nothing was changed.`,
    );
  }
  if (plan.repack.size > 0) {
    step('repacking packs');
    await repack(repo, plan, opts.signal, op);
  }
  throwIfAborted(opts.signal);
  if (drop.size > 0) {
    step('rebuilding index');
    result.indexFiles = await repo.rewriteIndex(drop, { onWritten: op, onRemoved: op });
  }
  const doomed = [...plan.removeUnreferenced, ...plan.remove, ...plan.repack];
  step(`removing ${doomed.length} old packs`);
  await repo.removeFiles('data', doomed, op);
  step('done');
  return result;
}

function settingsOf(o: PruneOptions): PruneSettings {
  const s: PruneSettings = { maxUnused: o.maxUnused };
  if (o.maxRepackBytes !== undefined) s.maxRepackBytes = o.maxRepackBytes;
  if (o.repackCacheableOnly !== undefined) s.repackCacheableOnly = o.repackCacheableOnly;
  if (o.repackSmall !== undefined) s.repackSmall = o.repackSmall;
  return s;
}

function sorted(ids: Iterable<Id>): Id[] {
  return [...ids].sort();
}

interface Kept {
  id: Id;
  entry: IndexEntry;
}

/**
 * Saves every blob of `plan.keepBlobs` once into new packs, reading the packs being repacked range by range, and
 * flushes. Fails, before anything is deleted, when a blob cannot be read from any copy.
 */
async function repack(repo: Repository, plan: PrunePlan, signal: AbortSignal, op: () => void): Promise<void> {
  const byPack = keptByPack(repo, plan.repack, plan.keepBlobs);
  const left = plan.keepBlobs.data.size + plan.keepBlobs.tree.size;
  if (left > 0) throw new CairnError('fatal', `Internal error: ${left} blobs to keep are in no pack being repacked; nothing was deleted.`);
  const readers = Math.max(2, Math.min(repo.connections ?? 2, 4));
  await forEachLimit(byPack, readers, async ([packId, blobs]) => {
    for (const range of splitRanges(packId, blobs, { maxGap: MAX_GAP, maxRange: MAX_RANGE })) {
      throwIfAborted(signal);
      await copyRange(repo, range);
    }
    op();
  });
  await repo.flush();
}

/** The location of each blob to keep in the packs being repacked, taken from `keep` (so each is saved once). */
function keptByPack(repo: Repository, repacked: ReadonlySet<Id>, keep: BlobIds): Map<Id, Kept[]> {
  const byPack = new Map<Id, Kept[]>();
  for (const [id, entry] of repo.indexEntries()) {
    if (!repacked.has(entry.packId) || !keep[entry.type].delete(id)) continue;
    const list = byPack.get(entry.packId);
    if (list === undefined) byPack.set(entry.packId, [{ id, entry }]);
    else list.push({ id, entry });
  }
  return byPack;
}

/** Re-seals each blob of one range into a new pack; a damaged copy is replaced by a careful load of any copy. */
async function copyRange(repo: Repository, r: PackRange<Kept>): Promise<void> {
  const bytes = await repo.readPackRange(r.packId, r.offset, r.length);
  for (const { id, entry } of r.blobs) {
    const at = entry.offset - r.offset;
    const sealed = bytes.subarray(at, at + entry.length);
    let blob;
    try {
      blob = repo.codec.reseal(repo.codec, entry.type, sealed, id, entry.uncompressedLength);
    } catch (err) {
      if (!isCairnError(err, 'corrupt')) throw err;
      blob = repo.codec.seal(entry.type, await repo.loadBlob(entry.type, id));
    }
    await repo.saveBlobCopy({ type: entry.type, id, ...blob });
  }
}
