import type { Timer } from './timer.js';

/**
 * A token bucket of bytes: it refills at `rate` bytes per second up to one second's worth. A request larger than
 * what is available takes the bucket into debt and waits until the debt is paid back, so the average rate holds
 * however large a single transfer is (a pack is far larger than a second's worth on a slow link). Concurrent
 * requests queue behind each other's debt.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly timer: Timer,
  ) {
    this.tokens = rate;
    this.last = timer.now();
  }

  /** Resolves once `bytes` may be transferred. */
  async take(bytes: number): Promise<void> {
    const now = this.timer.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens < 0) await this.timer.sleep(Math.ceil((-this.tokens * 1000) / this.rate));
  }
}
