/**
 * Moving blobs between two repositories: walk a snapshot's trees in the source, then read the data blobs the
 * destination lacks pack by pack (contiguous ranges, not blob by blob) and save them into the destination.
 * Blob ids never change (nothing is re-chunked); each blob is decrypted with the source key and sealed with the
 * destination key by the destination's codec (which keeps a compressed payload when it would compress alike).
 */
import type { BlobType, Id } from '../core/index.js';
import { CairnError, isCairnError, throwIfAborted } from '../core/index.js';
import type { IndexEntry, PackRange, Repository, SaveResult, SealedBytes } from '../repository/index.js';
import { plainLength, splitRanges } from '../repository/index.js';
import { decodeTree } from '../snapshot/index.js';
import { forEachLimit } from '../util/index.js';

/** Gaps up to this size inside a pack are read and dropped rather than split into two reads. */
const MAX_GAP = 256 * 1024;
/** The longest single read from a source pack (a larger blob is read on its own). */
const MAX_RANGE = 8 * 1024 * 1024;
const TREE_LOADS = 8;
/** Destination packs and index are written after about this much new data, so an aborted copy keeps it. */
export const DEFAULT_FLUSH_BYTES = 256 * 1024 * 1024;

export interface CopyCounters {
  treeBlobs: number;
  dataBlobs: number;
  /** Sealed bytes added to the destination. */
  bytesAdded: number;
  /** Plaintext bytes of the blobs added. */
  bytesCopied: number;
  packsDone: number;
  packsTotal: number;
}

interface Wanted {
  id: Id;
  entry: IndexEntry;
}

type Range = PackRange<Wanted>;

export interface BlobCopierOptions {
  signal: AbortSignal;
  onProgress?: () => void;
  flushEveryBytes?: number;
  /** Source reads in flight (default: the source backend's connections, 2 to 4). */
  readers?: number;
}

/** Copies the blobs of snapshot trees from `src` to `dst`; one instance per copy run (it remembers visited trees). */
export class BlobCopier {
  readonly counters: CopyCounters = {
    treeBlobs: 0,
    dataBlobs: 0,
    bytesAdded: 0,
    bytesCopied: 0,
    packsDone: 0,
    packsTotal: 0,
  };
  /** Trees whose whole content was handled by an earlier snapshot of this run (restic's visitedTrees). */
  private readonly visited = new Set<Id>();
  private sinceFlush = 0;

  constructor(
    private readonly src: Repository,
    private readonly dst: Repository,
    private readonly o: BlobCopierOptions,
  ) {}

  /** Copies every tree and data blob below `root` that the destination does not have yet. */
  async copyTree(root: Id): Promise<void> {
    const wanted = await this.walk(root);
    const ranges: Range[] = [];
    for (const [packId, blobs] of wanted) ranges.push(...splitRanges(packId, blobs, { maxGap: MAX_GAP, maxRange: MAX_RANGE }));
    this.counters.packsTotal += wanted.size;
    await this.copyRanges(ranges);
  }

  /**
   * Loads every tree below `root` from the source (also those the destination has: an interrupted copy may have
   * stored a tree without everything below it), saves the missing trees and collects missing data blobs by pack.
   */
  private async walk(root: Id): Promise<Map<Id, Wanted[]>> {
    const byPack = new Map<Id, Wanted[]>();
    const wantedIds = new Set<Id>();
    let level = this.visited.has(root) ? [] : [root];
    this.visited.add(root);
    while (level.length > 0) {
      const next: Id[] = [];
      await forEachLimit(level, TREE_LOADS, async (treeId) => {
        throwIfAborted(this.o.signal);
        const raw = await this.src.loadBlob('tree', treeId);
        // The stored bytes are copied as they are, so the tree id stays valid whatever the encoder does.
        if (!this.dst.has('tree', treeId))
          this.count('tree', raw.length, await this.dst.saveBlob('tree', raw, treeId));
        for (const node of decodeTree(raw).nodes) {
          if (node.subtree !== undefined && !this.visited.has(node.subtree)) {
            this.visited.add(node.subtree);
            next.push(node.subtree);
          }
          for (const id of node.content ?? []) {
            if (wantedIds.has(id) || this.dst.has('data', id)) continue;
            const entry = this.src.lookup('data', id);
            if (entry === undefined) {
              throw new CairnError(
                'not-found',
                `The data blob ${id} is not in the source repository's index; run \`cairn check\` on it.`,
              );
            }
            wantedIds.add(id);
            const list = byPack.get(entry.packId);
            if (list === undefined) byPack.set(entry.packId, [{ id, entry }]);
            else list.push({ id, entry });
          }
        }
      });
      level = next;
    }
    return byPack;
  }

  /** Copies the ranges, a few reads at a time, flushing the destination every `flushEveryBytes`. */
  private async copyRanges(ranges: Range[]): Promise<void> {
    const readers = this.o.readers ?? Math.max(2, Math.min(this.src.connections ?? 2, 4));
    const limit = this.o.flushEveryBytes ?? DEFAULT_FLUSH_BYTES;
    let start = 0;
    while (start < ranges.length) {
      // A batch ends where the flush budget does, so workers never add blobs while the destination flushes.
      let end = start;
      let bytes = this.sinceFlush;
      while (end < ranges.length && (end === start || bytes < limit)) bytes += ranges[end++]!.length;
      await forEachLimit(ranges.slice(start, end), readers, (r) => this.copyRange(r));
      start = end;
      if (this.sinceFlush >= limit) {
        await this.dst.flush();
        this.sinceFlush = 0;
      }
    }
  }

  private async copyRange(r: Range): Promise<void> {
    throwIfAborted(this.o.signal);
    const bytes = await this.src.readPackRange(r.packId, r.offset, r.length);
    for (const { id, entry } of r.blobs) {
      throwIfAborted(this.o.signal);
      const at = entry.offset - r.offset;
      const sealed = bytes.subarray(at, at + entry.length);
      this.count(
        'data',
        plainLength(entry),
        await this.transfer('data', id, sealed, entry),
      );
    }
    if (r.endsPack) this.counters.packsDone++;
    this.o.onProgress?.();
  }

  /** Re-seals one blob for the destination; a damaged copy is replaced by the source's own careful load. */
  private async transfer(type: BlobType, id: Id, sealed: Uint8Array, e: IndexEntry): Promise<SaveResult> {
    let blob: SealedBytes;
    try {
      blob = this.dst.codec.reseal(this.src.codec, type, sealed, id, e.uncompressedLength);
    } catch (err) {
      if (!isCairnError(err, 'corrupt')) throw err;
      return this.dst.saveBlob(type, await this.src.loadBlob(type, id), id);
    }
    return this.dst.savePreparedBlob({ type, id, ...blob });
  }

  private count(type: BlobType, plainBytes: number, r: SaveResult): void {
    if (r.known) return;
    if (type === 'tree') this.counters.treeBlobs++;
    else this.counters.dataBlobs++;
    this.counters.bytesAdded += r.sizeInRepo;
    this.counters.bytesCopied += plainBytes;
    this.sinceFlush += r.sizeInRepo;
  }
}
