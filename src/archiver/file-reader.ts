import fs from 'node:fs/promises';
import { MIN_SIZE, MAX_SIZE } from '../chunker/index.js';
import { errnoCode, fsPathOf, throwIfAborted, type Id } from '../core/index.js';
import type { BlobPipeline, FileDataStats } from './blob-pipeline.js';
import type { Budget } from '../util/index.js';
import type { BufferPool } from './buffer-pool.js';
import { StreamPump } from './stream-pump.js';
import { NOATIME, OPEN_FLAGS, ReplacedError, openError, replacedBy, type ListedFile } from './same-file.js';
import type { Sealer } from './sealer.js';

/** Reads of large files go into a 4 MiB window of an arena that always has room for one whole chunk plus a read. */
const READ_SIZE = 4 << 20;
const ARENA_SIZE = MAX_SIZE + READ_SIZE;

export interface ReadResult {
  content: Id[];
  /** Bytes actually read (differs from the stat size when the file changed while being read). */
  size: number;
  stats: FileDataStats;
}

/**
 * Reads and chunks files. Files below the chunker's minimum size are one chunk: one read, no chunker. Larger files
 * stream through a reused arena that a worker chunks and hashes; only new chunks are copied out (into buffers that
 * can be transferred for sealing).
 */
export class FileReader {
  private readonly arenas: Buffer[] = [];

  constructor(
    private readonly polynomial: bigint,
    private readonly pipeline: BlobPipeline,
    private readonly signal: AbortSignal,
    private readonly limits: {
      /** How many large files are read at once (each holds an arena). */
      largeFiles: Budget;
      /** Bytes of small files the workers read, hash and seal at once. */
      smallBytes: Budget;
    },
  ) {}

  /**
   * Reads `file` if it is still the file its listing saw (`listed`). @throws the fs error, or ReplacedError when
   * something else stands in its place (the caller records either as a source error).
   */
  async read(file: string, listed: ListedFile): Promise<ReadResult> {
    const sealer = this.pipeline.worker;
    const statSize = listed.size;
    if (statSize < MIN_SIZE && sealer.readSmallFile) {
      await this.limits.smallBytes.acquire(statSize);
      try {
        const small = await this.readInWorker(sealer.readSmallFile.bind(sealer), file, listed);
        if (small) return small;
      } finally {
        this.limits.smallBytes.release(statSize);
      }
      // It grew past the stat size; read it the normal way.
    }
    const fh = await openListed(file, listed);
    try {
      const stats: FileDataStats = { dataSize: 0, dataSizeInRepo: 0 };
      if (statSize < MIN_SIZE) {
        const small = await this.readSmall(fh, statSize, stats);
        if (small) return small;
      }
      await this.limits.largeFiles.acquire();
      try {
        return await this.readLarge(fh, stats);
      } finally {
        this.limits.largeFiles.release();
      }
    } finally {
      await fh.close();
    }
  }

  /** A small file read, hashed and sealed by a worker; undefined if it turned out too large for that. */
  private async readInWorker(
    readSmallFile: NonNullable<Sealer['readSmallFile']>,
    file: string,
    listed: ListedFile,
  ): Promise<ReadResult | undefined> {
    const r = await readSmallFile(file, listed, MIN_SIZE);
    const stats: FileDataStats = { dataSize: 0, dataSizeInRepo: 0 };
    if (r.status === 'empty') return { content: [], size: 0, stats };
    if (r.status === 'replaced') throw new ReplacedError(r.now);
    if (r.status === 'error') throw Object.assign(new Error(r.message), { code: r.code });
    if (r.status !== 'ok' || !r.sealed) return undefined;
    const sealed = { sealed: r.sealed, ...(r.release ? { release: r.release } : {}), ...(r.uncompressedLength === undefined ? {} : { uncompressedLength: r.uncompressedLength }) };
    const { id, done } = await this.pipeline.addSealed(r.id, r.size, sealed, stats);
    await done;
    return { content: [id], size: r.size, stats };
  }

