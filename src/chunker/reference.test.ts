import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { JsChunker, MIN_SIZE, WasmChunker, randomPolynomial } from './index.js';
import { chunkLengths, seededBytes } from './testing/fixture-data.js';
import { ensureChunkerKernel } from './testing/build-kernel.js';
import { cutWindow, referenceChunkLengths, windowFingerprint } from './testing/reference-chunker.js';

beforeAll(ensureChunkerKernel);

/** A polynomial drawn the way restic draws one, from a seed, so failures reproduce. */
function polynomialFrom(seed: number): bigint {
  let k = 0;
  return randomPolynomial((n) => seededBytes(seed * 1000 + k++, n));
}

/** Random data with a window that allows a cut planted every `gap` bytes on average. */
function plantedData(polynomial: bigint, seed: number, size: number, gap: number): Uint8Array {
  const data = seededBytes(seed, size);
  const window = cutWindow(polynomial, seededBytes(seed + 1, 61));
  const positions = seededBytes(seed + 2, 4 * Math.ceil(size / gap));
  for (let p = 0, i = 0; i + 4 <= positions.length; i += 4) {
    p += 64 + (((positions[i]! << 16) | (positions[i + 1]! << 8) | positions[i + 2]!) % (2 * gap));
    if (p + 64 > size) break;
    data.set(window, p);
  }
  return data;
}

it('cutWindow makes a window that allows a cut', () => {
  const p = polynomialFrom(1);
  expect(windowFingerprint(p, cutWindow(p, seededBytes(9, 61))) & 0xffffffn).toBe(0n);
});

describe.each([
  ['JsChunker', JsChunker],
  ['WasmChunker', WasmChunker],
])('%s agrees with the plain reference chunker', (_name, Impl) => {
  it('on random data with random polynomials', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1 << 30 }), (seed) => {
        const polynomial = polynomialFrom(seed);
        const data = seededBytes(seed, 6 * 1024 * 1024 + (seed % 9973));
        expect(chunkLengths(new Impl(polynomial), data)).toEqual(referenceChunkLengths(polynomial, data));
      }),
      { numRuns: 3 },
    );
  });

  it('on data dense with cut points, fed in random pieces', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1 << 30 }),
        fc.integer({ min: 200, max: 40_000 }),
        fc.array(fc.integer({ min: 1, max: 300_000 }), { maxLength: 30 }),
        (seed, gap, pieces) => {
          const polynomial = polynomialFrom(seed);
          const data = plantedData(polynomial, seed, 4 * MIN_SIZE + (seed % 4099), gap);
          const expected = referenceChunkLengths(polynomial, data);
          expect(chunkLengths(new Impl(polynomial), data, pieces)).toEqual(expected);
        },
      ),
      { numRuns: 8 },
    );
  });
});
