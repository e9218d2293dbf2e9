/**
 * Prune's plan, as restic 0.14 makes it (cmd_prune.go): which packs to delete, which to repack and which blobs to
 * keep. Pure: it sees the index, the set of blobs the snapshots use and the listing of `data/`, and does no I/O.
 */
import type { BlobType, Id } from '../core/index.js';
import { CairnError } from '../core/index.js';
import type { IndexEntry } from '../repository/index.js';

/** How much unused data may stay: restic's `--max-unused` (5% by default). */
export type MaxUnused = { kind: 'unlimited' } | { kind: 'percent'; value: number } | { kind: 'bytes'; value: number };

export interface PrunePlanOptions {
  maxUnused: MaxUnused;
  /** Stop choosing packs to repack before their size reaches this (default: no limit). */
  maxRepackBytes?: number;
  /** Repack only tree packs (data packs are not cached, so repacking them costs downloads). */
  repackCacheableOnly?: boolean;
  /** Repack packs below 80% of the pack size (else only below 4%), when there are at least ten. */
  repackSmall?: boolean;
  packSize: number;
  repoVersion: 1 | 2;
}

/** Blob ids by type. */
export type BlobIds = Record<BlobType, Set<Id>>;

export interface PrunePlanInput {
  /** Every indexed blob location; called several times (restic walks the index three times, all in memory). */
  entries: () => Iterable<[Id, IndexEntry]>;
  /** The blobs the snapshots use; emptied by the planner. */
  used: BlobIds;
  /** The listing of `data/`: pack id and file size. */
  packFiles: Iterable<{ name: Id; size: number }>;
}

export interface PruneStats {
  blobs: { used: number; duplicate: number; unused: number; remove: number; repack: number; repackrm: number };
  size: {
    used: number;
    duplicate: number;
    unused: number;
    remove: number;
    repack: number;
    repackrm: number;
    unref: number;
  };
  packs: { used: number; unused: number; partlyUsed: number; unref: number; keep: number; repack: number; remove: number };
}

export interface PrunePlan {
  /** Pack files no index names: nothing can refer to them. */
  removeUnreferenced: Set<Id>;
  /** Packs whose still-used blobs go into new packs, after which they are deleted. */
  repack: Set<Id>;
  /** Packs holding no used blob. */
  remove: Set<Id>;
  /** Indexed packs that are missing but hold no used blob: the rewritten index leaves them out. */
  ignore: Set<Id>;
  /** The used blobs that live only in repacked packs: each is saved once into a new pack. */
  keepBlobs: BlobIds;
  stats: PruneStats;
}

interface PackInfo {
  usedBlobs: number;
  unusedBlobs: number;
  usedSize: number;
  unusedSize: number;
  /** undefined until the first blob; 'mixed' for a pack with both types. */
  type: BlobType | 'mixed' | undefined;
  uncompressed: boolean;
}

const PLAIN_ENTRY = 37;
const COMPRESSED_ENTRY = 41;
/** IV and MAC of the sealed header, and its 4-byte length. */
const HEADER_FIXED = 32 + 4;

export function bytesToKeep(max: MaxUnused, used: number): number {
  if (max.kind === 'unlimited') return Infinity;
  if (max.kind === 'bytes') return max.value;
  return Math.floor((max.value / (100 - max.value)) * used);
}

function emptyStats(): PruneStats {
  return {
    blobs: { used: 0, duplicate: 0, unused: 0, remove: 0, repack: 0, repackrm: 0 },
    size: { used: 0, duplicate: 0, unused: 0, remove: 0, repack: 0, repackrm: 0, unref: 0 },
    packs: { used: 0, unused: 0, partlyUsed: 0, unref: 0, keep: 0, repack: 0, remove: 0 },
  };
}

/**
 * Classifies every blob (used, duplicate, unused) and every pack (used, partly used, unused), then picks packs to
 * repack, those with most unused space first, until at most `maxUnused` would remain. Throws 'corrupt', changing
 * nothing, when a used blob is not in the index, a needed pack is missing or a needed pack's size is not what the
 * index implies.
 */
