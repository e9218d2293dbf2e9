import type { Transferable } from 'node:worker_threads';
import type { Id } from '../core/index.js';
import type { CryptoKey } from '../crypto/index.js';
import { openBlob } from '../repository/index.js';
import { WorkerPool } from '../util/index.js';

/** One sealed blob inside a buffer read from a pack; `offset` is relative to that buffer. */
export interface SealedSlice {
  id: Id;
  offset: number;
  length: number;
  uncompressedLength?: number;
}

/** A verified plaintext, or why the blob could not be opened. */
export type Opened = { data: Buffer } | { error: string };

/** Decrypts, decompresses and verifies (by hash) the blobs of one pack read. */
export interface BlobOpener {
  /** `raw` may be transferred to another thread: the caller must not use it afterwards. */
  open(raw: Buffer, slices: readonly SealedSlice[]): Promise<Opened[]>;
  close(): Promise<void>;
}

/** Worker message: the read bytes and the slices to open. */
export interface OpenRequest {
  buffer: ArrayBuffer;
  byteOffset: number;
  slices: readonly SealedSlice[];
}

/** Worker answer: every plaintext packed into one transferred buffer. */
export interface OpenResponse {
  out: ArrayBuffer;
  /** Where each plaintext is: in `buffer` when given (a plaintext sent on its own), else in `out`. */
  parts: ({ buffer?: ArrayBuffer; offset: number; length: number } | { error: string })[];
}

/** Plaintexts this large are sent in their own buffer rather than copied into the shared one. */
const OWN_MIN = 64 * 1024;

/**
 * Opens every slice of `req` (pure: runs in a worker or in this thread). Plaintexts that own their memory travel back
 * as they are; the rest are copied together into one buffer.
 */
export function openSlices(key: CryptoKey, req: OpenRequest): OpenResponse {
  const raw = Buffer.from(req.buffer, req.byteOffset);
  const plains: (Buffer | string)[] = req.slices.map((s) => {
    try {
      return openBlob(key, raw.subarray(s.offset, s.offset + s.length), s.id, s.uncompressedLength);
    } catch (err) {
      return err instanceof Error ? err.message.replace(/\.$/, '') : String(err);
    }
  });
  const owned = new Set<ArrayBuffer>();
  const isOwned = (p: Buffer): boolean =>
    p.length >= OWN_MIN && p.byteOffset === 0 && p.byteLength === p.buffer.byteLength && p.buffer !== req.buffer;
  let total = 0;
  for (const p of plains) {
    if (typeof p === 'string') continue;
    if (isOwned(p) && !owned.has(p.buffer as ArrayBuffer)) owned.add(p.buffer as ArrayBuffer);
    else total += p.length;
  }
  const out = new ArrayBuffer(total);
  const view = Buffer.from(out);
  let pos = 0;
  const parts = plains.map((p): OpenResponse['parts'][number] => {
    if (typeof p === 'string') return { error: p };
    if (owned.delete(p.buffer as ArrayBuffer)) return { buffer: p.buffer as ArrayBuffer, offset: 0, length: p.length };
    view.set(p, pos);
    pos += p.length;
    return { offset: pos - p.length, length: p.length };
  });
  return { out, parts };
}

/** The ArrayBuffers a response hands over. */
export function responseTransfers(res: OpenResponse): ArrayBuffer[] {
  const list = [res.out];
  for (const p of res.parts) if ('buffer' in p && p.buffer !== undefined) list.push(p.buffer);
  return list;
}

function toOpened(res: OpenResponse): Opened[] {
  return res.parts.map((p) => ('error' in p ? p : { data: Buffer.from(p.buffer ?? res.out, p.offset, p.length) }));
}

/** Everything in this thread (workers: 0, and unit tests under vitest, which cannot load .ts workers). */
export class InlineOpener implements BlobOpener {
  constructor(private readonly key: CryptoKey) {}

  async open(raw: Buffer, slices: readonly SealedSlice[]): Promise<Opened[]> {
    // Yield so that I/O callbacks run between packs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const res = openSlices(this.key, { buffer: raw.buffer as ArrayBuffer, byteOffset: raw.byteOffset, slices });
    return toOpened(res);
  }

  async close(): Promise<void> {}
}

/** A worker pool running open-worker.js; the read buffer goes to the worker and the plaintexts come back, never copied. */
export class WorkerOpener implements BlobOpener {
  private readonly pool: WorkerPool<OpenRequest, OpenResponse>;

  constructor(key: CryptoKey, count: number, workerUrl: URL = new URL('./open-worker.js', import.meta.url)) {
    const keyBytes = Buffer.concat([key.encrypt, key.macK, key.macR]);
    // The workers' own objects are few and small; a small young generation keeps their memory down.
    this.pool = new WorkerPool(workerUrl, count, { keyBytes }, { maxYoungGenerationSizeMb: 4 });
  }

  async open(raw: Buffer, slices: readonly SealedSlice[]): Promise<Opened[]> {
    // Only a buffer that owns its whole ArrayBuffer can be transferred; a pooled one is copied first.
    const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : Buffer.from(raw);
    const buffer = own.buffer as ArrayBuffer;
    const transfer: Transferable[] = [buffer];
    return toOpened(await this.pool.run({ buffer, byteOffset: 0, slices }, transfer));
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
