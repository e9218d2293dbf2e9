import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPoly1305, poly1305, poly1305Implementation, poly1305Reference } from './poly1305.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('poly1305', () => {
  it('runs on the wasm kernel (npm run build:wasm has built it)', () => {
    expect(poly1305Implementation()).toBe('wasm');
  });

  it('matches the RFC 8439 section 2.5.2 test vector', () => {
    const key = Buffer.from('85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b', 'hex');
    const msg = Buffer.from('Cryptographic Forum Research Group', 'ascii');
    expect(hex(poly1305(msg, key))).toBe('a8061dc1305136c6c22b8baf0c0127a9');
  });

  it('matches noble for random messages of 0..5000 bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 5000 }),
        (key, msg) => {
          expect(hex(poly1305(msg, key))).toBe(hex(poly1305Reference(msg, key)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('matches noble on MiB-sized messages that span many wasm windows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1 << 20, max: 3 << 20 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        (len, key) => {
          const msg = new Uint8Array(len);
          for (let i = 0; i < len; i++) msg[i] = (i * 2654435761) >>> 24;
          expect(hex(poly1305(msg, key))).toBe(hex(poly1305Reference(msg, key)));
        },
      ),
      { numRuns: 4 },
    );
  });

  it('reduces correctly when every limb is at its maximum (all-0xff key and message)', () => {
    const key = new Uint8Array(32).fill(0xff);
    for (const len of [16, 17, 1000, 65536 + 3]) {
      const msg = new Uint8Array(len).fill(0xff);
      expect(hex(poly1305(msg, key))).toBe(hex(poly1305Reference(msg, key)));
    }
  });

  it('gives the same tag when the message arrives in arbitrary pieces', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(fc.uint8Array({ maxLength: 70_000 }), { maxLength: 5 }),
        (key, pieces) => {
          const mac = createPoly1305(key.subarray(0, 16), key.subarray(16));
          for (const p of pieces) mac.update(p);
          const tag = new Uint8Array(16);
          mac.digestInto(tag);
          expect(hex(tag)).toBe(hex(poly1305Reference(Buffer.concat(pieces), key)));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('refuses to continue a MAC after another one started in the same thread', () => {
    const key = new Uint8Array(32).fill(7);
    const first = createPoly1305(key.subarray(0, 16), key.subarray(16));
    createPoly1305(key.subarray(0, 16), key.subarray(16));
    expect(() => first.update(new Uint8Array(3))).toThrow(/Another Poly1305/);
  });
});
