import { CairnError } from '../core/index.js';
import { SEAL_OVERHEAD } from '../crypto/index.js';
import { WorkerCrashError, WorkerPool } from '../util/index.js';
import { BufferPool } from './buffer-pool.js';
import { sealBlob, type SealedBlob, type SealParams, type SealRequest, type SealResponse } from './seal-blob.js';
import type { ListedFile } from './same-file.js';
import type { ReadFileResult, ReadFilesRequest, ReadFilesResponse } from './small-files.js';
import { chunkRequest, type ChunkRequest, type ChunkResponse } from './chunk-job.js';

/** A chunking job as the reader states it (see ChunkRequest). */
export type ChunkJob = Omit<ChunkRequest, 'kind' | 'job'>;
export interface ChunkResult {
  ends: number[];
  ids: string[];
}

/** A small file read, hashed and sealed by a worker. */
export type SmallFileResult = ReadFileResult & { sealed?: Uint8Array; release?: () => void };

/** Compress + seal service. `data` must own its ArrayBuffer (it is transferred to a worker and unusable afterwards). */
export interface Sealer {
  /** Chunk buffers: take one for `seal`; sealed results come with a `release` that returns their buffer. */
  readonly pool: BufferPool;
  seal(data: Uint8Array): Promise<SealedBlob>;
  /** Cuts and hashes an arena's bytes (shared with a worker: leave them alone until this settles). */
  chunk(job: ChunkJob): Promise<ChunkResult>;
  /** Present when workers can read small files themselves (read + hash + seal in one go). */
  readSmallFile?(path: string, listed: ListedFile, limit: number): Promise<SmallFileResult>;
  close(): Promise<void>;
}

/** Everything in this thread (workers: 0, and unit tests under vitest, which cannot load .ts workers). */
export class InlineSealer implements Sealer {
  readonly pool = new BufferPool(POOL_BYTES);

  constructor(private readonly params: SealParams) {}

  async seal(data: Uint8Array): Promise<SealedBlob> {
    // Yield first so that a long run of small blobs does not starve I/O callbacks.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const sealed = sealBlob(this.params, data);
    this.pool.give(data.buffer as ArrayBuffer);
    return sealed;
  }

  async chunk(job: ChunkJob): Promise<ChunkResult> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return chunkResult(chunkRequest({ kind: 'chunk', job: 0, ...job }));
  }

  async close(): Promise<void> {}
}

interface Waiter {
  resolve: (b: SealedBlob) => void;
  reject: (e: unknown) => void;
}

const BATCH_BYTES = 1 << 20;
const BATCH_COUNT = 128;
const FILE_BATCH_COUNT = 64;
/** Blobs at least this large are sent on their own (no copy). */
const ALONE_BYTES = 256 << 10;
/** Spare chunk buffers kept for reuse (chunks in flight are bounded by the chunk budget, not by this). */
const POOL_BYTES = 8 << 20;
const WORKER_YOUNG_MB = 4;

/** A release callback for `count` views of one buffer: the buffer goes back to the pool after the last one. */
function sharedRelease(pool: BufferPool, buffer: ArrayBuffer, count: number): () => void {
  let left = count;
  return () => {
    if (--left === 0) pool.give(buffer);
  };
}

type WorkerResponse = SealResponse & Partial<ReadFilesResponse> & Partial<ChunkResponse>;
type WorkerRequest = SealRequest | ReadFilesRequest | ChunkRequest;

function chunkResult(res: WorkerResponse): ChunkResult {
  if (res.error !== undefined || !res.ends || !res.ids) {
    throw new CairnError('fatal', `A worker failed to chunk data: ${res.error ?? 'no result'}.`);
  }
  return { ends: res.ends, ids: res.ids };
}

/**
 * A pool of worker threads. Small blobs are batched into one message (up to 1 MiB or 128 blobs) so tiny files do not
 * pay a round trip each; buffers are transferred, never copied. Each job goes to the worker with the fewest bytes in
 * flight. A worker that dies fails its own jobs (the backup ends with an error) and is replaced.
 */
export class WorkerSealer implements Sealer {
  readonly pool = new BufferPool(POOL_BYTES);
  /** Started by the first job: a backup of unchanged files never needs them (each costs ~0.25 s of CPU and ~35 MiB). */
  private workers: WorkerPool<WorkerRequest, WorkerResponse> | undefined;
  private files: { path: string; listed: ListedFile; resolve: (r: SmallFileResult) => void; reject: (e: unknown) => void }[] = [];
  private filesBytes = 0;
  private filesScheduled = false;
  private batch: { data: Uint8Array; waiter: Waiter }[] = [];
  private batchBytes = 0;
  private flushScheduled = false;
  private nextJob = 0;

  constructor(
    private readonly params: SealParams,
    private readonly count: number,
    private readonly workerUrl: URL = new URL('./worker.js', import.meta.url),
  ) {}

  private started(): WorkerPool<WorkerRequest, WorkerResponse> {
    // A small young generation: workers allocate few JS objects, so without it V8 rarely collects and the
    // garbage buffers of zstd pile up (tens of MiB per worker).
    this.workers ??= new WorkerPool(this.workerUrl, this.count, this.params.toWorkerData(), { maxYoungGenerationSizeMb: WORKER_YOUNG_MB });
    return this.workers;
  }

