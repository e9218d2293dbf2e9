// A job's plain archive streamed into a bucket (s3rver): multipart when it is larger than a part, one PUT when
// smaller, the newest N kept, and never a half-written object under the final name when the upload breaks.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ObjectStore } from '../../src/backend/index.js';
import { openS3Backend, parseS3Location } from '../../src/backend/s3/index.js';
import type { S3Sender } from '../../src/backend/s3/index.js';
import { S3ObjectStore } from '../../src/backend/s3/objects.js';
import { makeS3Client } from '../../src/backend/s3/s3.js';
import { openArchiveStore, writeArchive } from '../../src/daemon/archive.js';
import { openObjectStore } from '../../src/registry.js';
import type { S3rver } from '../harness/s3rver.js';
import { startS3rver } from '../harness/s3rver.js';

const MiB = 1024 * 1024;
let srv: S3rver;
let dir: string;
const BUCKET = 'archives';

beforeAll(async () => {
  srv = await startS3rver();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cairn-s3-archive-'));
  fs.mkdirSync(path.join(dir, 'src/sub'), { recursive: true });
  // Random bytes do not compress: the archive is larger than two 5 MiB parts.
  fs.writeFileSync(path.join(dir, 'src/big.bin'), randomBytes(11 * MiB));
  fs.writeFileSync(path.join(dir, 'src/sub/small.txt'), 'small\n');
  fs.writeFileSync(path.join(dir, 'tiny.txt'), 'tiny\n');
  const b = openS3Backend(`s3:${srv.endpoint}/${BUCKET}`, {}, srv.env);
  await b.create();
  await b.close();
});
afterAll(async () => {
  await srv?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function names(store: ObjectStore): Promise<string[]> {
  const out: string[] = [];
  for await (const f of store.list()) out.push(f.name);
  return out.sort();
}

/** The object as s3rver stores it on disk (its folder layout: BUCKET/KEY._S3rver_object). */
function stored(key: string): string {
  return path.join(srv.dir, BUCKET, `${key}._S3rver_object`);
}

const at = (s: number): Date => new Date(Date.UTC(2026, 11, 7, 1, 0, s));
const config = (to: string, keep: number) => ({ to, format: 'tar.gz' as const, keep, options: {} });

describe('archives in a bucket', () => {
  it('uploads a large archive in parts that GNU tar extracts, and keeps the newest N of the job', async () => {
    const url = `s3:${srv.endpoint}/${BUCKET}/big`;
    const store = await openObjectStore(url, { env: srv.env, partSize: 5 * MiB });
    const src = [path.join(dir, 'src')];
    try {
      await store.put(
        'other-20200101-000000.tar.gz',
        Readable.from([Buffer.from('another job')]),
        new AbortController().signal,
      );
      for (let s = 0; s < 2; s++)
        await writeArchive('web', config(url, 2), store, src, [], at(s), new AbortController().signal);
      const last = await writeArchive(
        'web',
        config(url, 2),
        store,
        src,
        [],
        at(2),
        new AbortController().signal,
      );
      expect(last.file).toBe(`${store.location}/web-20261207-010002.tar.gz`);
      expect(last.bytes).toBeGreaterThan(10 * MiB);
      expect(last.removed).toEqual(['web-20261207-010000.tar.gz']);
      expect(await names(store)).toEqual([
        'other-20200101-000000.tar.gz',
        'web-20261207-010001.tar.gz',
        'web-20261207-010002.tar.gz',
      ]);
      const x = path.join(dir, 'x');
      fs.mkdirSync(x);
      execFileSync('tar', ['-xzf', stored('big/web-20261207-010002.tar.gz'), '-C', x]);
      const back = path.join(x, dir.slice(1), 'src');
      expect(
        fs.readFileSync(path.join(back, 'big.bin')).equals(fs.readFileSync(path.join(dir, 'src/big.bin'))),
      ).toBe(true);
      expect(fs.readFileSync(path.join(back, 'sub/small.txt'), 'utf8')).toBe('small\n');
    } finally {
      await store.close();
    }
  });

  it('sends a small archive as one PUT, with the options and credentials of the config', async () => {
    const url = `s3:${srv.endpoint}/${BUCKET}/small`;
    const a = { ...config(url, 3), options: { 's3.region': 'us-east-1', 's3.bucket-lookup': 'path' } };
    const store = await openArchiveStore(a, srv.env);
    try {
      const r = await writeArchive(
        'notes',
        a,
        store,
        [path.join(dir, 'tiny.txt')],
        [],
        at(9),
        new AbortController().signal,
      );
      expect(await names(store)).toEqual(['notes-20261207-010009.tar.gz']);
      expect(fs.statSync(stored('small/notes-20261207-010009.tar.gz')).size).toBe(r.bytes);
      expect(execFileSync('tar', ['-tzf', stored('small/notes-20261207-010009.tar.gz')]).toString()).toBe(
        `${dir.slice(1)}/tiny.txt\n`,
      );
    } finally {
      await store.close();
    }
  });

  it('leaves no object under the name when a part fails, and aborts the upload', async () => {
    const url = `s3:${srv.endpoint}/${BUCKET}/broken`;
    const config3 = { ...parseS3Location(url, {}, srv.env), partSize: 5 * MiB, partAttempts: 1 };
    const client = makeS3Client(config3, srv.env);
    const sent: string[] = [];
    const sender: S3Sender = {
      send(c: unknown) {
        const name = (c as object).constructor.name;
        sent.push(name);
        if (name === 'UploadPartCommand' && (c as { input: { PartNumber: number } }).input.PartNumber === 2)
          return Promise.reject(Object.assign(new Error('broken'), { name: 'AccessDenied' }));
        return client.send(c as never);
      },
    };
    const store = new S3ObjectStore(config3, {
      send: (c) => sender.send(c),
      destroy: () => client.destroy(),
    });
    try {
      await expect(
        writeArchive(
          'web',
          config(url, 2),
          store,
          [path.join(dir, 'src')],
          [],
          at(5),
          new AbortController().signal,
        ),
      ).rejects.toThrow(/broken/);
      expect(sent).toContain('CreateMultipartUploadCommand');
      expect(sent).toContain('AbortMultipartUploadCommand');
      expect(sent).not.toContain('CompleteMultipartUploadCommand');
      expect(await names(store)).toEqual([]);
      // The same when the run is cancelled halfway.
      const stop = new AbortController();
      const run = writeArchive('web', config(url, 2), store, [path.join(dir, 'src')], [], at(6), stop.signal);
      setTimeout(() => stop.abort(new Error('cancelled')), 20);
      await expect(run).rejects.toThrow();
      expect(await names(store)).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
