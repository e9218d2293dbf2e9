import { createHash } from 'node:crypto';
import type { Id } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import type { Budget } from '../util/index.js';
import type { SealedBlob } from './seal-blob.js';
import type { Sealer } from './sealer.js';
import type { Stats } from './stats.js';

/** Per-file sizes, for 'backup-file' events. */
export interface FileDataStats {
  dataSize: number;
  dataSizeInRepo: number;
}

/**
 * The data blob path: hash (here for `add`, in a worker for `addHashed`), skip blobs the index or this session already
 * has, send new ones to the sealer (worker pool) and hand the sealed bytes to the repository. Chunk bytes in flight
 * are bounded by `budget`: `add` waits for room, which throttles the readers.
 */
export class BlobPipeline {
  private readonly inflight = new Map<Id, Promise<void>>();
  private readonly savedThisRun = new Set<Id>();
  private failure: Error | undefined;

  constructor(
    private readonly repo: Repository,
    private readonly sealer: Sealer,
    private readonly budget: Budget,
    private readonly stats: Stats,
    private readonly dryRun: boolean,
  ) {}

  /** The sealer, for whole-file work in workers. */
  get worker(): Sealer {
    return this.sealer;
  }

  /** The first error of a save in flight, if any (the walk stops on it). */
  get error(): Error | undefined {
    return this.failure;
  }

  /**
   * Adds one chunk. `data` must own its ArrayBuffer; it is handed over. Returns the blob id and a promise that
   * settles when the blob is in the repository's pack writer (or known).
   */
  async add(data: Uint8Array, file: FileDataStats): Promise<{ id: Id; done: Promise<void> }> {
    if (this.failure !== undefined) throw this.failure;
    const id = createHash('sha256').update(data).digest('hex');
    let taken = false;
    const added = this.addHashed(id, data.length, () => ((taken = true), data), file);
    // Not sent to a worker: the buffer is free again.
    if (!taken) this.sealer.pool.give(data.buffer as ArrayBuffer);
    return added;
  }

  /**
   * Adds one chunk whose id a worker computed. `take` is called (at once, before any wait) only when the blob must be
   * stored; it returns the chunk's bytes in a buffer of their own, which is handed over. Waits for room in the
   * budget like `add`.
   */
  async addHashed(id: Id, length: number, take: () => Uint8Array, file: FileDataStats): Promise<{ id: Id; done: Promise<void> }> {
    if (this.failure !== undefined) throw this.failure;
    if (this.savedThisRun.has(id) || this.repo.has('data', id)) return { id, done: Promise.resolve() };
    const pending = this.inflight.get(id);
    if (pending) return { id, done: pending };
    if (this.dryRun) {
      this.savedThisRun.add(id);
      this.stats.addData(length, length);
      file.dataSize += length;
      file.dataSizeInRepo += length;
      return { id, done: Promise.resolve() };
    }
    const data = take();
    const budgetDone = this.budget.acquire(length);
    const done = budgetDone
      .then(() => this.sealer.seal(data))
      .then((sealed) => this.store(id, length, sealed, file))
      .catch((err: unknown) => {
        this.failure ??= asError(err);
        throw err;
      })
      .finally(() => {
        this.budget.release(length);
        this.inflight.delete(id);
      });
    done.catch(() => undefined);
    this.inflight.set(id, done);
    // Back-pressure: the reader waits until this chunk's bytes fit into the budget.
    await budgetDone;
    return { id, done };
  }

  /**
   * Adds a blob a worker already hashed and sealed (small files). A duplicate is dropped, which wastes only the
   * worker's effort on the rare small file whose content is already stored.
   */
  async addSealed(id: Id, length: number, sealed: SealedBlob, file: FileDataStats): Promise<{ id: Id; done: Promise<void> }> {
    if (this.failure !== undefined) {
      sealed.release?.();
      throw this.failure;
    }
    const pending = this.inflight.get(id);
    if (pending || this.dryRun || this.savedThisRun.has(id) || this.repo.has('data', id)) sealed.release?.();
    if (this.savedThisRun.has(id) || this.repo.has('data', id)) return { id, done: Promise.resolve() };
    if (pending) return { id, done: pending };
    if (this.dryRun) {
      this.savedThisRun.add(id);
      this.stats.addData(length, sealed.sealed.length);
      file.dataSize += length;
      file.dataSizeInRepo += sealed.sealed.length;
      return { id, done: Promise.resolve() };
    }
    const done = this.store(id, length, sealed, file);
    this.inflight.set(id, done);
    return { id, done };
  }

  private store(id: Id, length: number, sealed: SealedBlob, file: FileDataStats): Promise<void> {
    const done = this.repo
      .savePreparedBlob({
        type: 'data',
        id,
        sealed: sealed.sealed,
        ...(sealed.uncompressedLength === undefined ? {} : { uncompressedLength: sealed.uncompressedLength }),
      })
      .then((res) => {
        this.savedThisRun.add(id);
        if (!res.known) {
          this.stats.addData(length, res.sizeInRepo);
          file.dataSize += length;
          file.dataSizeInRepo += res.sizeInRepo;
        }
      })
      .catch((err: unknown) => {
        this.failure ??= asError(err);
        throw err;
      })
      .finally(() => {
        this.inflight.delete(id);
        // The pack writer has copied the bytes (or failed): the worker's buffer can carry the next chunk.
        sealed.release?.();
      });
    done.catch(() => undefined);
    return done;
  }

  /** Refuses further chunks (after an abort or failure), so nothing is queued behind a final flush. */
  stop(reason: unknown): void {
    this.failure ??= asError(reason);
  }

  /** Settles when every save started so far has settled. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inflight.values()]);
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