  seal(data: Uint8Array): Promise<SealedBlob> {
    return new Promise((resolve, reject) => {
      if (data.length >= ALONE_BYTES) {
        this.dispatch([{ data, waiter: { resolve, reject } }], data.length);
        return;
      }
      this.batch.push({ data, waiter: { resolve, reject } });
      this.batchBytes += data.length;
      if (this.batchBytes >= BATCH_BYTES || this.batch.length >= BATCH_COUNT) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0) return;
    const items = this.batch;
    this.batch = [];
    const bytes = this.batchBytes;
    this.batchBytes = 0;
    this.dispatch(items, bytes);
  }

  /**
   * Sends one job. A single blob travels as its own transferred buffer; several small ones are copied into one
   * buffer first, because transferring many small ArrayBuffers costs more than copying them.
   */
  private dispatch(items: { data: Uint8Array; waiter: Waiter }[], bytes: number): void {
    const job = this.nextJob++;
    let req: SealRequest;
    if (items.length === 1) {
      // The worker seals into the chunk's own buffer when it fits and sends it back: no new buffer either way.
      const d = items[0]!.data;
      const buffer = d.buffer as ArrayBuffer;
      req = { job, blobs: [{ buffer, offset: d.byteOffset, length: d.length }], into: buffer };
    } else {
      const batch = this.pool.take(bytes + items.length * SEAL_OVERHEAD);
      const buffer = batch.buffer as ArrayBuffer;
      let pos = 0;
      req = { job, blobs: [], into: buffer };
      for (const i of items) {
        batch.set(i.data, pos);
        req.blobs.push({ buffer, offset: pos, length: i.data.length });
        pos += i.data.length;
        this.pool.give(i.data.buffer as ArrayBuffer);
      }
    }
    const waiters = items.map((i) => i.waiter);
    this.post(bytes, req, [req.blobs[0]!.buffer], {
      onResult: (res) => {
        const out = res.out;
        if (res.error !== undefined || !out || !res.parts) {
          const err = new CairnError('fatal', `A worker failed to seal blobs: ${res.error ?? 'no result'}.`);
          for (const w of waiters) w.reject(err);
          return;
        }
        const release = sharedRelease(this.pool, out, res.parts.length);
        res.parts.forEach((p, i) => {
          const blob: SealedBlob = { sealed: new Uint8Array(out, p.offset, p.length), release };
          if (p.uncompressedLength !== undefined) blob.uncompressedLength = p.uncompressedLength;
          waiters[i]!.resolve(blob);
        });
      },
      onError: (err) => waiters.forEach((w) => w.reject(err)),
    });
  }

  chunk(job: ChunkJob): Promise<ChunkResult> {
    const req: ChunkRequest = { kind: 'chunk', job: this.nextJob++, ...job };
    return new Promise<WorkerResponse>((resolve, reject) => {
      this.post(job.length, req, [], { onResult: resolve, onError: (err) => reject(err instanceof Error ? err : new Error(String(err))) });
    }).then(chunkResult);
  }

  /** Batches small files (up to 64 or ~1 MiB) into one worker job. */
  readSmallFile(path: string, listed: ListedFile, limit: number): Promise<SmallFileResult> {
    return new Promise((resolve, reject) => {
      this.files.push({ path, listed, resolve, reject });
      this.filesBytes += listed.size;
      if (this.filesBytes >= BATCH_BYTES || this.files.length >= FILE_BATCH_COUNT) this.flushFiles(limit);
      else if (!this.filesScheduled) {
        this.filesScheduled = true;
        setImmediate(() => this.flushFiles(limit));
      }
    });
  }

  private flushFiles(limit: number): void {
    this.filesScheduled = false;
    if (this.files.length === 0) return;
    const files = this.files;
    const bytes = this.filesBytes;
    this.files = [];
    this.filesBytes = 0;
    const job = this.nextJob++;
    const into = this.pool.take(bytes + files.length * SEAL_OVERHEAD).buffer as ArrayBuffer;
    const req: ReadFilesRequest = { kind: 'read', job, files: files.map((f) => ({ ...f.listed, path: f.path })), limit, into };
    this.post(bytes, req, [into], {
      onResult: (res) => {
        const out = res.out;
        if (res.error !== undefined || !out || !res.results) {
          const err = new CairnError('fatal', `A worker failed to read files: ${res.error ?? 'no result'}.`);
          for (const f of files) f.reject(err);
          return;
        }
        const release = sharedRelease(this.pool, out, res.results.filter((r) => r.status === 'ok').length);
        res.results.forEach((r, i) => {
          const withData: SmallFileResult = r.status === 'ok' ? { ...r, sealed: new Uint8Array(out, r.offset, r.length), release } : r;
          files[i]!.resolve(withData);
        });
      },
      onError: (err) => files.forEach((f) => f.reject(err)),
    });
  }

  private post(
    bytes: number,
    req: WorkerRequest,
    transfer: ArrayBuffer[],
    handlers: { onResult: (res: WorkerResponse) => void; onError: (e: unknown) => void },
  ): void {
    this.started().run(req, transfer, bytes).then(handlers.onResult, (err: unknown) => {
      // A job that threw in the worker is answered as an error; a worker that died fails its jobs.
      if (err instanceof WorkerCrashError) handlers.onError(new CairnError('fatal', 'A compression worker crashed.', { cause: err }));
      else handlers.onResult({ job: req.job, error: err instanceof Error ? err.message : String(err) });
    });
  }

  async close(): Promise<void> {
    await this.workers?.close();
  }
}
