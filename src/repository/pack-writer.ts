import { createHash, type Hash } from 'node:crypto';
import type { Backend } from '../backend/index.js';
import type { BlobType, Id } from '../core/index.js';
import type { CryptoKey } from '../crypto/index.js';
import type { HeaderEntry } from './pack.js';
import { packTrailer } from './pack.js';
import type { PackBlob } from './types.js';
import { releaseNow } from '../util/index.js';

/** A pack that has been written to the backend. */
export interface WrittenPack {
  id: Id;
  type: BlobType;
  blobs: PackBlob[];
  /** The whole file (for the cache of tree packs). Valid only until `onWritten` settles: the buffer is reused. */
  bytes: Buffer;
}

interface OpenPack {
  type: BlobType;
  /** Sealed blobs back to back; a pooled buffer of `capacity(packSize)` bytes unless one blob needed more. */
  buf: Buffer;
  /** SHA-256 of the bytes so far, updated as blobs arrive (while they are still in cache): no second pass. */
  hash: Hash;
  entries: HeaderEntry[];
  size: number;
}

/** Room beyond packSize, so that most packs close at packSize or above without outgrowing their buffer. */
const SLACK = 1 << 20;
const TREE_PACK_START = 256 << 10;

export interface PackWriterOptions {
  backend: Backend;
  key: CryptoKey;
  /** Sealed blob bytes after which a pack is finished. */
  packSize: number;
  /** Packs uploading at once; callers wait for a free slot, which bounds memory. */
  maxUploads: number;
  /** Runs after a pack is durably written, inside its upload slot. */
  onWritten: (pack: WrittenPack) => Promise<void>;
}

/**
 * Collects sealed blobs into one open pack per blob type and uploads full packs, several at a time. A failed
 * upload is remembered and rethrown by the next `add`/`flush`: blobs it held are lost, so the session must stop.
 */
export class PackWriter {
  private readonly open = new Map<BlobType, OpenPack>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Finished packs waiting for an upload slot. */
  private readonly queued: OpenPack[] = [];
  private readonly waiters: (() => void)[] = [];
  /** Pack buffers of finished uploads, reused: fresh 16 MiB buffers cost page faults and GC pressure. */
  private readonly pool: Buffer[] = [];
  private failure: Error | undefined;

  constructor(private readonly opts: PackWriterOptions) {}

  /** Throws the error of a failed upload, if any. */
  check(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /**
   * Copies a sealed blob into the open pack of its type (synchronously), so the caller's buffer is free at once.
   * Waits first while finished packs wait for an upload slot: that bounds memory to the open packs, one finished
   * pack per type and `maxUploads` uploading, however many callers add at once.
   */
  async add(type: BlobType, id: Id, sealed: Uint8Array, uncompressedLength?: number): Promise<void> {
    this.check();
    while (this.queued.length > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      this.check();
    }
    let pack = this.open.get(type);
    if (pack && pack.size + sealed.length > pack.buf.length) this.grow(pack, pack.size + sealed.length);
    if (pack && pack.size > 0 && pack.size + sealed.length > pack.buf.length) {
      this.finish(pack);
      pack = undefined;
    }
    if (!pack) {
      pack = this.newPack(type, sealed.length);
      this.open.set(type, pack);
    }
    const entry: HeaderEntry = { type, id, length: sealed.length };
    if (uncompressedLength !== undefined) entry.uncompressedLength = uncompressedLength;
    pack.buf.set(sealed, pack.size);
    pack.hash.update(sealed);
    pack.entries.push(entry);
    pack.size += sealed.length;
    if (pack.size >= this.opts.packSize) this.finish(pack);
  }

  private newPack(type: BlobType, first: number): OpenPack {
    const capacity = this.opts.packSize + SLACK;
    let buf: Buffer;
    if (first > capacity) buf = Buffer.allocUnsafeSlow(first);
    else if (type === 'data') buf = this.pool.pop() ?? Buffer.allocUnsafeSlow(capacity);
    // Tree packs fill slowly with small blobs: they start small and grow, instead of holding a full buffer.
    else buf = Buffer.allocUnsafeSlow(Math.min(capacity, Math.max(first, TREE_PACK_START)));
    return { type, buf, hash: createHash('sha256'), entries: [], size: 0 };
  }

  /** Doubles a small pack buffer (up to the pooled capacity) so that `needed` bytes fit. */
  private grow(pack: OpenPack, needed: number): void {
    const capacity = this.opts.packSize + SLACK;
    if (pack.buf.length >= capacity) return;
    let size = pack.buf.length;
    while (size < needed) size *= 2;
    const buf = Buffer.allocUnsafeSlow(Math.min(capacity, size));
    pack.buf.copy(buf, 0, 0, pack.size);
    releaseNow(pack.buf.buffer);
    pack.buf = buf;
  }

  /** Number of blobs in open packs (not yet uploading). */
  get openBlobs(): number {
    let n = 0;
    for (const p of this.open.values()) n += p.entries.length;
    return n;
  }

  /** Finishes the open packs and waits for every upload. */
  async flush(): Promise<void> {
    this.check();
    for (const pack of [...this.open.values()]) this.finish(pack);
    // After a failure nothing queued is written (pump drops it), but uploads in flight are still waited for.
    while (this.queued.length > 0 || this.inFlight.size > 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    this.check();
  }

  /** Closes a pack and queues it for upload. */
  private finish(pack: OpenPack): void {
    this.open.delete(pack.type);
    this.queued.push(pack);
    this.pump();
  }

  /** Starts queued uploads while slots are free; wakes every waiter when something changed. */
  private pump(): void {
    // Nothing queued can be written after a failure: drop it so waiters see the error instead of waiting.
    if (this.failure !== undefined) this.queued.length = 0;
    while (this.queued.length > 0 && this.inFlight.size < this.opts.maxUploads && this.failure === undefined) {
      const pack = this.queued.shift()!;
      const upload = this.upload(pack)
        .catch((err: unknown) => {
          this.failure ??= err instanceof Error ? err : new Error(String(err));
        })
        .finally(() => {
          this.inFlight.delete(upload);
          this.pump();
        });
      this.inFlight.add(upload);
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async upload(pack: OpenPack): Promise<void> {
    const trailer = packTrailer(this.opts.key, pack.entries);
    let buf = pack.buf;
    if (pack.size + trailer.length > buf.length) {
      // Rare: the trailer does not fit behind the blobs; this buffer is not pooled.
      buf = Buffer.allocUnsafeSlow(pack.size + trailer.length);
      pack.buf.copy(buf, 0, 0, pack.size);
      this.recycle(pack.buf);
    }
    trailer.copy(buf, pack.size);
    const bytes = buf.subarray(0, pack.size + trailer.length);
    const id = pack.hash.update(trailer).digest('hex');
    await this.opts.backend.write({ type: 'data', name: id }, bytes);
    let offset = 0;
    const blobs = pack.entries.map((e) => {
      const b: PackBlob = { type: e.type, id: e.id, offset, length: e.length };
      if (e.uncompressedLength !== undefined) b.uncompressedLength = e.uncompressedLength;
      offset += e.length;
      return b;
    });
    await this.opts.onWritten({ id, type: pack.type, blobs, bytes });
    this.recycle(buf);
  }

  /** Keeps one spare full-size buffer; frees the rest at once (see releaseNow). */
  private recycle(buf: Buffer): void {
    if (buf.length === this.opts.packSize + SLACK && this.pool.length < 1) this.pool.push(buf);
    else releaseNow(buf.buffer);
  }
}
