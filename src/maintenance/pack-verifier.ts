import type { Transferable } from 'node:worker_threads';
import type { Id } from '../core/index.js';
import { hashId } from '../core/index.js';
import type { BlobCodec, PackBlob } from '../repository/index.js';
import { releaseNow, WorkerPool } from '../util/index.js';

/** Worker message: a whole pack file's bytes, its name and the blobs to open in it (offsets into the pack). */
export interface VerifyRequest {
  buffer: ArrayBuffer;
  byteOffset: number;
  length: number;
  packId: Id;
  blobs: readonly PackBlob[];
}

/** What the bytes say: whether they hash to the pack's name, and per blob why it cannot be opened (or undefined). */
export interface VerifyOutcome {
  nameMatches: boolean;
  openErrors: (string | undefined)[];
}

/**
 * Hashes a pack and opens (decrypts, decompresses, verifies by hash) each of its blobs, dropping the plaintexts.
 * Pure: runs in a worker or in this thread. A blob past the end of the bytes is the caller's to report.
 */
export function verifyPackBlobs(codec: BlobCodec, req: VerifyRequest): VerifyOutcome {
  const bytes = Buffer.from(req.buffer, req.byteOffset, req.length);
  const nameMatches = hashId(bytes) === req.packId;
  const openErrors = req.blobs.map((b): string | undefined => {
    if (b.offset + b.length > bytes.length) return undefined;
    try {
      const plain = codec.open(bytes.subarray(b.offset, b.offset + b.length), b.id, b.uncompressedLength);
      // A plaintext with its own memory is dead now: free it before the next one rather than at the next collection.
      if (plain.byteOffset === 0 && plain.byteLength === plain.buffer.byteLength && plain.buffer !== req.buffer) releaseNow(plain.buffer);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  });
  // The pack is dead now too (when this thread owns all of its memory): free it rather than at the next collection.
  if (req.byteOffset === 0 && req.length === req.buffer.byteLength) releaseNow(req.buffer);
  return { nameMatches, openErrors };
}

/** Verifies whole packs read by `check --read-data`, in worker threads or in this one. */
export interface PackVerifier {
  /** `bytes` may be transferred to another thread: the caller must not use it afterwards. */
  verify(packId: Id, bytes: Buffer, blobs: readonly PackBlob[]): Promise<VerifyOutcome>;
  close(): Promise<void>;
}

/** Everything in this thread (workers: 0, and unit tests under vitest, which cannot load .ts workers). */
export class InlineVerifier implements PackVerifier {
  constructor(private readonly codec: BlobCodec) {}

  async verify(packId: Id, bytes: Buffer, blobs: readonly PackBlob[]): Promise<VerifyOutcome> {
    // Yield so that reads and progress run between packs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const req = { buffer: bytes.buffer as ArrayBuffer, byteOffset: bytes.byteOffset, length: bytes.length, packId, blobs };
    return verifyPackBlobs(this.codec, req);
  }

  async close(): Promise<void> {}
}

/** A worker pool running verify-pack-worker.js; each pack's buffer moves to the worker that verifies it. */
export class WorkerVerifier implements PackVerifier {
  private readonly pool: WorkerPool<VerifyRequest, VerifyOutcome>;

  constructor(codec: BlobCodec, count: number, workerUrl: URL = new URL('./verify-pack-worker.js', import.meta.url)) {
    // The workers' own objects are few and small; a small young generation keeps their memory down.
    this.pool = new WorkerPool(workerUrl, count, codec.toWorkerData(), { maxYoungGenerationSizeMb: 4 });
  }

  verify(packId: Id, bytes: Buffer, blobs: readonly PackBlob[]): Promise<VerifyOutcome> {
    // Only a buffer that owns its whole ArrayBuffer can be transferred; a pooled (small) one is copied first.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const buffer = (own ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
    const transfer: Transferable[] = [buffer];
    return this.pool.run({ buffer, byteOffset: 0, length: bytes.length, packId, blobs }, transfer, bytes.length);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
