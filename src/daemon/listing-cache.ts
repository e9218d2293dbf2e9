/**
 * The last few folder listings the dashboard paged through, kept for a short time: a folder of 100,000 entries is
 * read once (repository, snapshot, tree blob) and then served page by page from memory. Bounded by the number of
 * entries held, not by the number of folders; a listing bigger than the whole bound is not kept.
 */

interface Held<V> {
  /** Settles once: concurrent requests for the same folder share one load. */
  value: Promise<V[]>;
  weight: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

export class ListingCache<V> {
  /** Oldest use first (a Map keeps insertion order; a use re-inserts). */
  private readonly held = new Map<string, Held<V>>();
  private weight = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
  ) {}

  /** The listing under `key`, loaded by `load` unless held; a failed load is not kept. */
  get(key: string, load: () => Promise<V[]>): Promise<V[]> {
    const had = this.held.get(key);
    if (had) {
      this.held.delete(key);
      this.held.set(key, had);
      this.expireLater(key, had);
      return had.value;
    }
    const h: Held<V> = { value: load(), weight: 0, timer: undefined };
    this.held.set(key, h);
    this.expireLater(key, h);
    h.value.then(
      (list) => {
        if (this.held.get(key) !== h) return;
        h.weight = list.length;
        this.weight += h.weight;
        if (h.weight > this.maxEntries) this.drop(key);
        this.evict();
      },
      () => this.drop(key),
    );
    return h.value;
  }

  /** Listings and entries held now (for tests and measurements). */
  size(): { listings: number; entries: number } {
    return { listings: this.held.size, entries: this.weight };
  }

  private expireLater(key: string, h: Held<V>): void {
    clearTimeout(h.timer);
    h.timer = setTimeout(() => this.drop(key), this.ttlMs);
    h.timer.unref();
  }

  private evict(): void {
    for (const key of this.held.keys()) {
      if (this.weight <= this.maxEntries) return;
      this.drop(key);
    }
  }

  private drop(key: string): void {
    const h = this.held.get(key);
    if (!h) return;
    clearTimeout(h.timer);
    this.held.delete(key);
    this.weight -= h.weight;
  }
}