export function planPrune(input: PrunePlanInput, opts: PrunePlanOptions): PrunePlan {
  const stats = emptyStats();
  const { keepBlobs, packs } = packInfoFromIndex(input, stats);
  const plan = decidePackActions(packs, input.packFiles, opts, stats);
  if (plan.repack.size > 0) {
    // A blob also stored in a pack that stays needs no new copy.
    for (const [id, e] of input.entries()) {
      if (plan.remove.has(e.packId) || plan.repack.has(e.packId)) continue;
      keepBlobs[e.type].delete(id);
    }
  } else {
    keepBlobs.data.clear();
    keepBlobs.tree.clear();
  }
  return { ...plan, keepBlobs, stats };
}

function packInfoFromIndex(input: PrunePlanInput, stats: PruneStats): { keepBlobs: BlobIds; packs: Map<Id, PackInfo> } {
  const { used } = input;
  const keepBlobs: BlobIds = { data: new Set(), tree: new Set() };
  const duplicates = new Map<string, number>();
  for (const [id, e] of input.entries()) {
    if (used[e.type].delete(id)) {
      keepBlobs[e.type].add(id);
      stats.size.used += e.length;
      stats.blobs.used++;
    } else if (keepBlobs[e.type].has(id)) {
      const key = `${e.type}:${id}`;
      duplicates.set(key, Math.min(255, (duplicates.get(key) ?? 1) + 1));
      stats.size.duplicate += e.length;
      stats.blobs.duplicate++;
    } else {
      stats.size.unused += e.length;
      stats.blobs.unused++;
    }
  }
  const missing = used.data.size + used.tree.size;
  if (missing > 0) {
    const example = [...used.tree, ...used.data][0]!;
    throw new CairnError(
      'corrupt',
      `${missing} blobs the snapshots use are not in the index (e.g. ${example}); prune stops before it loses more data: run \`cairn check\`.`,
    );
  }

  const packs = new Map<Id, PackInfo>();
  for (const [id, e] of input.entries()) {
    let p = packs.get(e.packId);
    if (p === undefined) {
      p = { usedBlobs: 0, unusedBlobs: 0, usedSize: HEADER_FIXED, unusedSize: 0, type: undefined, uncompressed: false };
      packs.set(e.packId, p);
    }
    const compressed = e.uncompressedLength !== undefined;
    p.usedSize += compressed ? COMPRESSED_ENTRY : PLAIN_ENTRY;
    if (p.type === undefined) p.type = e.type;
    else if (p.type !== e.type) p.type = 'mixed';
    if (!compressed) p.uncompressed = true;
    if (duplicates.has(`${e.type}:${id}`)) continue; // decided below
    if (keepBlobs[e.type].has(id)) {
      p.usedSize += e.length;
      p.usedBlobs++;
    } else {
      p.unusedSize += e.length;
      p.unusedBlobs++;
    }
  }
  // One copy of each duplicate counts as used: preferably one in a pack with other used blobs, else the last one.
  if (duplicates.size > 0) {
    for (const [id, e] of input.entries()) {
      const key = `${e.type}:${id}`;
      const count = duplicates.get(key);
      if (count === undefined) continue;
      const p = packs.get(e.packId)!;
      if (count !== 0 && (p.usedBlobs > 0 || count === 1)) {
        p.usedSize += e.length;
        p.usedBlobs++;
        duplicates.set(key, 0);
      } else {
        p.unusedSize += e.length;
        p.unusedBlobs++;
        if (count !== 0) duplicates.set(key, count - 1);
      }
    }
  }
  return { keepBlobs, packs };
}

interface Candidate extends PackInfo {
  id: Id;
  mustCompress: boolean;
}

