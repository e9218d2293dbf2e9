import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashId, isCairnError } from '../core/index.js';
import { Chunker, JsChunker, MAX_SIZE, MIN_SIZE, WasmChunker, parsePolynomial } from './index.js';
import { chunkLengths, fixtureLinesFile, fixtureRandomFile, seededBytes } from './testing/fixture-data.js';
import { ensureChunkerKernel } from './testing/build-kernel.js';
import { windowFingerprint } from './testing/reference-chunker.js';

interface FixtureNode {
  path: string;
  sha256?: string;
  chunks?: { offset: number; length: number; blob_id: string }[];
}
const FIXTURES = new URL('../../test/fixtures/restic-0.14/', import.meta.url);
const facts = JSON.parse(readFileSync(new URL('facts.json', FIXTURES), 'utf8')) as {
  chunker_polynomial: string;
  snapshots: { nodes: FixtureNode[] }[];
};
const POLYNOMIAL = parsePolynomial(facts.chunker_polynomial);
const fixtureNode = (path: string): FixtureNode => {
  const node = facts.snapshots[0]?.nodes.find((n) => n.path === path);
  if (node === undefined) throw new Error(`fixture has no ${path}`);
  return node;
};
const RANDOM10M = fixtureRandomFile();
const LINES = fixtureLinesFile();

beforeAll(ensureChunkerKernel);

function blobIds(data: Uint8Array, lengths: number[]): string[] {
  let off = 0;
  return lengths.map((len) => hashId(data.subarray(off, (off += len))));
}

it('regenerates the fixture files byte for byte', () => {
  expect(hashId(RANDOM10M)).toBe(fixtureNode('/tree/big/random10m.bin').sha256);
  expect(hashId(LINES)).toBe(fixtureNode('/tree/big/lines.txt').sha256);
});

it('Chunker runs the WebAssembly kernel once it is built', () => {
  expect(new Chunker(POLYNOMIAL).engine).toBe('wasm');
});

describe.each([
  ['JsChunker', JsChunker],
  ['WasmChunker', WasmChunker],
  ['Chunker', Chunker],
])('%s', (_name, Impl) => {
  for (const file of ['/tree/big/random10m.bin', '/tree/big/lines.txt']) {
    it(`cuts ${file} exactly where restic 0.14 did`, () => {
      const data = file.endsWith('.bin') ? RANDOM10M : LINES;
      const expected = fixtureNode(file).chunks ?? [];
      const lengths = chunkLengths(new Impl(POLYNOMIAL), data);
      expect(lengths).toEqual(expected.map((c) => c.length));
      expect(blobIds(data, lengths)).toEqual(expected.map((c) => c.blob_id));
    });
  }

  it('finds the same cuts whatever pieces the file arrives in', () => {
    const whole = chunkLengths(new Impl(POLYNOMIAL), RANDOM10M);
    const chunker = new Impl(POLYNOMIAL);
    const pieceSize = fc.oneof(
      fc.integer({ min: 1, max: 130 }),
      fc.integer({ min: 1, max: 3 * 1024 * 1024 }),
    );
    fc.assert(
      fc.property(fc.array(pieceSize, { maxLength: 60 }), (sizes) => {
        expect(chunkLengths(chunker, RANDOM10M, sizes)).toEqual(whole);
      }),
      { numRuns: 40 },
    );
  });

  it('starts afresh after reset()', () => {
    const chunker = new Impl(POLYNOMIAL);
    chunker.scan(seededBytes(7, 3 * 1024 * 1024 + 123));
    expect(chunkLengths(chunker, LINES)).toEqual([1396721, 215279]);
  });

  it('cuts nothing in a file smaller than MIN_SIZE, even where every window could cut', () => {
    const chunker = new Impl(POLYNOMIAL);
    expect(chunker.scan(new Uint8Array(MIN_SIZE - 1))).toEqual([]);
    chunker.reset();
    expect(chunker.scan(seededBytes(3, MIN_SIZE - 1))).toEqual([]);
  });

  it('cuts all-zero data every MIN_SIZE bytes (the fingerprint of a zero window is 0)', () => {
    expect(chunkLengths(new Impl(POLYNOMIAL), new Uint8Array(3 * MIN_SIZE + 5))).toEqual([
      MIN_SIZE,
      MIN_SIZE,
      MIN_SIZE,
      5,
    ]);
  });

  it('forces a cut at exactly MAX_SIZE where there is no natural cut point', () => {
    const fill = 0xaa;
    // Every window of constant data is the same; make sure this one never allows a cut.
    expect(windowFingerprint(POLYNOMIAL, new Uint8Array(64).fill(fill)) & 0xfffffn).not.toBe(0n);
    const data = new Uint8Array(2 * MAX_SIZE + 1000).fill(fill);
    expect(chunkLengths(new Impl(POLYNOMIAL), data)).toEqual([MAX_SIZE, MAX_SIZE, 1000]);
    expect(chunkLengths(new Impl(POLYNOMIAL), data, [MAX_SIZE - 1, 1, 1])).toEqual([
      MAX_SIZE,
      MAX_SIZE,
      1000,
    ]);
  });

  it('returns no cuts for an empty piece', () => {
    expect(new Impl(POLYNOMIAL).scan(new Uint8Array(0))).toEqual([]);
  });

  it('rejects a polynomial that is not of degree 53', () => {
    const attempt = (): unknown => new Impl(0x11bn);
    expect(attempt).toThrow();
    try {
      attempt();
    } catch (err) {
      expect(isCairnError(err, 'invalid-argument')).toBe(true);
    }
  });
});
