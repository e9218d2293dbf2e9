import type { Transferable } from 'node:worker_threads';
import type { BlobCodec, PackBlob } from '../repository/index.js';
import { releaseNow, WorkerPool } from '../util/index.js';

/** Worker message: one segment of a pack's bytes and the blobs to open in it (offsets into the segment). */
export interface OpenRequest {
  buffer: ArrayBuffer;
  byteOffset: number;
  length: number;
  blobs: readonly PackBlob[];
}

/** Per blob of the request, why it cannot be opened (or undefined). */
export type OpenErrors = (string | undefined)[];

/**
 * Opens (decrypts, decompresses, verifies by hash) each blob of a pack segment, dropping the plaintexts.
 * Pure: runs in a worker or in this thread. A blob past the end of the bytes is the caller's to report.
 */
export function openSegmentBlobs(codec: BlobCodec, req: OpenRequest): OpenErrors {
  const bytes = Buffer.from(req.buffer, req.byteOffset, req.length);
  const errors = req.blobs.map((b): string | undefined => {
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
  // The segment is dead now too (when this thread owns all of its memory): free it rather than at the next collection.
  if (req.byteOffset === 0 && req.length === req.buffer.byteLength) releaseNow(req.buffer);
  return errors;
}

/** Opens the blobs of pack segments read by `check --read-data`, in worker threads or in this one. */
export interface PackVerifier {
  /** `bytes` may be transferred to another thread: the caller must not use it afterwards. */
  open(bytes: Buffer, blobs: readonly PackBlob[]): Promise<OpenErrors>;
  close(): Promise<void>;
}

/** Everything in this thread (workers: 0, and unit tests under vitest, which cannot load .ts workers). */
export class InlineVerifier implements PackVerifier {
  constructor(private readonly codec: BlobCodec) {}

  async open(bytes: Buffer, blobs: readonly PackBlob[]): Promise<OpenErrors> {
    // Yield so that reads and progress run between segments.
    await new Promise<void>((resolve) => setImmediate(resolve));
    return openSegmentBlobs(this.codec, { buffer: bytes.buffer as ArrayBuffer, byteOffset: bytes.byteOffset, length: bytes.length, blobs });
  }

  async close(): Promise<void> {}
}

/** A worker pool running verify-pack-worker.js; each segment's buffer moves to the worker that opens it. */
export class WorkerVerifier implements PackVerifier {
  private readonly pool: WorkerPool<OpenRequest, OpenErrors>;

  constructor(codec: BlobCodec, count: number, workerUrl: URL = new URL('./verify-pack-worker.js', import.meta.url)) {
    // The workers' own objects are few and small; a small young generation keeps their memory down.
    this.pool = new WorkerPool(workerUrl, count, codec.toWorkerData(), { maxYoungGenerationSizeMb: 4 });
  }

  open(bytes: Buffer, blobs: readonly PackBlob[]): Promise<OpenErrors> {
    // Only a buffer that owns its whole ArrayBuffer can be transferred; a pooled (small) one is copied first.
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const buffer = (own ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) as ArrayBuffer;
    const transfer: Transferable[] = [buffer];
    return this.pool.run({ buffer, byteOffset: 0, length: bytes.length, blobs }, transfer, bytes.length);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
