import { releaseNow } from '../util/index.js';

/**
 * Reusable ArrayBuffers for chunk bytes. A chunk travels main → worker → main in the same buffer (the worker seals
 * into it), so a backup does not leave a trail of garbage buffers that V8 collects only under external-memory
 * pressure (hundreds of MiB of RSS per thread). Capacities are powers of two from 64 KiB, which keeps the number of
 * size classes small; the pool holds at most `maxBytes`.
 */
const MIN_CAPACITY = 64 << 10;

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private pooled = 0;

  constructor(private readonly maxBytes: number) {}

  /** A buffer of `n` bytes (contents undefined) whose ArrayBuffer may be larger and may be transferred. */
  take(n: number): Buffer {
    const cap = capacityFor(n);
    const ab = this.free.get(cap)?.pop();
    if (ab) {
      this.pooled -= cap;
      return Buffer.from(ab, 0, n);
    }
    return Buffer.allocUnsafeSlow(cap).subarray(0, n);
  }

  /** Returns a buffer for reuse; the caller must hold no view of it any more. What the pool cannot keep is freed. */
  give(ab: ArrayBuffer): void {
    const cap = ab.byteLength;
    if (cap < MIN_CAPACITY || (cap & (cap - 1)) !== 0 || this.pooled + cap > this.maxBytes) {
      releaseNow(ab);
      return;
    }
    let list = this.free.get(cap);
    if (!list) this.free.set(cap, (list = []));
    list.push(ab);
    this.pooled += cap;
  }
}

/** Room for `n` bytes plus a seal overhead, rounded up to a power of two (at least 64 KiB). */
export function capacityFor(n: number): number {
  let cap = MIN_CAPACITY;
  while (cap < n + 64) cap *= 2;
  return cap;
}