function decidePackActions(
  packs: Map<Id, PackInfo>,
  packFiles: Iterable<{ name: Id; size: number }>,
  opts: PrunePlanOptions,
  stats: PruneStats,
): Omit<PrunePlan, 'keepBlobs' | 'stats'> {
  const removeUnreferenced = new Set<Id>();
  const remove = new Set<Id>();
  const repack = new Set<Id>();
  const ignore = new Set<Id>();
  const candidates: Candidate[] = [];
  const small: Candidate[] = [];
  // Only very small packs are repacked by default.
  const targetPackSize = opts.repackSmall === true ? Math.floor(opts.packSize / 5) * 4 : Math.floor(opts.packSize / 25);
  const pending = new Map(packs);

  for (const { name: id, size } of packFiles) {
    const p = pending.get(id);
    if (p === undefined) {
      removeUnreferenced.add(id);
      stats.size.unref += size;
      continue;
    }
    pending.delete(id);
    if (p.usedSize + p.unusedSize !== size && p.usedBlobs !== 0) {
      throw new CairnError(
        'corrupt',
        `Pack ${id} is ${size} bytes, but its index entries imply ${p.usedSize + p.unusedSize}; prune stops: run \`cairn check\`.`,
      );
    }
    if (p.usedBlobs === 0) stats.packs.unused++;
    else if (p.unusedBlobs === 0) stats.packs.used++;
    else stats.packs.partlyUsed++;
    // Repository v2 stores trees compressed: a pack of uncompressed trees is always rewritten.
    const mustCompress = opts.repoVersion >= 2 && p.type === 'tree' && p.uncompressed;
    if (p.usedBlobs === 0) {
      remove.add(id);
      stats.blobs.remove += p.unusedBlobs;
      stats.size.remove += p.unusedSize;
    } else if (opts.repackCacheableOnly === true && p.type === 'data') {
      stats.packs.keep++;
    } else if (p.unusedBlobs === 0 && p.type !== 'mixed' && !mustCompress) {
      if (size >= targetPackSize) stats.packs.keep++;
      else small.push({ ...p, id, mustCompress });
    } else {
      candidates.push({ ...p, id, mustCompress });
    }
  }

  // What is left was indexed but is not in data/: harmless if unused (the new index forgets it), fatal if used.
  const needed: Id[] = [];
  for (const [id, p] of pending) {
    if (p.usedBlobs > 0) {
      needed.push(id);
      continue;
    }
    ignore.add(id);
    stats.blobs.remove += p.unusedBlobs;
    stats.size.remove += p.unusedSize;
  }
  if (needed.length > 0) {
    throw new CairnError(
      'corrupt',
      `The index names ${needed.length} needed pack files that are missing from the repository (e.g. ${needed.sort()[0]}); prune stops: run \`cairn check\`.`,
    );
  }

  // Too few small packs are not worth the trouble (and one small pack would otherwise be repacked forever).
  if (small.length < 10) stats.packs.keep += small.length;
  else candidates.push(...small);

  const total = (p: PackInfo): number => p.usedSize + p.unusedSize;
  // Tree packs first, then small packs, then by the share of unused space.
  candidates.sort((a, b) => {
    if (a.type !== 'data' && b.type === 'data') return -1;
    if (b.type !== 'data' && a.type === 'data') return 1;
    const aSmall = total(a) < targetPackSize;
    const bSmall = total(b) < targetPackSize;
    if (aSmall !== bSmall) return aSmall ? -1 : 1;
    return b.unusedSize * a.usedSize - a.unusedSize * b.usedSize;
  });

  const maxUnusedAfter = bytesToKeep(opts.maxUnused, stats.size.used);
  const maxRepack = opts.maxRepackBytes ?? Infinity;
  for (const p of candidates) {
    const unusedAfter = stats.size.unused - stats.size.remove - stats.size.repackrm;
    if (stats.size.repack + total(p) >= maxRepack) {
      stats.packs.keep++;
    } else if (p.type !== 'data' || p.mustCompress || !(unusedAfter < maxUnusedAfter && total(p) >= targetPackSize)) {
      repack.add(p.id);
      stats.blobs.repack += p.unusedBlobs + p.usedBlobs;
      stats.size.repack += total(p);
      stats.blobs.repackrm += p.unusedBlobs;
      stats.size.repackrm += p.unusedSize;
    } else {
      stats.packs.keep++;
    }
  }
  stats.packs.unref = removeUnreferenced.size;
  stats.packs.repack = repack.size;
  stats.packs.remove = remove.size;
  return { removeUnreferenced, remove, repack, ignore };
}
