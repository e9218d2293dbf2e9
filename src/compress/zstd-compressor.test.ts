import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compress, decompress, ZstdCompressor } from './index.js';

describe('ZstdCompressor', () => {
  it('writes the same frames as compress, call after call', () => {
    const z = new ZstdCompressor();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300_000 }), fc.nat(5), (bytes, reps) => {
        const data = Buffer.concat(Array.from({ length: reps + 1 }, () => bytes));
        const frame = Buffer.from(z.compress(data));
        expect(frame.equals(compress(data))).toBe(true);
        expect(decompress(frame, data.length).equals(data)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('compresses at the level of its mode, call after call (max is not auto)', () => {
    const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta', 'iota', 'kappa', 'lambda'];
    let x = 7;
    const data = Buffer.from(
      Array.from({ length: 20_000 }, () => words[(x = (x * 1103515245 + 12345) & 0x7fffffff) % words.length]).join(' '),
    );
    const z = new ZstdCompressor('max');
    for (let i = 0; i < 3; i++) expect(Buffer.from(z.compress(data)).equals(compress(data, 'max'))).toBe(true);
    expect(compress(data, 'max').length).toBeLessThan(compress(data, 'auto').length);
  });

  it('compresses a large buffer after small ones (the output buffer grows)', () => {
    const z = new ZstdCompressor();
    z.compress(Buffer.from('small'));
    const big = Buffer.alloc(3 << 20, 'abcdefgh');
    expect(decompress(z.compress(big), big.length).equals(big)).toBe(true);
  });
});
