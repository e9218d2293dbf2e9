import { describe, expect, it } from 'vitest';
import type { PackBlob } from '../repository/index.js';
import { expectedPackSize } from './check-index.js';
import { compareHeaderWithIndex } from './check-packs.js';

const P = 'p'.repeat(64);
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const header: PackBlob[] = [
  { type: 'data', id: A, offset: 0, length: 62, uncompressedLength: 21 },
  { type: 'data', id: B, offset: 62, length: 100 },
];
const indexed = header.map((b) => ({ ...b, packId: P }));

describe('compareHeaderWithIndex', () => {
  it('accepts a header that lists exactly the indexed blobs, in any order', () => {
    expect(compareHeaderWithIndex(P, header, [...indexed].reverse())).toEqual([]);
  });

  it('names the blob whose place differs between index and header', () => {
    const wrong = [indexed[0]!, { ...indexed[1]!, offset: 70 }];
    expect(compareHeaderWithIndex(P, header, wrong)).toEqual([
      `the index is wrong about pack ${P}: blob ${B}: the index says data at offset 70, length 100, uncompressed, ` +
        `the pack header says data at offset 62, length 100, uncompressed`,
    ]);
  });

  it('names blobs present on only one side', () => {
    expect(compareHeaderWithIndex(P, header, [indexed[0]!])).toEqual([
      `the index is wrong about pack ${P}: blob ${B} (data) is in the pack header but not in the index`,
    ]);
    expect(compareHeaderWithIndex(P, [header[0]!], indexed)).toEqual([
      `the index is wrong about pack ${P}: blob ${B} (data) is in the index but not in the pack header`,
    ]);
  });
});

describe('expectedPackSize', () => {
  it('adds blob lengths, 37/41-byte header entries, the header seal and the length field', () => {
    expect(expectedPackSize(header)).toBe(62 + 100 + 41 + 37 + 32 + 4);
    expect(expectedPackSize([])).toBe(36);
  });
});
