import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isCairnError } from '../../core/index.js';
import type { Handle } from '../backend.js';
import { parseS3Location } from './location.js';
import type { S3Config } from './location.js';
import { S3Backend } from './s3.js';

const ID = 'ab'.padEnd(64, '0');
const pack: Handle = { type: 'data', name: ID };

interface Sent {
  name: string;
  input: Record<string, unknown>;
}

/** A client stub: records every command and answers with `reply` (which may throw). */
function stub(
  reply: (s: Sent) => unknown,
  options: Record<string, string> = {},
  tweak: Partial<S3Config> = {},
) {
  const sent: Sent[] = [];
  const config = { ...parseS3Location('s3:http://127.0.0.1:1/bkt/pre/fix', options, {}), ...tweak };
  const client = {
    async send(c: unknown) {
      const s = {
        name: (c as object).constructor.name,
        input: (c as { input: Record<string, unknown> }).input,
      };
      sent.push(s);
      return reply(s);
    },
  };
  return { backend: new S3Backend(config, client, async () => {}), sent };
}

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected an error');
    },
    (e: unknown) => e,
  );
}

describe('S3Backend (stubbed client)', () => {
  it("uses restic's object names below the prefix", () => {
    const { backend } = stub(() => ({}));
    expect(backend.keyOf({ type: 'config', name: 'config' })).toBe('pre/fix/config');
    expect(backend.keyOf(pack)).toBe(`pre/fix/data/ab/${ID}`);
    expect(backend.keyOf({ type: 'keys', name: ID })).toBe(`pre/fix/keys/${ID}`);
  });

  it('puts with exact Content-Length and Content-MD5, SSE on every object, storage class on packs only', async () => {
    const opts = { 's3.sse': 'aws:kms', 's3.sse-kms-key-id': 'key-1', 's3.storage-class': 'STANDARD_IA' };
    const { backend, sent } = stub(() => ({}), opts);
    await backend.write(pack, Buffer.from('hello'));
    await backend.write({ type: 'index', name: ID }, Buffer.from('hi'));
    expect(sent[0]!.input).toMatchObject({
      Bucket: 'bkt',
      Key: `pre/fix/data/ab/${ID}`,
      ContentLength: 5,
      ContentMD5: 'XUFAKrxLKna5cZ2REBfFkg==',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'key-1',
      StorageClass: 'STANDARD_IA',
    });
    expect(sent[1]!.input.ServerSideEncryption).toBe('aws:kms');
    expect(sent[1]!.input.StorageClass).toBeUndefined();
  });

  it('a body shorter than asked for is a retryable error', async () => {
    const { backend } = stub(() => ({
      Body: Readable.from([Buffer.alloc(60)]),
      ContentRange: 'bytes 0-99/1000',
    }));
    const err = await errorOf(backend.read(pack, 0, 100));
    expect(isCairnError(err, 'unavailable') && err.retryable).toBe(true);
  });

  it('a range past the end is a permanent error, not a short read', async () => {
    const { backend, sent } = stub(() => ({
      Body: Readable.from([Buffer.alloc(50)]),
      ContentRange: 'bytes 50-99/100',
    }));
    const err = await errorOf(backend.read(pack, 50, 51));
    expect(isCairnError(err, 'fatal') && !err.retryable).toBe(true);
    expect(sent[0]!.input.Range).toBe('bytes=50-100');
  });

  it('reads a range exactly and the whole object without a Range header', async () => {
    const { backend, sent } = stub((s) =>
      s.input.Range
        ? { Body: Readable.from([Buffer.from('ell')]), ContentRange: 'bytes 1-3/5' }
        : {
            Body: Readable.from([Buffer.from('he'), Buffer.from('llo')]),
            ContentLength: 5,
          },
    );
    expect((await backend.read(pack, 1, 3)).toString()).toBe('ell');
    expect((await backend.read(pack)).toString()).toBe('hello');
    expect(sent.map((s) => s.input.Range)).toEqual(['bytes=1-3', undefined]);
  });

  it('removing a missing object is not-found and sends no delete', async () => {
    const { backend, sent } = stub(() => {
      throw Object.assign(new Error('NotFound'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
    });
    expect(isCairnError(await errorOf(backend.remove(pack)), 'not-found')).toBe(true);
    expect(sent.map((s) => s.name)).toEqual(['HeadObjectCommand']);
  });

  it('create() makes the bucket with a location constraint outside us-east-1', async () => {
    const { backend, sent } = stub(
      (s) => {
        if (s.name === 'HeadBucketCommand') {
          throw Object.assign(new Error('x'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
        }
        return {};
      },
      { 's3.region': 'eu-west-1' },
    );
    await backend.create();
    expect(sent[1]).toEqual({
      name: 'CreateBucketCommand',
      input: { Bucket: 'bkt', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } },
    });
  });

  it('close() aborts multipart uploads still open (an interrupted upload leaves nothing behind)', async () => {
    let release: () => void = () => {};
    const hang = new Promise<void>((r) => (release = r));
    const { backend, sent } = stub(
      async (s) => {
        if (s.name === 'CreateMultipartUploadCommand') return { UploadId: 'u1' };
        if (s.name === 'UploadPartCommand') {
          await hang;
          throw Object.assign(new Error('gone'), {
            name: 'NoSuchUpload',
            $metadata: { httpStatusCode: 404 },
          });
        }
        return {};
      },
      {},
      { multipartThreshold: 10, partSize: 5 * 1024 * 1024 },
    );
    const writing = errorOf(backend.write(pack, Buffer.alloc(100)));
    await new Promise((r) => setTimeout(r, 10));
    await backend.close();
    release();
    await writing;
    const aborts = sent.filter((s) => s.name === 'AbortMultipartUploadCommand');
    expect(aborts[0]!.input).toEqual({ Bucket: 'bkt', Key: `pre/fix/data/ab/${ID}`, UploadId: 'u1' });
    expect(sent.map((s) => s.name)).not.toContain('CompleteMultipartUploadCommand');
  });
});
