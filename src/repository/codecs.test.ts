import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newRandomKey } from '../crypto/index.js';
import { decodeIndex, encodeIndex } from './index-codec.js';
import { MasterIndex } from './master-index.js';
import { encodeHeader, packTrailer, parsePackHeader } from './pack.js';
import type { IndexFile, PackBlob } from './types.js';

const hex64 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex'));
const blobArb: fc.Arbitrary<PackBlob> = fc
  .record({
    id: hex64,
    type: fc.constantFrom('data' as const, 'tree' as const),
    offset: fc.nat(),
    length: fc.nat(),
    uncompressedLength: fc.option(fc.integer({ min: 1, max: 2 ** 31 }), { nil: undefined }),
  })
  .map((b) => {
    const { uncompressedLength, ...rest } = b;
    return uncompressedLength === undefined ? rest : { ...rest, uncompressedLength };
  });
const indexArb: fc.Arbitrary<IndexFile> = fc.record({
  supersedes: fc.array(hex64, { maxLength: 3 }),
  packs: fc.array(fc.record({ id: hex64, blobs: fc.array(blobArb, { maxLength: 5 }) }), { maxLength: 5 }),
});

describe('index file codec', () => {
  it('round-trips any index', () => {
    fc.assert(
      fc.property(indexArb, (idx) => {
        expect(decodeIndex(encodeIndex(idx))).toEqual(idx);
      }),
    );
  });

  it('writes restic key order, omits empty supersedes and ends with a newline', () => {
    const id = 'a'.repeat(64);
    const text = encodeIndex({
      supersedes: [],
      packs: [{ id, blobs: [{ id, type: 'data', offset: 0, length: 62, uncompressedLength: 21 }, { id, type: 'tree', offset: 62, length: 40 }] }],
    }).toString();
    expect(text).toBe(
      `{"packs":[{"id":"${id}","blobs":[{"id":"${id}","type":"data","offset":0,"length":62,"uncompressed_length":21},` +
        `{"id":"${id}","type":"tree","offset":62,"length":40}]}]}\n`,
    );
    expect(encodeIndex({ supersedes: [id], packs: [] }).toString()).toBe(`{"supersedes":["${id}"],"packs":[]}\n`);
  });

  it('accepts the legacy bare-array form', () => {
    const id = 'b'.repeat(64);
    const legacy = JSON.stringify([{ id, blobs: [{ id, type: 'data', offset: 5, length: 40 }] }]);
    expect(decodeIndex(Buffer.from(legacy))).toEqual({
      supersedes: [],
      packs: [{ id, blobs: [{ id, type: 'data', offset: 5, length: 40 }] }],
    });
  });

  it('rejects malformed entries as corrupt', () => {
    expect(() => decodeIndex(Buffer.from('{"packs":[{"id":"xyz","blobs":[]}]}'))).toThrow(/not a valid index/);
    expect(() => decodeIndex(Buffer.from('not json'))).toThrow(/not valid JSON/);
  });
});

describe('pack header', () => {
  it('entries are 37 bytes uncompressed and 41 compressed', () => {
    const id = 'c'.repeat(64);
    expect(encodeHeader([{ type: 'data', id, length: 10 }]).length).toBe(37);
    const h = encodeHeader([{ type: 'tree', id, length: 10, uncompressedLength: 99 }]);
    expect(h.length).toBe(41);
    expect(h[0]).toBe(3);
    expect(h.readUInt32LE(1)).toBe(10);
    expect(h.readUInt32LE(5)).toBe(99);
  });

  it('parsePackHeader reads back the blobs of a built pack', () => {
    const key = newRandomKey();
    fc.assert(
      fc.property(fc.array(blobArb, { minLength: 1, maxLength: 20 }), (blobs) => {
        const sized = blobs.map((b) => ({ ...b, length: 32 + (b.length % 100) }));
        const body = Buffer.concat(sized.map((b) => randomBytes(b.length)));
        const pack = Buffer.concat([body, packTrailer(key, sized)]);
        let offset = 0;
        const expected = sized.map((b) => {
          const e = { ...b, offset };
          offset += b.length;
          return e;
        });
        expect(parsePackHeader(key, pack)).toEqual(expected);
      }),
      { numRuns: 30 },
    );
  });

  it('a damaged header is corrupt', () => {
    const key = newRandomKey();
    const pack = Buffer.concat([randomBytes(40), packTrailer(key, [{ type: 'data', id: 'd'.repeat(64), length: 40 }])]);
    pack[pack.length - 10]! ^= 1;
    expect(() => parsePackHeader(key, pack)).toThrow(/cannot be decrypted/);
  });
});

