/**
 * Returns an ArrayBuffer's memory to the system now instead of at V8's next collection. Large buffers that cross
 * worker threads are garbage the collector sees late (only under external-memory pressure), so a backup would
 * otherwise carry hundreds of MiB of dead buffers. The buffer is detached: every view of it becomes empty, so call
 * this only when nothing reads it any more.
 */
export function releaseNow(buffer: ArrayBufferLike): void {
  if (buffer instanceof ArrayBuffer && !buffer.detached && buffer.byteLength > 0) buffer.transfer(0);
}
