import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isCairnError } from '../core/index.js';
import { compress, decompress } from './zstd.js';

/** Compressible bytes: random 16-byte words repeated. */
function sample(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i += 64) randomBytes(16).copy(b, i);
  return b;
}

function corrupt(fn: () => unknown): boolean {
  try {
    fn();
  } catch (err) {
    return isCairnError(err, 'corrupt');
  }
  return false;
}

describe('decompress with the expected length (reused context)', () => {
  it('decompresses frames of every size, call after call', () => {
    for (const n of [1, 100, 4096, 70_000, 1 << 20, 3, 5000]) {
      const plain = sample(n);
      expect(decompress(compress(plain), n).equals(plain)).toBe(true);
    }
  });

  it('reports a frame longer or shorter than expected as corrupt, and the next frame is still right', () => {
    const plain = sample(5000);
    const frame = compress(plain);
    expect(corrupt(() => decompress(frame, 4999))).toBe(true);
    expect(decompress(frame, 5000).equals(plain)).toBe(true);
    expect(corrupt(() => decompress(frame, 5001))).toBe(true);
    expect(decompress(frame, 5000).equals(plain)).toBe(true);
  });

  it('reports a truncated or garbled frame as corrupt, and the next frame is still right', () => {
    const plain = sample(100_000);
    const frame = compress(plain);
    expect(corrupt(() => decompress(frame.subarray(0, frame.length - 10), 100_000))).toBe(true);
    expect(decompress(frame, 100_000).equals(plain)).toBe(true);
    const garbled = Buffer.from(frame);
    garbled.fill(0xa5, 20, 60);
    // Without a checksum a garbled frame may also decode to wrong bytes (the blob's hash catches those).
    let wrong: boolean;
    try {
      wrong = !decompress(garbled, 100_000).equals(plain);
    } catch (err) {
      wrong = isCairnError(err, 'corrupt');
    }
    expect(wrong).toBe(true);
    expect(decompress(frame, 100_000).equals(plain)).toBe(true);
    expect(corrupt(() => decompress(randomBytes(64), 100))).toBe(true);
    expect(decompress(frame, 100_000).equals(plain)).toBe(true);
  });

  it('returns a buffer of its own, which the next call does not overwrite', () => {
    const a = sample(4096);
    const b = sample(4096);
    const outA = decompress(compress(a), 4096);
    decompress(compress(b), 4096);
    expect(outA.equals(a)).toBe(true);
    expect(outA.byteLength).toBe(outA.buffer.byteLength);
  });
});