describe('MasterIndex', () => {
  it('answers like a Map for any insertions, keeping several copies of a blob', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 3 }), fc.boolean())), (ops) => {
        const idx = new MasterIndex();
        const model = new Map<string, string[]>();
        for (const [n, p, tree] of ops) {
          const id = n.toString(16).padStart(64, '0');
          const type = tree ? 'tree' : 'data';
          const pack = p.toString(16).padStart(64, 'f');
          idx.add(id, { type, packId: pack, offset: n, length: n + 32 });
          const k = `${type}:${id}`;
          const list = model.get(k) ?? [];
          if (!list.includes(pack)) list.push(pack);
          model.set(k, list);
        }
        for (const [k, packs] of model) {
          const [type, id] = k.split(':') as ['data' | 'tree', string];
          expect(idx.lookupAll(type, id).map((e) => e.packId)).toEqual(packs);
        }
        expect(idx.size).toBe([...model.values()].reduce((s, l) => s + l.length, 0));
        expect(idx.has('data', 'e'.repeat(64))).toBe(false);
      }),
    );
  });

  it('keeps uncompressed length only where given and iterates every entry', () => {
    const idx = new MasterIndex();
    const a = '1'.repeat(64);
    const b = '2'.repeat(64);
    idx.add(a, { type: 'data', packId: a, offset: 0, length: 50, uncompressedLength: 100 });
    idx.add(b, { type: 'tree', packId: a, offset: 50, length: 40 });
    expect([...idx.entries()]).toEqual([
      [a, { type: 'data', packId: a, offset: 0, length: 50, uncompressedLength: 100 }],
      [b, { type: 'tree', packId: a, offset: 50, length: 40 }],
    ]);
  });

  it('finds ids written in upper case and refuses ids that are not 64 hex digits', () => {
    const idx = new MasterIndex();
    const id = 'ab'.repeat(32);
    idx.add(id, { type: 'data', packId: id, offset: 0, length: 40 });
    expect(idx.has('data', id.toUpperCase())).toBe(true);
    for (const bad of ['ab'.repeat(31), 'ab'.repeat(31) + 'ag', 'ab'.repeat(31) + 'a\u00e9', 'ab'.repeat(33)]) {
      expect(() => idx.has('data', bad)).toThrow(/not a valid 64-character hex id/);
    }
  });

  it('grows past several storage segments, every entry found, listed in order and kept by without()', () => {
    const idx = new MasterIndex();
    const ids = Array.from({ length: 40_000 }, () => randomBytes(32).toString('hex'));
    ids.forEach((id, i) => idx.add(id, { type: 'data', packId: ids[i % 7]!, offset: i, length: 33 }));
    expect(ids.every((id, i) => idx.lookup('data', id)?.offset === i)).toBe(true);
    expect([...idx.entries()].map(([id]) => id)).toEqual(ids);
    const rest = idx.without(new Set([ids[0]!]));
    expect(rest.size).toBe(ids.filter((_, i) => i % 7 !== 0).length);
    expect(ids.every((id, i) => rest.has('data', id) === (i % 7 !== 0))).toBe(true);
    // 49 bytes per entry in segments and a table up to 70% full (doubled arrays and a half-full table took 93).
    expect(idx.byteSize() / idx.size).toBeLessThan(80);
  });
});
