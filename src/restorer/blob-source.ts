import type { Id } from '../core/index.js';
import type { Repository } from '../repository/index.js';
import { Limiter } from './abort.js';

/**
 * Loads data blobs for a restore: a bounded number of loads in flight, concurrent requests for the same blob
 * share one load, and a blob that more files still need stays cached (within a byte budget) until its last use.
 */
export class BlobSource {
  private readonly limiter: Limiter;
  private readonly remaining = new Map<Id, number>();
  private readonly cache = new Map<Id, Promise<Buffer>>();
  private readonly cachedSize = new Map<Id, number>();
  private cacheBytes = 0;

  constructor(
    private readonly repo: Repository,
    loadsInFlight: number,
    private readonly cacheBudget: number,
  ) {
    this.limiter = new Limiter(loadsInFlight);
  }

  /** Counts one future use of each blob in `content`. */
  expect(content: readonly Id[]): void {
    for (const id of content) this.remaining.set(id, (this.remaining.get(id) ?? 0) + 1);
  }

  /** Loads (or reuses) a blob; every `get` must be followed by one `release` of the same id. */
  get(id: Id): Promise<Buffer> {
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    const load = this.limiter.run(() => this.repo.loadBlob('data', id));
    if ((this.remaining.get(id) ?? 0) > 1) {
      this.cache.set(id, load);
      load.then(
        (buf) => this.account(id, buf.length),
        () => this.cache.delete(id),
      );
    }
    return load;
  }

  private account(id: Id, size: number): void {
    if (!this.cache.has(id)) return;
    if (this.cacheBytes + size > this.cacheBudget) {
      // Over budget: forget it once the current waiters have it; a later user loads it again.
      this.cache.delete(id);
      return;
    }
    this.cachedSize.set(id, size);
    this.cacheBytes += size;
  }

  release(id: Id): void {
    const left = (this.remaining.get(id) ?? 1) - 1;
    if (left > 0) {
      this.remaining.set(id, left);
      return;
    }
    this.remaining.delete(id);
    this.cache.delete(id);
    const size = this.cachedSize.get(id);
    if (size !== undefined) {
      this.cacheBytes -= size;
      this.cachedSize.delete(id);
    }
  }
}
