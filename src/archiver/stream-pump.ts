import { releaseNow } from '../util/index.js';

/**
 * Reads a stream ahead, up to `limit` bytes, while the reader waits for a worker: a dump tool writing into a pipe
 * (64 KiB) blocks as soon as nobody reads it, so the pipe is drained even while a chunk job is out. With
 * `freshPieces` (see OpenStream) a piece's memory is freed as soon as it is copied: otherwise hundreds of MiB of
 * 64 KiB pipe buffers wait for V8's collector, which then marks the heap every few dozen MiB.
 */
export class StreamPump {
  private readonly pieces: Buffer[] = [];
  /** Bytes of the first piece already copied out. */
  private used = 0;
  private queued = 0;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;

  constructor(
    stream: AsyncIterable<Uint8Array | string>,
    private readonly limit: number,
    private readonly freshPieces: boolean,
  ) {
    void this.run(stream[Symbol.asyncIterator]());
  }

  /** Copies up to `max` bytes into `into` at `offset`; waits for data. 0 at the end. @throws the stream's error. */
  async read(into: Buffer, offset: number, max: number): Promise<number> {
    while (this.queued === 0 && !this.ended && this.failure === undefined) await this.waitForChange();
    if (this.failure !== undefined) throw this.failure.error;
    let n = 0;
    while (n < max && this.pieces.length > 0) {
      const piece = this.pieces[0]!;
      const k = Math.min(max - n, piece.length - this.used);
      piece.copy(into, offset + n, this.used, this.used + k);
      n += k;
      this.used += k;
      if (this.used === piece.length) {
        this.pieces.shift();
        this.used = 0;
        if (this.freshPieces && piece.byteOffset === 0 && piece.length === piece.buffer.byteLength) releaseNow(piece.buffer);
      }
    }
    this.queued -= n;
    this.poke();
    return n;
  }

  /** Stops reading ahead (the reader gave up). */
  stop(): void {
    this.stopped = true;
    this.poke();
  }

  private async run(it: AsyncIterator<Uint8Array | string>): Promise<void> {
    try {
      while (!this.stopped) {
        if (this.queued >= this.limit) {
          await this.waitForChange();
          continue;
        }
        const next = await it.next();
        if (next.done) break;
        const v = next.value;
        const piece = typeof v === 'string' ? Buffer.from(v) : Buffer.from(v.buffer, v.byteOffset, v.length);
        if (piece.length === 0) continue;
        this.pieces.push(piece);
        this.queued += piece.length;
        this.poke();
      }
    } catch (error) {
      this.failure = { error };
    }
    this.ended = true;
    this.poke();
  }

  /** One waiter at a time: the pump waits for room, the reader for data, never both. */
  private waitForChange(): Promise<void> {
    return new Promise((resolve) => (this.wake = resolve));
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
