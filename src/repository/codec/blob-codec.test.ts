import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BlobType } from '../../core/index.js';
import { hashId } from '../../core/index.js';
import { decompress } from '../../compress/index.js';
import { newRandomKey, open } from '../../crypto/index.js';
import { BlobCodec, blobCompression, plainLength, SEAL_OVERHEAD, type CompressionMode } from './index.js';

const key = newRandomKey();
const text = Buffer.from('the same words again and again; '.repeat(2000));
const noise = randomBytes(20_000);
const MODES: CompressionMode[] = ['auto', 'max', 'off'];
/** Words in a pseudo-random order: level 19 ('max') packs it to about half of what level 3 ('auto') does. */
const words = [
  'alpha',
  'beta',
  'gamma',
  'delta',
  'epsilon',
  'zeta',
  'eta',
  'theta',
  'iota',
  'kappa',
  'lambda',
];
let x = 7;
const prose = Buffer.from(
  Array.from(
    { length: 20_000 },
    () => words[(x = (x * 1103515245 + 12345) & 0x7fffffff) % words.length],
  ).join(' '),
);

function roundTrip(codec: BlobCodec, type: BlobType, plain: Uint8Array): number | undefined {
  const { sealed, uncompressedLength } = codec.seal(type, plain);
  expect(sealed.length).toBeLessThanOrEqual(plain.length + SEAL_OVERHEAD);
  expect(plainLength({ length: sealed.length, uncompressedLength })).toBe(plain.length);
  expect(codec.open(sealed, hashId(plain), uncompressedLength).equals(plain)).toBe(true);
  return uncompressedLength;
}

describe('the compression rule', () => {
  it("is restic's: v2 only, data unless off, trees always, never an empty blob", () => {
    for (const mode of MODES) {
      expect(blobCompression(1, mode, 'data', 10)).toBeUndefined();
      expect(blobCompression(1, mode, 'tree', 10)).toBeUndefined();
      expect(blobCompression(2, mode, 'data', 0)).toBeUndefined();
      expect(blobCompression(2, mode, 'tree', 0)).toBeUndefined();
    }
    expect(blobCompression(2, 'auto', 'data', 10)).toBe('auto');
    expect(blobCompression(2, 'max', 'data', 10)).toBe('max');
    expect(blobCompression(2, 'off', 'data', 10)).toBeUndefined();
    expect(blobCompression(2, 'auto', 'tree', 10)).toBe('auto');
    expect(blobCompression(2, 'max', 'tree', 10)).toBe('max');
    expect(blobCompression(2, 'off', 'tree', 10)).toBe('auto');
  });

  it('a v1 codec never compresses, whatever mode it is given', () => {
    for (const mode of MODES) {
      const codec = new BlobCodec(key, 1, mode);
      expect(codec.compression).toBe('off');
      expect(roundTrip(codec, 'data', text)).toBeUndefined();
      expect(roundTrip(codec, 'tree', text)).toBeUndefined();
    }
  });

  it('v2 auto and max compress data and trees; off compresses trees only', () => {
    for (const mode of ['auto', 'max'] as const) {
      const codec = new BlobCodec(key, 2, mode);
      expect(roundTrip(codec, 'data', text)).toBe(text.length);
      expect(roundTrip(codec, 'tree', text)).toBe(text.length);
    }
    const off = new BlobCodec(key, 2, 'off');
    expect(roundTrip(off, 'data', text)).toBeUndefined();
    expect(roundTrip(off, 'tree', text)).toBe(text.length);
  });

  it('max compresses at a higher level than auto', () => {
    const auto = new BlobCodec(key, 2, 'auto').payload('data', prose).payload.length;
    const max = new BlobCodec(key, 2, 'max').payload('data', prose).payload.length;
    expect(max).toBeLessThan(auto);
  });

  it('stores a blob as it is when its frame would not be smaller, and an empty blob uncompressed', () => {
    const codec = new BlobCodec(key, 2, 'max');
    expect(roundTrip(codec, 'data', noise)).toBeUndefined();
    expect(roundTrip(codec, 'tree', Buffer.from('{"nodes":[]}\n'))).toBeUndefined();
    expect(roundTrip(codec, 'data', Buffer.alloc(0))).toBeUndefined();
  });

  it('writes standard zstd frames restic can read', () => {
    const { sealed, uncompressedLength } = new BlobCodec(key, 2, 'auto').seal('data', text);
    expect(decompress(open(key, sealed), uncompressedLength).equals(text)).toBe(true);
  });
});

describe('opening', () => {
  const codec = new BlobCodec(key, 2, 'auto');
  const id = hashId(text);
  const { sealed, uncompressedLength } = codec.seal('data', text);

  it('a damaged byte anywhere fails as corrupt (MAC check)', () => {
    for (const at of [0, 20, sealed.length - 1]) {
      const bad = Buffer.from(sealed);
      bad[at]! ^= 0x01;
      expect(() => codec.open(bad, id, uncompressedLength)).toThrow(
        expect.objectContaining({ code: 'corrupt', message: 'MAC check failed.' }),
      );
    }
    expect(() => codec.open(sealed.subarray(0, 20), id, uncompressedLength)).toThrow(
      expect.objectContaining({ code: 'corrupt' }),
    );
  });

  it('another key fails as corrupt', () => {
    expect(() => new BlobCodec(newRandomKey(), 2).open(sealed, id, uncompressedLength)).toThrow(
      expect.objectContaining({ code: 'corrupt' }),
    );
  });

  it('content that does not hash to the id fails as corrupt', () => {
    expect(() => codec.open(sealed, hashId(noise), uncompressedLength)).toThrow(
      expect.objectContaining({ code: 'corrupt', message: `content hashes to ${id}, not to the blob id.` }),
    );
  });

  it('a wrong or missing uncompressed length fails as corrupt', () => {
    expect(() => codec.open(sealed, id, text.length + 1)).toThrow(
      expect.objectContaining({ code: 'corrupt' }),
    );
    expect(() => codec.open(sealed, id)).toThrow(expect.objectContaining({ code: 'corrupt' }));
  });
});

