import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Handle } from '../../src/backend/index.js';
import type { S3Config, S3Sender } from '../../src/backend/s3/index.js';
import { openS3Backend, parseS3Location } from '../../src/backend/s3/index.js';
import { S3Backend, makeS3Client } from '../../src/backend/s3/s3.js';
import { runBackendConformance } from '../../src/backend/testing/index.js';
import { isCairnError } from '../../src/core/index.js';
import type { S3rver } from '../harness/s3rver.js';
import { freePort } from '../harness/net.js';
import { startS3rver } from '../harness/s3rver.js';

const MiB = 1024 * 1024;
let srv: S3rver;
let counter = 0;

/** A bucket name no other test uses. */
function freshBucket(tag: string): string {
  return `${tag}-${process.pid}-${++counter}-${randomBytes(3).toString('hex')}`;
}

function url(bucket: string, prefix = ''): string {
  return `s3:${srv.endpoint}/${bucket}${prefix ? `/${prefix}` : ''}`;
}

function file(size: number): { data: Buffer; h: Handle } {
  const data = randomBytes(size);
  return { data, h: { type: 'data', name: createHash('sha256').update(data).digest('hex') } };
}

async function names(b: Backend, type: Handle['type']): Promise<string[]> {
  const out: string[] = [];
  for await (const fi of b.list(type)) out.push(fi.name);
  return out.sort();
}

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    return isCairnError(err) ? err.code : `not a CairnError: ${String(err)}`;
  }
}

/** A backend with small multipart settings, over a client the test can watch and break. */
function smallPartBackend(bucket: string, sender?: (inner: S3Sender) => S3Sender): S3Backend {
  const base = parseS3Location(url(bucket, 'mp'), {}, srv.env);
  const config: S3Config = { ...base, multipartThreshold: 5 * MiB, partSize: 5 * MiB, partConcurrency: 2 };
  const client = makeS3Client(config, srv.env);
  const wrapped: S3Sender = sender ? sender(client) : client;
  return new S3Backend(
    config,
    { send: (c) => wrapped.send(c), destroy: () => client.destroy() },
    async () => {},
  );
}

beforeAll(async () => {
  srv = await startS3rver();
});
afterAll(async () => {
  await srv?.stop();
});

runBackendConformance('s3 (s3rver)', () => openS3Backend(url(freshBucket('conf'), 'repo/sub'), {}, srv.env));

