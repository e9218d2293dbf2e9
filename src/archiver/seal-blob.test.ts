import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decompress } from '../compress/index.js';
import { hashId } from '../core/index.js';
import { newRandomKey, open } from '../crypto/index.js';
import { BlobCodec } from '../repository/index.js';
import { sealBlob, sealRequest } from './seal-blob.js';
import { readFiles } from './small-files.js';
import { randomBytesSeeded, tempDir } from './test-support.js';

const key = newRandomKey();
const params = new BlobCodec(key, 2, 'auto');

describe('worker jobs', () => {
  const dir = tempDir();
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('compresses compressible blobs and stores incompressible ones as they are', () => {
    const text = Buffer.from('abc'.repeat(10_000));
    const packed = sealBlob(params, text);
    expect(packed.uncompressedLength).toBe(text.length);
    expect(decompress(open(key, packed.sealed), text.length).equals(text)).toBe(true);
    const noise = randomBytesSeeded(10_000, 9);
    const plain = sealBlob(params, noise);
    expect(plain.uncompressedLength).toBeUndefined();
    expect(open(key, plain.sealed).equals(noise)).toBe(true);
  });

  it('never compresses when compression is off', () => {
    const text = Buffer.from('abc'.repeat(10_000));
    expect(sealBlob(new BlobCodec(key, 2, 'off'), text).uncompressedLength).toBeUndefined();
  });

  it('a seal request returns every blob back to back in one buffer', () => {
    const shared = new ArrayBuffer(10);
    new Uint8Array(shared).set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const res = sealRequest(params, { job: 1, blobs: [{ buffer: shared, offset: 0, length: 4 }, { buffer: shared, offset: 4, length: 6 }] });
    const parts = res.parts!.map((p) => open(key, new Uint8Array(res.out!, p.offset, p.length)));
    expect(parts.map((p) => [...p])).toEqual([[1, 2, 3, 4], [5, 6, 7, 8, 9, 10]]);
  });

  it('sealing into the request buffer keeps every incompressible blob intact', () => {
    const a = randomBytesSeeded(3000, 1);
    const b = randomBytesSeeded(5000, 2);
    const shared = new ArrayBuffer(1 << 16);
    new Uint8Array(shared).set(a, 0);
    new Uint8Array(shared).set(b, a.length);
    const res = sealRequest(params, {
      job: 3,
      blobs: [{ buffer: shared, offset: 0, length: a.length }, { buffer: shared, offset: a.length, length: b.length }],
      into: shared,
    });
    expect(res.out).toBe(shared);
    const parts = res.parts!.map((p) => open(key, new Uint8Array(res.out!, p.offset, p.length)));
    expect(parts[0]!.equals(a)).toBe(true);
    expect(parts[1]!.equals(b)).toBe(true);
  });

  it('reads, hashes and seals small files; reports empty, missing and too-large files', () => {
    fs.writeFileSync(path.join(dir, 'a'), 'hello');
    fs.writeFileSync(path.join(dir, 'empty'), '');
    fs.writeFileSync(path.join(dir, 'grew'), 'much longer than stat said');
    const res = readFiles(params, {
      kind: 'read',
      job: 2,
      limit: 1000,
      files: [
        { path: path.join(dir, 'a'), size: 5 },
        { path: path.join(dir, 'empty'), size: 0 },
        { path: path.join(dir, 'missing'), size: 3 },
        { path: path.join(dir, 'grew'), size: 4 },
        { path: path.join(dir, 'a'), size: 5000 },
      ],
    });
    const [ok, empty, missing, grew, big] = res.results;
    expect(ok).toMatchObject({ status: 'ok', id: hashId(Buffer.from('hello')), size: 5 });
    if (ok?.status === 'ok') expect(open(key, new Uint8Array(res.out, ok.offset, ok.length)).toString()).toBe('hello');
    expect(empty).toEqual({ status: 'empty' });
    expect(missing).toMatchObject({ status: 'error', code: 'ENOENT' });
    expect(grew).toEqual({ status: 'too-large' });
    expect(big).toEqual({ status: 'too-large' });
  });
});
