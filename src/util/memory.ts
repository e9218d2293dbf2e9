/**
 * Returns an ArrayBuffer's memory to the system now instead of at V8's next collection. Large buffers that cross
 * worker threads are garbage the collector sees late (only under external-memory pressure), so a backup would
 * otherwise carry hundreds of MiB of dead buffers. The buffer is detached: every view of it becomes empty, so call
 * this only when nothing reads it any more.
 */
export function releaseNow(buffer: ArrayBufferLike): void {
  if (buffer instanceof ArrayBuffer && !buffer.detached && buffer.byteLength > 0) buffer.transfer(0);
}

/** A buffer reused for short-lived copies (one per purpose and thread); it grows by doubling and never shrinks. */
export class Scratch {
  private buf = new Uint8Array(0);

  /** A copy of `p`, valid until the next call. */
  copy(p: Uint8Array): Uint8Array {
    if (this.buf.length < p.length) this.buf = new Uint8Array(Math.max(p.length, this.buf.length * 2));
    this.buf.set(p);
    return this.buf.subarray(0, p.length);
  }
}
