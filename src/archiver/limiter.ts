/**
 * An async budget of units (file slots, bytes in flight). `acquire(n)` waits until `n` units are free; a request
 * larger than the whole budget is let through when nothing else is held, so it cannot wait forever.
 */
export class Budget {
  private used = 0;
  private readonly queue: { n: number; resolve: () => void }[] = [];

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  acquire(n = 1): Promise<void> {
    if (this.queue.length === 0 && this.fits(n)) {
      this.used += n;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push({ n, resolve }));
  }

  release(n = 1): void {
    this.used -= n;
    while (this.queue.length > 0 && this.fits(this.queue[0]!.n)) {
      const next = this.queue.shift()!;
      this.used += next.n;
      next.resolve();
    }
  }

  private fits(n: number): boolean {
    return this.used + n <= this.capacity || this.used === 0;
  }
}
