import type { Backend } from '../backend/index.js';
import type { BlobType, Id } from '../core/index.js';
import { CairnError, hashId, isCairnError } from '../core/index.js';
import type { CryptoKey } from '../crypto/index.js';
import type { Clock } from '../util/index.js';
import type { Cache } from './cache.js';
import type { BlobCodec } from './codec/index.js';
import { encodeIndex } from './index-codec.js';
import { MasterIndex, toEntry } from './master-index.js';
import type { WrittenPack } from './pack-writer.js';
import { PackWriter } from './pack-writer.js';
import type { UnpackedStore } from './unpacked.js';
import type { IndexEntry, IndexPack, PackBlob, PreparedBlob, SaveResult } from './types.js';

/** restic writes an index file during backup when it is this old (and at 50,000 blobs). */
const INDEX_MAX_AGE_MS = 10 * 60 * 1000;

export interface BlobStoreOptions {
  backend: Backend;
  key: CryptoKey;
  codec: BlobCodec;
  packSize: number;
  maxUploads: number;
  indexFlushBlobs: number;
  clock: Clock;
  cache: Cache | undefined;
  unpacked: UnpackedStore;
}

/**
 * Blobs: the master index, saving into packs (dedup against the index and this session's queue), the index files
 * that follow written packs, and verified loading.
 */
export class BlobStore {
  index = new MasterIndex();
  /** `type:id` of blobs queued this session whose pack is not yet written. */
  private readonly pending = new Set<string>();
  private readonly writer: PackWriter;
  private unindexed: IndexPack[] = [];
  private unindexedBlobs = 0;
  private unindexedSince = 0;
  private indexChain: Promise<void> = Promise.resolve();
  /** Index files loaded or written this session, each with the packs it names. */
  readonly indexFiles = new Map<Id, readonly Id[]>();

  constructor(private readonly o: BlobStoreOptions) {
    this.writer = new PackWriter({
      backend: o.backend,
      key: o.key,
      packSize: o.packSize,
      maxUploads: o.maxUploads,
      onWritten: (pack) => this.packWritten(pack),
    });
  }

  isKnown(type: BlobType, id: Id): boolean {
    return this.pending.has(`${type}:${id}`) || this.index.has(type, id);
  }

  async saveBlob(type: BlobType, plaintext: Uint8Array, id?: Id): Promise<SaveResult> {
    this.writer.check();
    const blobId = id ?? hashId(plaintext);
    if (this.isKnown(type, blobId)) return { id: blobId, known: true, sizeInRepo: 0 };
    this.pending.add(`${type}:${blobId}`);
    const { sealed, uncompressedLength } = this.o.codec.seal(type, plaintext);
    await this.writer.add(type, blobId, sealed, uncompressedLength);
    return { id: blobId, known: false, sizeInRepo: sealed.length };
  }

  async savePrepared(blob: PreparedBlob): Promise<SaveResult> {
    this.writer.check();
    if (this.isKnown(blob.type, blob.id)) return { id: blob.id, known: true, sizeInRepo: 0 };
    this.pending.add(`${blob.type}:${blob.id}`);
    await this.writer.add(blob.type, blob.id, blob.sealed, blob.uncompressedLength);
    return { id: blob.id, known: false, sizeInRepo: blob.sealed.length };
  }

  /**
   * Queues a blob even though the index already has it (prune moves blobs out of packs it will delete); the
   * caller saves each blob once.
   */
  async saveCopy(blob: PreparedBlob): Promise<void> {
    this.writer.check();
    this.pending.add(`${blob.type}:${blob.id}`);
    await this.writer.add(blob.type, blob.id, blob.sealed, blob.uncompressedLength);
  }

  /**
   * Writes index files naming every indexed pack except `drop` (after a flush, so nothing is unindexed), at most
   * `maxBlobs` blobs each, the first superseding every index file known so far. Returns those, now obsolete: the
   * caller deletes them only after this resolved, so a crash in between leaves both, which is harmless.
   */
  async rewriteIndex(drop: ReadonlySet<Id>, maxBlobs: number, onWritten: (id: Id) => void): Promise<Id[]> {
    await this.indexChain;
    if (this.unindexed.length > 0) throw new CairnError('fatal', 'The index is rewritten only after a flush.');
    const obsolete = [...this.indexFiles.keys()];
    const byPack = this.index.byPack(drop);
    const written = new Map<Id, Id[]>();
    let batch: IndexPack[] = [];
    let blobs = 0;
    const write = async (): Promise<void> => {
      const supersedes = written.size === 0 ? obsolete : [];
      const id = await this.o.unpacked.save('index', encodeIndex({ supersedes, packs: batch }));
      written.set(id, batch.map((p) => p.id));
      onWritten(id);
      batch = [];
      blobs = 0;
    };
    for (const [id, list] of byPack) {
      list.sort((a, b) => a.offset - b.offset);
      batch.push({ id, blobs: list });
      blobs += list.length;
      if (blobs >= maxBlobs) await write();
    }
    if (batch.length > 0) await write();
    this.indexFiles.clear();
    for (const [id, packs] of written) this.indexFiles.set(id, packs);
    if (drop.size > 0) this.index = this.index.without(new Set(drop));
    return obsolete.filter((id) => !written.has(id));
  }