describe('S3 backend against s3rver', () => {
  it('create() makes a missing bucket and is idempotent', async () => {
    const b = openS3Backend(url(freshBucket('create')), {}, srv.env);
    try {
      expect(await codeOf(b.stat({ type: 'config', name: 'config' }))).toBe('not-found');
      await b.create();
      await b.create();
      expect(await names(b, 'keys')).toEqual([]);
      await b.write({ type: 'config', name: 'config' }, Buffer.from('x'));
      expect((await b.stat({ type: 'config', name: 'config' })).size).toBe(1);
    } finally {
      await b.close();
    }
  });

  it('a missing bucket is not-found for stat, read and list', async () => {
    const b = openS3Backend(url(freshBucket('missing'), 'p'), {}, srv.env);
    try {
      const config: Handle = { type: 'config', name: 'config' };
      expect(await codeOf(b.stat(config))).toBe('not-found');
      expect(await codeOf(b.read(config))).toBe('not-found');
      expect(await codeOf(names(b, 'snapshots'))).toBe('not-found');
    } finally {
      await b.close();
    }
  });

  it('an object above the multipart threshold goes up in parts and reads back byte-identical', async () => {
    const sent: string[] = [];
    const b = smallPartBackend(freshBucket('mp'), (inner) => ({
      send: (c) => (sent.push((c as object).constructor.name), inner.send(c)),
    }));
    try {
      await b.create();
      const f = file(12 * MiB + 17);
      await b.write(f.h, f.data);
      expect(sent.filter((n) => n === 'UploadPartCommand')).toHaveLength(3);
      expect(sent).toContain('CompleteMultipartUploadCommand');
      expect((await b.read(f.h)).equals(f.data)).toBe(true);
      expect((await b.read(f.h, 6 * MiB, 100)).equals(f.data.subarray(6 * MiB, 6 * MiB + 100))).toBe(true);
    } finally {
      await b.close();
    }
  });

  it('a part that fails once is retried alone and the object still arrives whole', async () => {
    const parts: number[] = [];
    let broken = false;
    const b = smallPartBackend(freshBucket('retry'), (inner) => ({
      async send(c) {
        const input = (c as { input: { PartNumber?: number } }).input;
        if ((c as object).constructor.name === 'UploadPartCommand') {
          parts.push(input.PartNumber!);
          if (input.PartNumber === 2 && !broken) {
            broken = true;
            throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
          }
        }
        return inner.send(c);
      },
    }));
    try {
      await b.create();
      const f = file(11 * MiB);
      await b.write(f.h, f.data);
      expect(parts.sort()).toEqual([1, 2, 2, 3]);
      expect((await b.read(f.h)).equals(f.data)).toBe(true);
    } finally {
      await b.close();
    }
  });

  it('a multipart upload that fails for good is aborted and leaves no object', async () => {
    const sent: string[] = [];
    const b = smallPartBackend(freshBucket('abort'), (inner) => ({
      async send(c) {
        const name = (c as object).constructor.name;
        sent.push(name);
        if (name === 'UploadPartCommand' && (c as { input: { PartNumber: number } }).input.PartNumber === 3) {
          throw Object.assign(new Error('Access Denied'), {
            name: 'AccessDenied',
            $metadata: { httpStatusCode: 403 },
          });
        }
        return inner.send(c);
      },
    }));
    try {
      await b.create();
      const f = file(11 * MiB);
      expect(await codeOf(b.write(f.h, f.data))).toBe('access-denied');
      expect(sent).toContain('AbortMultipartUploadCommand');
      expect(sent).not.toContain('CompleteMultipartUploadCommand');
      expect(await codeOf(b.stat(f.h))).toBe('not-found');
      expect(await names(b, 'data')).toEqual([]);
    } finally {
      await b.close();
    }
  });

  it('lists more than one page (1000 keys), with ListObjectsV2 and with v1', async () => {
    const bucket = freshBucket('page');
    const b = openS3Backend(url(bucket, 'many'), {}, srv.env);
    const v1 = openS3Backend(url(bucket, 'many'), { 's3.list-objects-v1': 'true' }, srv.env);
    try {
      await b.create();
      const ids = Array.from({ length: 1005 }, (_, i) =>
        createHash('sha256').update(`lock ${i}`).digest('hex'),
      );
      for (let i = 0; i < ids.length; i += 50) {
        await Promise.all(
          ids.slice(i, i + 50).map((name) => b.write({ type: 'locks', name }, Buffer.from(name))),
        );
      }
      expect(await names(b, 'locks')).toEqual([...ids].sort());
      expect(await names(v1, 'locks')).toEqual([...ids].sort());
    } finally {
      await b.close();
      await v1.close();
    }
  });

  it('prefixes isolate repositories in one bucket', async () => {
    const bucket = freshBucket('iso');
    const root = openS3Backend(url(bucket), {}, srv.env);
    const one = openS3Backend(url(bucket, 'one'), {}, srv.env);
    const oneTwo = openS3Backend(url(bucket, 'one-two'), {}, srv.env);
    try {
      await root.create();
      const files = [file(10), file(11), file(12)];
      await root.write(files[0]!.h, files[0]!.data);
      await one.write(files[1]!.h, files[1]!.data);
      await oneTwo.write(files[2]!.h, files[2]!.data);
      await one.write({ type: 'config', name: 'config' }, Buffer.from('c'));
      expect(await names(root, 'data')).toEqual([files[0]!.h.name]);
      expect(await names(one, 'data')).toEqual([files[1]!.h.name]);
      expect(await names(oneTwo, 'data')).toEqual([files[2]!.h.name]);
      expect(await names(root, 'config')).toEqual([]);
      expect(await names(one, 'config')).toEqual(['config']);
      expect(await codeOf(oneTwo.stat({ type: 'config', name: 'config' }))).toBe('not-found');
    } finally {
      await Promise.all([root.close(), one.close(), oneTwo.close()]);
    }
  });

  it('server-side encryption is accepted by the server and the data reads back', async () => {
    const b = openS3Backend(url(freshBucket('sse')), { 's3.sse': 'AES256' }, srv.env);
    try {
      await b.create();
      const f = file(1000);
      await b.write(f.h, f.data);
      expect((await b.read(f.h)).equals(f.data)).toBe(true);
    } finally {
      await b.close();
    }
  });

  it('a server that is not there is unavailable and retryable', async () => {
    const port = await freePort();
    const b = openS3Backend(`s3:http://127.0.0.1:${port}/nobody-here`, {}, srv.env);
    try {
      const err = await b.stat({ type: 'config', name: 'config' }).catch((e: unknown) => e);
      expect(isCairnError(err, 'unavailable') && err.retryable).toBe(true);
      expect((err as Error).message).toMatch(
        /Cannot reach the S3 server http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/,
      );
    } finally {
      await b.close();
    }
  });

  it('moves a 64 MiB pack up and down (throughput is logged)', async () => {
    const b = openS3Backend(url(freshBucket('speed')), {}, srv.env);
    try {
      await b.create();
      const f = file(64 * MiB);
      let t = performance.now();
      await b.write(f.h, f.data);
      const up = 64 / ((performance.now() - t) / 1000);
      t = performance.now();
      const back = await b.read(f.h);
      const down = 64 / ((performance.now() - t) / 1000);
      expect(back.equals(f.data)).toBe(true);
      console.log(
        `s3rver 64 MiB: upload ${up.toFixed(0)} MiB/s (multipart), download ${down.toFixed(0)} MiB/s`,
      );
    } finally {
      await b.close();
    }
  });
});
