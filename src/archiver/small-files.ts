import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { fsPathOf } from '../core/index.js';
import type { BlobCodec } from '../repository/codec/index.js';
import { NOATIME, OPEN_FLAGS, ReplacedError, openError, replacedBy, type ListedFile } from './same-file.js';
import { SealSink, sealedBound } from './seal-blob.js';

/**
 * Whole-file work for small files inside a worker: read (sync, the worker has nothing else to do), hash, compress
 * and seal, so the main thread pays neither the file system calls nor SHA-256 for them. A file that turns out to be
 * a chunk or more is sent back for the normal chunked path.
 */
export interface ReadFilesRequest {
  kind: 'read';
  job: number;
  files: (ListedFile & { path: string })[];
  /** Files at or above this size are not handled here. */
  limit: number;
  /** Seal into this buffer if everything fits. */
  into?: ArrayBuffer;
}

export type ReadFileResult =
  | { status: 'ok'; id: string; size: number; offset: number; length: number; uncompressedLength?: number }
  | { status: 'empty' }
  | { status: 'too-large' }
  /** Something else stands where the listed file was (see same-file.ts). */
  | { status: 'replaced'; now: string }
  | { status: 'error'; code: string; message: string };

export interface ReadFilesResponse {
  kind: 'read';
  job: number;
  results: ReadFileResult[];
  out: ArrayBuffer;
}

export function readFiles(codec: BlobCodec, req: ReadFilesRequest): ReadFilesResponse {
  const sink = new SealSink(codec, sealedBound(req.files.map((f) => (f.size < req.limit ? f.size : 0))), req.into);
  const results = req.files.map((f): ReadFileResult => {
    let data: Buffer;
    try {
      data = f.size >= req.limit ? tooLarge() : readSmall(f.path, f);
    } catch (err) {
      if (err === TOO_LARGE) return { status: 'too-large' };
      if (err instanceof ReplacedError) return { status: 'replaced', now: err.now };
      const e = err as NodeJS.ErrnoException;
      return { status: 'error', code: e.code ?? 'EIO', message: e.message };
    }
    if (data.length === 0) return { status: 'empty' };
    const id = createHash('sha256').update(data).digest('hex');
    // Sealed at once: `data` is the shared read scratch.
    return { status: 'ok', id, size: data.length, ...sink.add(data) };
  });
  return { kind: 'read', job: req.job, results, out: sink.out };
}

const TOO_LARGE = new Error('too large');
const tooLarge = (): never => {
  throw TOO_LARGE;
};
const scratch = Buffer.allocUnsafeSlow(1 << 20);

function readSmall(path: string, listed: ListedFile): Buffer {
  const statSize = listed.size;
  const fd = openNoAtimeSync(path);
  try {
    const now = replacedBy(fs.fstatSync(fd, { bigint: true }), listed);
    if (now !== undefined) throw new ReplacedError(now);
    // Exactly one byte more than expected, so growth shows as a full buffer.
    const buf = statSize + 1 <= scratch.length ? scratch.subarray(0, statSize + 1) : Buffer.allocUnsafe(statSize + 1);
    let got = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, got, buf.length - got, got);
      if (n === 0) break;
      got += n;
      // Larger than its lstat said: let the main thread's chunked path handle it (and warn).
      if (got === buf.length) throw TOO_LARGE;
    }
    return buf.subarray(0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens `path` (see OPEN_FLAGS); a symlink in its place throws ReplacedError. */
function openNoAtimeSync(name: string): number {
  const path = fsPathOf(name);
  try {
    if (NOATIME !== 0) {
      try {
        return fs.openSync(path, OPEN_FLAGS | NOATIME);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
      }
    }
    return fs.openSync(path, OPEN_FLAGS);
  } catch (err) {
    throw openError(err);
  }
}