  /** See `Repository.reindexPacks`. */
  reindexPacks(forget: ReadonlySet<Id>, headers: ReadonlyMap<Id, readonly PackBlob[]>): void {
    this.index = this.index.without(new Set([...forget, ...headers.keys()]));
    for (const [packId, blobs] of headers) {
      for (const b of blobs) this.index.add(b.id, toEntry(packId, b));
    }
  }

  /** Writes open packs, then an index file naming every pack not yet indexed. */
  async flush(): Promise<void> {
    await this.writer.flush();
    await this.scheduleIndexWrite();
  }

  /** Whether blobs are queued that flush() would still write. */
  get dirty(): boolean {
    return this.pending.size > 0 || this.unindexed.length > 0;
  }

  private async packWritten(pack: WrittenPack): Promise<void> {
    for (const b of pack.blobs) {
      this.index.add(b.id, toEntry(pack.id, b));
      this.pending.delete(`${b.type}:${b.id}`);
    }
    if (this.o.cache && pack.type === 'tree') await this.o.cache.put('data', pack.id, pack.bytes);
    if (this.unindexed.length === 0) this.unindexedSince = this.o.clock.now();
    this.unindexed.push({ id: pack.id, blobs: pack.blobs });
    this.unindexedBlobs += pack.blobs.length;
    const old = this.o.clock.now() - this.unindexedSince >= INDEX_MAX_AGE_MS;
    if (this.unindexedBlobs >= this.o.indexFlushBlobs || old) await this.scheduleIndexWrite();
  }

  /** Index writes run one after another; each takes every pack written so far (all durably stored). */
  private scheduleIndexWrite(): Promise<void> {
    const run = this.indexChain.then(async () => {
      if (this.unindexed.length === 0) return;
      const packs = this.unindexed;
      this.unindexed = [];
      this.unindexedBlobs = 0;
      const id = await this.o.unpacked.save('index', encodeIndex({ supersedes: [], packs }));
      this.indexFiles.set(id, packs.map((p) => p.id));
    });
    this.indexChain = run.catch(() => undefined);
    return run;
  }

  /**
   * Drops index files that are gone from the repository, with the blobs of packs that no remaining index file
   * names: another process (a prune) removed them, and a blob counted as stored there would be referenced but lost.
   */
  forgetIndexFiles(gone: readonly Id[]): void {
    if (gone.length === 0) return;
    const dropped = new Set<Id>();
    for (const id of gone) {
      for (const pack of this.indexFiles.get(id) ?? []) dropped.add(pack);
      this.indexFiles.delete(id);
    }
    for (const packs of this.indexFiles.values()) for (const pack of packs) dropped.delete(pack);
    for (const p of this.unindexed) dropped.delete(p.id);
    if (dropped.size > 0) this.index = this.index.without(dropped);
  }

  async loadBlob(type: BlobType, id: Id): Promise<Buffer> {
    const copies = this.index.lookupAll(type, id);
    if (copies.length === 0) throw new CairnError('not-found', `The ${type} blob ${id} is not in the index.`);
    const errors: unknown[] = [];
    for (const entry of copies) {
      try {
        return await this.loadCopy(type, id, entry);
      } catch (err) {
        errors.push(err);
      }
    }
    // A damaged copy says more than a missing pack.
    throw errors.find((e) => isCairnError(e, 'corrupt')) ?? errors[0];
  }

  /** One copy of a blob, at the place `e` says (trees through the cache); 'corrupt' when its bytes are wrong. */
  async loadCopy(type: BlobType, id: Id, e: IndexEntry): Promise<Buffer> {
    const raw = await this.readRange(type, e);
    try {
      return this.o.codec.open(raw, id, e.uncompressedLength);
    } catch {
      if (this.o.cache && type === 'tree') await this.o.cache.remove('data', e.packId);
    }
    // The bytes may have been damaged on the way or in the cache: one fresh read from the repository decides.
    const again = await this.readPackRange(e.packId, e.offset, e.length);
    try {
      return this.o.codec.open(again, id, e.uncompressedLength);
    } catch (err) {
      const why = isCairnError(err) ? err.message.replace(/\.$/, '') : String(err);
      throw new CairnError('corrupt', `The ${type} blob ${id} in pack ${e.packId} is damaged: ${why}.`, {
        cause: err,
      });
    }
  }

  /** The sealed bytes of one blob; tree packs are fetched whole into the cache, as restic does. */
  private async readRange(type: BlobType, e: IndexEntry): Promise<Buffer> {
    const cache = this.o.cache;
    if (cache && type === 'tree') {
      const hit = await cache.readRange(e.packId, e.offset, e.length);
      if (hit) return hit;
      const whole = await this.o.backend.read({ type: 'data', name: e.packId });
      if (hashId(whole) === e.packId && e.offset + e.length <= whole.length) {
        await cache.put('data', e.packId, whole);
        return whole.subarray(e.offset, e.offset + e.length);
      }
    }
    return this.readPackRange(e.packId, e.offset, e.length);
  }

  /** `length` bytes of a pack from `offset`, in one backend read; 'not-found' names a missing pack. */
  async readPackRange(packId: Id, offset: number, length: number): Promise<Buffer> {
    try {
      return await this.o.backend.read({ type: 'data', name: packId }, offset, length);
    } catch (err) {
      if (isCairnError(err, 'not-found')) {
        throw new CairnError('not-found', `Pack ${packId} is missing from the repository.`, { cause: err });
      }
      throw err;
    }
  }
}
