import { execFileSync } from 'node:child_process';
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

/** A small-file request entry for `p` as its listing sees it now (a missing file gets no identity). */
function listed(p: string, size: number): { path: string; size: number; dev: bigint; ino: bigint } {
  const st = fs.existsSync(p) ? fs.lstatSync(p, { bigint: true }) : { dev: 0n, ino: 0n };
  return { path: p, size, dev: st.dev, ino: st.ino };
}

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
        listed(path.join(dir, 'a'), 5),
        listed(path.join(dir, 'empty'), 0),
        listed(path.join(dir, 'missing'), 3),
        listed(path.join(dir, 'grew'), 4),
        listed(path.join(dir, 'a'), 5000),
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

  it('refuses a file replaced after its listing (symlink, FIFO, another file) instead of reading what is there now', () => {
    const names = ['link', 'fifo', 'renamed', 'same'];
    for (const n of names) fs.writeFileSync(path.join(dir, n), 'listed');
    fs.writeFileSync(path.join(dir, 'secret'), 'secret');
    const files = names.map((n) => listed(path.join(dir, n), 6));
    fs.rmSync(path.join(dir, 'link'));
    fs.symlinkSync(path.join(dir, 'secret'), path.join(dir, 'link'));
    fs.rmSync(path.join(dir, 'fifo'));
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    fs.copyFileSync(path.join(dir, 'secret'), path.join(dir, 'tmp'));
    fs.renameSync(path.join(dir, 'tmp'), path.join(dir, 'renamed'));
    const res = readFiles(params, { kind: 'read', job: 3, limit: 1000, files });
    expect(res.results).toEqual([
      { status: 'replaced', now: 'a symbolic link' },
      { status: 'replaced', now: 'a FIFO' },
      { status: 'replaced', now: 'another file' },
      expect.objectContaining({ status: 'ok', id: hashId(Buffer.from('listed')) }),
    ]);
  });
});
