import { createHash } from 'node:crypto';
import { Chunker } from '../chunker/index.js';
import type { Id } from '../core/index.js';

/**
 * Chunking and hashing of a large file's or a stream's bytes, off the main thread. The main thread reads into an
 * arena (a SharedArrayBuffer, left alone while a job runs); a worker cuts chunks, hashes them and answers with the
 * cuts and ids, so the main thread only checks the index and copies out the chunks that are new. Shared, not
 * transferred: a 12 MiB ArrayBuffer arriving in a thread counts as new external memory there, and V8 answered the
 * 64 arrivals of a 256 MiB stream with 37 full collections of the main heap (~1.5 s of main-thread time).
 *
 * A job carries no chunker state: `bytes` starts at the beginning of the current (unfinished) chunk, and the worker
 * scans it from there. A cut depends only on the bytes since the chunk's start (the chunker restarts at every cut),
 * so this gives restic's cuts exactly; the price is hashing the carried bytes again past the first 512 KiB, which
 * the chunker skips (a few percent of its work at 4 MiB per job).
 */
export interface ChunkRequest {
  kind: 'chunk';
  job: number;
  /** The repository's chunker polynomial, as a decimal string. */
  polynomial: string;
  buffer: SharedArrayBuffer;
  offset: number;
  length: number;
  /** End of the data: the bytes after the last cut form the final chunk. */
  final: boolean;
}

export interface ChunkResponse {
  job: number;
  error?: string;
  /** Ends of the complete chunks, relative to the request's offset, ascending. */
  ends?: number[];
  ids?: Id[];
}

const chunkers = new Map<string, Chunker>();

/** Cuts and hashes one request's bytes (in a worker, or inline). */
export function chunkRequest(req: ChunkRequest): ChunkResponse {
  let chunker = chunkers.get(req.polynomial);
  if (chunker === undefined) chunkers.set(req.polynomial, (chunker = new Chunker(BigInt(req.polynomial))));
  chunker.reset();
  const bytes = new Uint8Array(req.buffer, req.offset, req.length);
  const ends = chunker.scan(bytes);
  if (req.final && (ends.at(-1) ?? 0) < bytes.length) ends.push(bytes.length);
  const ids: Id[] = [];
  let from = 0;
  for (const end of ends) {
    ids.push(createHash('sha256').update(bytes.subarray(from, end)).digest('hex'));
    from = end;
  }
  return { job: req.job, ends, ids };
}
