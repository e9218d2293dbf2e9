import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StreamPump } from './stream-pump.js';

/** A producer much faster than its reader: counts how many pieces were pulled. */
function fastProducer(pieces: number, size: number): { stream: AsyncIterable<Buffer>; pulled: () => number } {
  let pulled = 0;
  async function* gen(): AsyncGenerator<Buffer> {
    for (let i = 0; i < pieces; i++) {
      pulled++;
      yield Buffer.alloc(size, i & 0xff);
    }
  }
  return { stream: gen(), pulled: () => pulled };
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('StreamPump', () => {
  it('reads ahead only up to its limit while nobody reads, then keeps going as the reader takes bytes', async () => {
    const p = fastProducer(1000, 64 << 10);
    const pump = new StreamPump(p.stream, 1 << 20, true);
    await settle();
    // The limit is 16 pieces; the pump may hold one more it pulled before seeing the limit.
    expect(p.pulled()).toBeGreaterThanOrEqual(16);
    expect(p.pulled()).toBeLessThanOrEqual(17);
    const into = Buffer.alloc(8 << 20);
    let got = 0;
    for (let n; (n = await pump.read(into, 0, into.length)) > 0; ) got += n;
    expect(got).toBe(1000 * (64 << 10));
  });

  it('gives the bytes in order across pieces and reads of any size', async () => {
    const pieces = [Buffer.from('abc'), Buffer.from('defgh'), Buffer.from('i')];
    const pump = new StreamPump(Readable.from(pieces), 4, false);
    const into = Buffer.alloc(9);
    let at = 0;
    for (let n; (n = await pump.read(into, at, Math.min(2, 9 - at))) > 0; ) at += n;
    expect(into.toString()).toBe('abcdefghi');
  });

  it("reports the stream's error to the reader, after the bytes that came before it", async () => {
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.from('partial');
      throw new Error('the producer broke');
    }
    const pump = new StreamPump(broken(), 1 << 20, false);
    const into = Buffer.alloc(64);
    await settle();
    await expect(pump.read(into, 0, 64)).rejects.toThrow('the producer broke');
  });

  it('stops pulling once stopped', async () => {
    const p = fastProducer(1000, 64 << 10);
    const pump = new StreamPump(p.stream, 1 << 20, false);
    await settle();
    pump.stop();
    await pump.read(Buffer.alloc(4 << 20), 0, 4 << 20);
    await settle();
    expect(p.pulled()).toBeLessThanOrEqual(18);
  });
});