  /** One read of size+1 bytes; undefined if the file turned out larger than a single chunk can be. */
  private async readSmall(fh: fs.FileHandle, statSize: number, stats: FileDataStats): Promise<ReadResult | undefined> {
    const buf = Buffer.allocUnsafeSlow(statSize + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got === buf.length) return undefined;
    }
    if (got === 0) return { content: [], size: 0, stats };
    const { id, done } = await this.pipeline.add(buf.subarray(0, got), stats);
    await done;
    return { content: [id], size: got, stats };
  }

  private async readLarge(fh: fs.FileHandle, stats: FileDataStats): Promise<ReadResult> {
    let pos = 0;
    return this.chunkSource(stats, async (arena, offset, max) => {
      const { bytesRead } = await fh.read(arena, offset, max, pos);
      pos += bytesRead;
      return bytesRead;
    });
  }

  /**
   * Chunks a stream (stdin, command output) like a file. A pump reads ahead (see StreamPump) while a worker chunks
   * the previous piece, so a producer writing into a pipe rarely waits for Cairn.
   */
  async readStream(stream: AsyncIterable<Uint8Array | string>, freshPieces = false): Promise<ReadResult> {
    await this.limits.largeFiles.acquire();
    const pump = new StreamPump(stream, READ_SIZE, freshPieces);
    try {
      return await this.chunkSource({ dataSize: 0, dataSizeInRepo: 0 }, (arena, offset, max) => pump.read(arena, offset, max));
    } finally {
      pump.stop();
      this.limits.largeFiles.release();
    }
  }

  /**
   * Pulls data through `fill` into an arena, READ_SIZE bytes at a time, and has a worker cut and hash it (see
   * chunk-job.ts): the arena is shared with the workers, and only chunks the repository does not have yet are
   * copied out of it, for sealing. The unfinished chunk at the end stays in the arena for the next round.
   */
  private async chunkSource(
    stats: FileDataStats,
    fill: (arena: Buffer, offset: number, max: number) => Promise<number>,
  ): Promise<ReadResult> {
    const arena = this.arenas.pop() ?? Buffer.from(new SharedArrayBuffer(ARENA_SIZE));
    const sealer = this.pipeline.worker;
    const content: Id[] = [];
    const dones: Promise<void>[] = [];
    let start = 0; // first byte of the current (unfinished) chunk in the arena
    let end = 0; // end of valid data
    let size = 0;
    try {
      for (let final = false; !final; ) {
        throwIfAborted(this.signal);
        if (ARENA_SIZE - end < READ_SIZE) {
          // Less than one chunk is pending (the chunker always cuts at MAX_SIZE), so a read fits after moving it.
          arena.copy(arena, 0, start, end);
          end -= start;
          start = 0;
        }
        const limit = end + READ_SIZE;
        while (end < limit) {
          const got = await fill(arena, end, limit - end);
          if (got === 0) {
            final = true;
            break;
          }
          end += got;
          size += got;
        }
        if (end === start) break;
        const buffer = arena.buffer as SharedArrayBuffer;
        const cut = await sealer.chunk({ polynomial: this.polynomial.toString(), buffer, offset: start, length: end - start, final });
        let from = start;
        for (let i = 0; i < cut.ends.length; i++) {
          const to = start + cut.ends[i]!;
          const { id, done } = await this.pipeline.addHashed(cut.ids[i]!, to - from, () => copyOut(sealer.pool, arena, from, to), stats);
          content.push(id);
          dones.push(done);
          from = to;
        }
        start = from;
      }
      await Promise.all(dones);
      return { content, size, stats };
    } finally {
      for (const d of dones) d.catch(() => undefined);
      this.arenas.push(arena);
    }
  }
}

/** A chunk's bytes copied out of the arena into a buffer of their own (to be transferred for sealing). */
function copyOut(pool: BufferPool, arena: Buffer, from: number, to: number): Buffer {
  const chunk = pool.take(to - from);
  arena.copy(chunk, 0, from, to);
  return chunk;
}

/** Opens `file` (see OPEN_FLAGS) and checks it is the listed file. @throws ReplacedError if it is not. */
async function openListed(file: string, listed: ListedFile): Promise<fs.FileHandle> {
  let fh: fs.FileHandle;
  try {
    fh = await openNoAtime(file);
  } catch (err) {
    throw openError(err);
  }
  try {
    const now = replacedBy(await fh.stat({ bigint: true }), listed);
    if (now !== undefined) throw new ReplacedError(now);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

async function openNoAtime(name: string): Promise<fs.FileHandle> {
  const file = fsPathOf(name);
  if (NOATIME !== 0) {
    try {
      return await fs.open(file, OPEN_FLAGS | NOATIME);
    } catch (err) {
      if (errnoCode(err) !== 'EPERM') throw err;
    }
  }
  return fs.open(file, OPEN_FLAGS);
}