describe('sealing into a buffer', () => {
  it('seals a plaintext that lies in the output buffer itself, compressible or not', () => {
    const codec = new BlobCodec(key, 2, 'auto');
    for (const plain of [text, noise]) {
      const out = new Uint8Array(plain.length + SEAL_OVERHEAD);
      out.set(plain);
      const { length, uncompressedLength } = codec.sealInto('data', out.subarray(0, plain.length), out, 0);
      expect(codec.open(out.subarray(0, length), hashId(plain), uncompressedLength).equals(plain)).toBe(true);
    }
  });
});

describe('resealing for another repository', () => {
  const src = new BlobCodec(key, 2, 'auto');
  const id = hashId(text);
  const stored = src.seal('data', text);

  it('keeps the compressed payload when the destination compresses at the default level', () => {
    // Stored at level 19: compressing again at the default level would give a larger frame.
    const maxSrc = new BlobCodec(key, 2, 'max');
    const packed = maxSrc.seal('data', prose);
    const dst = new BlobCodec(newRandomKey(), 2, 'auto');
    const out = dst.reseal(maxSrc, 'data', packed.sealed, hashId(prose), packed.uncompressedLength);
    expect(out.uncompressedLength).toBe(prose.length);
    expect(out.sealed.length).toBe(packed.sealed.length);
    expect(out.sealed.length).toBeLessThan(dst.seal('data', prose).sealed.length);
    expect(dst.open(out.sealed, hashId(prose), out.uncompressedLength).equals(prose)).toBe(true);
  });

  it('follows the destination rule otherwise: off and v1 store plaintext, an uncompressed source gets compressed', () => {
    for (const dst of [new BlobCodec(newRandomKey(), 2, 'off'), new BlobCodec(newRandomKey(), 1)]) {
      const out = dst.reseal(src, 'data', stored.sealed, id, stored.uncompressedLength);
      expect(out.uncompressedLength).toBeUndefined();
      expect(dst.open(out.sealed, id).equals(text)).toBe(true);
    }
    const v1 = new BlobCodec(key, 1);
    const plainStored = v1.seal('data', text);
    const dst = new BlobCodec(newRandomKey(), 2, 'max');
    const out = dst.reseal(v1, 'data', plainStored.sealed, id);
    expect(out.uncompressedLength).toBe(text.length);
    expect(dst.open(out.sealed, id, out.uncompressedLength).equals(text)).toBe(true);
  });

  it('a damaged source blob fails as corrupt', () => {
    const bad = Buffer.from(stored.sealed);
    bad[30]! ^= 0xff;
    expect(() =>
      new BlobCodec(newRandomKey(), 2).reseal(src, 'data', bad, id, stored.uncompressedLength),
    ).toThrow(expect.objectContaining({ code: 'corrupt' }));
  });
});

describe('worker data', () => {
  it('survives structured clone and opens what the original sealed', () => {
    const codec = new BlobCodec(key, 2, 'max');
    const copy = BlobCodec.fromWorkerData(structuredClone(codec.toWorkerData()));
    expect(copy.compression).toBe('max');
    expect(copy.version).toBe(2);
    const { sealed, uncompressedLength } = codec.seal('tree', text);
    expect(copy.open(sealed, hashId(text), uncompressedLength).equals(text)).toBe(true);
  });
});

describe('properties', () => {
  it('any blob round-trips under any version, mode and type, and is compressed exactly when the rule says and it pays', () => {
    const plain = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      fc.array(fc.constantFrom(0x61, 0x62, 0x0a), { maxLength: 3000 }).map((a) => Uint8Array.from(a)),
    );
    fc.assert(
      fc.property(
        plain,
        fc.constantFrom<1 | 2>(1, 2),
        fc.constantFrom(...MODES),
        fc.constantFrom<BlobType>('data', 'tree'),
        (bytes, version, mode, type) => {
          const codec = new BlobCodec(key, version, mode);
          const { sealed, uncompressedLength } = codec.seal(type, bytes);
          expect(codec.open(sealed, hashId(bytes), uncompressedLength).equals(Buffer.from(bytes))).toBe(true);
          if (blobCompression(version, mode, type, bytes.length) === undefined)
            expect(uncompressedLength).toBeUndefined();
          if (uncompressedLength !== undefined)
            expect(sealed.length).toBeLessThan(bytes.length + SEAL_OVERHEAD);
          else expect(sealed.length).toBe(bytes.length + SEAL_OVERHEAD);
        },
      ),
      { numRuns: 200 },
    );
  });
});
