import { writeSync } from 'node:fs';
import type { Transferable } from 'node:worker_threads';
import { errnoCode, type Id } from '../core/index.js';
import type { BlobCodec } from '../repository/codec/index.js';
import { releaseNow, WorkerPool } from '../util/index.js';
import { WholeFileWriter, type WholeFile, type WholeOutcome } from './whole-files.js';

/** One sealed blob inside a buffer read from a pack; `offset` is relative to that buffer. */
export interface SealedSlice {
  id: Id;
  offset: number;
  length: number;
  uncompressedLength?: number;
}

/**
 * Where an opened blob's plaintext goes: slice `slice` is written at `position` to file descriptor `fd` (opened by
 * the main thread) or to the job's whole file number `file` (see whole-files.ts).
 */
export type PlaintextWrite = { slice: number; position: number } & ({ fd: number; file?: undefined } | { fd?: undefined; file: number });

/** What became of one pack read's blobs. */
export interface WriteOutcome {
  /** Per slice: why the blob could not be opened (none of its writes were made), or undefined. */
  openErrors: (string | undefined)[];
  /** Per write: the errno code and message of a failed write, or undefined when the plaintext was written. */
  writeErrors: ({ code: string; message: string } | undefined)[];
  /** Per whole file of the job. */
  files: WholeOutcome[];
}

/**
 * Decrypts, decompresses and verifies (by hash) the blobs of one pack read and writes each plaintext to the files
 * that need it, where the work runs: plaintexts never travel back to the main thread.
 */
export interface BlobOpener {
  /**
   * `raw` may be transferred to another thread: the caller must not use it afterwards. The descriptors must stay open
   * until the promise settles. `files` are created, written and finished by the job.
   */
  openAndWrite(raw: Buffer, job: WriteJob): Promise<WriteOutcome>;
  close(): Promise<void>;
}

/** The slices to open from one read, where their plaintexts go, and the files the job makes whole. */
export interface WriteJob {
  slices: readonly SealedSlice[];
  writes: readonly PlaintextWrite[];
  files: readonly WholeFile[];
}

/** Worker message: the read bytes and the job. */
export interface OpenRequest extends WriteJob {
  buffer: ArrayBuffer;
  byteOffset: number;
  /** Do not write plaintexts that are all zeros (the file is truncated to its length at the end: they are holes). */
  sparse: boolean;
  /** Whole files get their owner too (the restore runs as root). */
  isRoot: boolean;
}

const ZEROS = Buffer.alloc(64 * 1024);

/** Whether every byte of `data` is zero. */
export function isAllZero(data: Uint8Array): boolean {
  for (let at = 0; at < data.length; at += ZEROS.length) {
    const part = data.subarray(at, Math.min(data.length, at + ZEROS.length));
    if (Buffer.compare(part, ZEROS.subarray(0, part.length)) !== 0) return false;
  }
  return true;
}

/** Opens every slice of `req` and makes its writes (pure apart from the writes: runs in a worker or in this thread). */
export function openAndWriteSlices(codec: BlobCodec, req: OpenRequest): WriteOutcome {
  const raw = Buffer.from(req.buffer, req.byteOffset);
  const bySlice = new Map<number, number[]>();
  req.writes.forEach((w, i) => {
    const list = bySlice.get(w.slice);
    if (list === undefined) bySlice.set(w.slice, [i]);
    else list.push(i);
  });
  const writeErrors: WriteOutcome['writeErrors'] = req.writes.map(() => undefined);
  const whole = new WholeFileWriter(req.files, req.isRoot, req.sparse);
  const openErrors = req.slices.map((s, i): string | undefined => {
    let plain: Buffer;
    try {
      plain = codec.open(raw.subarray(s.offset, s.offset + s.length), s.id, s.uncompressedLength);
    } catch (err) {
      for (const w of bySlice.get(i) ?? []) {
        const write = req.writes[w]!;
        if (write.file !== undefined) whole.write(write.file, undefined, write.position, false);
      }
      return err instanceof Error ? err.message.replace(/\.$/, '') : String(err);
    }
    const skip = req.sparse && isAllZero(plain);
    for (const w of bySlice.get(i) ?? []) {
      const write = req.writes[w]!;
      if (write.file !== undefined) whole.write(write.file, plain, write.position, skip);
      else if (!skip) writeErrors[w] = writeAllAt(write.fd, write.position, plain);
    }
    // A plaintext with its own memory is dead now; free it before the next one rather than at the next collection.
    if (plain.byteOffset === 0 && plain.byteLength === plain.buffer.byteLength && plain.buffer !== req.buffer) releaseNow(plain.buffer);
    return undefined;
  });
  return { openErrors, writeErrors, files: whole.outcomes() };
}

function writeAllAt(fd: number, position: number, data: Buffer): { code: string; message: string } | undefined {
  try {
    let done = 0;
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, position + done);
    return undefined;
  } catch (err) {
    return { code: errnoCode(err) ?? 'EIO', message: err instanceof Error ? err.message : String(err) };
  }
}

/** Everything in this thread (workers: 0, and unit tests under vitest, which cannot load .ts workers). */
export class InlineOpener implements BlobOpener {
  constructor(
    private readonly codec: BlobCodec,
    private readonly sparse = false,
    private readonly isRoot = false,
  ) {}

  async openAndWrite(raw: Buffer, job: WriteJob): Promise<WriteOutcome> {
    // Yield so that I/O callbacks run between packs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const req = { ...job, buffer: raw.buffer as ArrayBuffer, byteOffset: raw.byteOffset, sparse: this.sparse, isRoot: this.isRoot };
    return openAndWriteSlices(this.codec, req);
  }

  async close(): Promise<void> {}
}

/** A worker pool running open-worker.js; the read buffer goes to the worker, which writes the plaintexts itself. */
export class WorkerOpener implements BlobOpener {
  private readonly pool: WorkerPool<OpenRequest, WriteOutcome>;

  constructor(
    codec: BlobCodec,
    count: number,
    private readonly sparse = false,
    private readonly isRoot = false,
    workerUrl: URL = new URL('./open-worker.js', import.meta.url),
  ) {
    // The workers' own objects are few and small; a small young generation keeps their memory down.
    this.pool = new WorkerPool(workerUrl, count, codec.toWorkerData(), { maxYoungGenerationSizeMb: 4 });
  }

  async openAndWrite(raw: Buffer, job: WriteJob): Promise<WriteOutcome> {
    // Only a buffer that owns its whole ArrayBuffer can be transferred; a pooled one is copied first, into an
    // ArrayBuffer of its own (Buffer.from would take a small copy from the pool again, which cannot be transferred).
    const own = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
    const buffer = (own ? raw.buffer : raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)) as ArrayBuffer;
    const transfer: Transferable[] = [buffer];
    return this.pool.run({ ...job, buffer, byteOffset: 0, sparse: this.sparse, isRoot: this.isRoot }, transfer);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
