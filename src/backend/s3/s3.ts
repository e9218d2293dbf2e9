import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import type { BucketLocationConstraint, PutObjectCommandInput, S3ClientConfig } from '@aws-sdk/client-s3';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { FileType } from '../../core/index.js';
import { CairnError, isCairnError } from '../../core/index.js';
import type { Backend, FileInfo, Handle } from '../backend.js';
import { s3Error, truncatedBody } from './errors.js';
import { tlsAgentOptions, type TlsSettings } from '../tls.js';
import { listKeys } from './list.js';
import type { Env, S3Config } from './location.js';
import type { OpenUpload, S3Sender } from './multipart.js';
import { abortUpload, md5Base64, uploadMultipart } from './multipart.js';

const NAME = /^[0-9a-f]{64}$/;

/** Builds the SDK client: explicit credentials from `env` when given, else the SDK's default chain; `tls` from the global flags. */
export function makeS3Client(config: S3Config, env: Env, tls?: TlsSettings): S3Client {
  const maxSockets = Math.max(8, config.connections * config.partConcurrency);
  const settings: S3ClientConfig = {
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    followRegionRedirects: true,
    // Checksums only where S3 requires them: the default (aws-chunked trailers) corrupts uploads on some
    // S3-compatible servers, s3rver among them. Content-MD5 protects the bodies instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // One try: the retry wrapper retries with backoff, and two retry layers would multiply the waiting.
    maxAttempts: 1,
    requestHandler: {
      connectionTimeout: 15_000,
      socketTimeout: 120_000,
      httpAgent: new http.Agent({ keepAlive: true, maxSockets }),
      httpsAgent: new https.Agent({ keepAlive: true, maxSockets, ...tlsAgentOptions(tls) }),
    },
  };
  if (config.endpoint !== undefined) settings.endpoint = config.endpoint;
  const keyId = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  if (keyId && secret) {
    const token = env.AWS_SESSION_TOKEN;
    settings.credentials = {
      accessKeyId: keyId,
      secretAccessKey: secret,
      ...(token ? { sessionToken: token } : {}),
    };
  } else if (env.AWS_PROFILE) {
    settings.profile = env.AWS_PROFILE;
  }
  return new S3Client(settings);
}

/**
 * A repository in an S3 bucket, under an optional prefix, with restic's object names (`config`, `keys/<id>`,
 * `data/<id[0:2]>/<id>`…), so restic reads the same bucket. Small objects go up as one PUT with Content-MD5, large
 * ones as multipart uploads with per-part retries (see multipart.ts). S3 makes an object visible only when its
 * upload completed, which gives the contract's atomic writes for free.
 */
export class S3Backend implements Backend {
  readonly location: string;
  /** The `-o s3.connections` value: the registry's concurrency limit for this backend. */
  readonly connections: number;
  private readonly openUploads = new Set<OpenUpload>();
  private readonly server: string;
  private readonly root: string;

  constructor(
    private readonly config: S3Config,
    private readonly client: S3Sender & { destroy?: () => void },
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    this.location = config.location;
    this.connections = config.connections;
    this.server = config.endpoint ?? `s3.${config.region}.amazonaws.com`;
    this.root = config.prefix === '' ? '' : `${config.prefix}/`;
  }

  /** The object key of a handle: restic's default layout below the prefix. */
  keyOf(h: Handle): string {
    if (h.type === 'config') return `${this.root}config`;
    if (h.type === 'data') return `${this.root}data/${h.name.slice(0, 2)}/${h.name}`;
    return `${this.root}${h.type}/${h.name}`;
  }

  private describe(h: Handle): string {
    return h.type === 'config' ? `${this.location}/config` : `${this.location}/${h.type}/${h.name}`;
  }

  private async send<T>(command: unknown, what: string): Promise<T> {
    try {
      return (await this.client.send(command)) as T;
    } catch (err) {
      throw s3Error(err, what, this.server);
    }
  }

  async create(): Promise<void> {
    const Bucket = this.config.bucket;
    const what = `bucket ${Bucket}`;
    try {
      await this.send(new HeadBucketCommand({ Bucket }), what);
      return;
    } catch (err) {
      // Keys limited to objects may not look at the bucket itself; restic then assumes it exists, and so do we.
      if (isCairnError(err, 'access-denied')) return;
      if (!isCairnError(err, 'not-found')) throw err;
    }
    // us-east-1 is the one region that refuses an explicit location constraint.
    const region = this.config.region;
    const constraint = region as BucketLocationConstraint;
    const where =
      region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: constraint } };
    try {
      await this.client.send(new CreateBucketCommand({ Bucket, ...where }));
    } catch (err) {
      const name = (err as { name?: string }).name;
      if (name === 'BucketAlreadyOwnedByYou') return; // created concurrently by another client
      if (name === 'BucketAlreadyExists') {
        throw new CairnError('access-denied', `The bucket name ${Bucket} is taken by another S3 account.`, {
          cause: err,
        });
      }
      throw s3Error(err, what, this.server);
    }
  }

  async *list(type: FileType): AsyncIterable<FileInfo> {
    const base = type === 'config' ? this.root : `${this.root}${type}/`;
    const prefix = type === 'config' ? `${this.root}config` : base;
    const listing = listKeys(this.client, this.config, prefix, type !== 'data');
    try {
      for await (const { key, size } of listing) {
        const rel = key.slice(base.length);
        if (type === 'config') {
          if (rel === 'config') yield { name: 'config', size };
          continue;
        }
        const name = type === 'data' ? dataName(rel) : rel;
        if (name !== undefined && NAME.test(name)) yield { name, size };
      }
    } catch (err) {
      throw s3Error(err, `${this.location}/${type}`, this.server);
    }
  }

  async stat(h: Handle): Promise<FileInfo> {
    const out = await this.send<{ ContentLength?: number }>(
      new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(h) }),
      this.describe(h),
    );
    return { name: h.name, size: out.ContentLength ?? 0 };
  }

  async read(h: Handle, offset = 0, length?: number): Promise<Buffer> {
    const what = this.describe(h);
    if (offset < 0 || (length !== undefined && length < 0)) {
      throw new CairnError('fatal', `Range ${offset}+${length} of ${what} is negative.`);
    }
    if (length === 0) return this.emptyRead(h, offset);
    const range =
      length !== undefined
        ? `bytes=${offset}-${offset + length - 1}`
        : offset > 0
          ? `bytes=${offset}-`
          : undefined;
    let out: { Body?: unknown; ContentLength?: number; ContentRange?: string };
    try {
      out = await this.send(
        new GetObjectCommand({
          Bucket: this.config.bucket,
          Key: this.keyOf(h),
          ...(range ? { Range: range } : {}),
        }),
        what,
      );
    } catch (err) {
      // `bytes=size-` is a 416 although the contract allows reading zero bytes at the very end.
      if (length === undefined && isCairnError(err, 'fatal') && /range/i.test(err.message)) {
        return this.emptyRead(h, offset);
      }
      throw err;
    }
    const total = totalOf(out.ContentRange);
    if (length !== undefined && total !== undefined && offset + length > total) {
      destroyBody(out.Body);
      throw new CairnError(
        'fatal',
        `Range ${offset}-${offset + length} is outside ${what} (${total} bytes).`,
      );
    }
    const want = length ?? out.ContentLength;
    if (want === undefined) throw new CairnError('fatal', `S3 sent ${what} without a Content-Length.`);
    return readBody(out.Body, want, what, this.server);
  }

  /** A read of zero bytes: S3 has no empty range, so check that the object exists and is long enough. */
  private async emptyRead(h: Handle, offset: number): Promise<Buffer> {
    const { size } = await this.stat(h);
    if (offset > size)
      throw new CairnError('fatal', `Offset ${offset} is outside ${this.describe(h)} (${size} bytes).`);
    return Buffer.alloc(0);
  }

  async write(h: Handle, data: Uint8Array): Promise<void> {
    const put = this.putInput(h);
    if (data.length >= this.config.multipartThreshold) {
      const opts = {
        partSize: this.config.partSize,
        concurrency: this.config.partConcurrency,
        attempts: this.config.partAttempts,
        sleep: this.sleep,
        random: Math.random,
      };
      await uploadMultipart(this.client, put, data, opts, this.openUploads, this.server);
      return;
    }
    const body = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.send(
      new PutObjectCommand({ ...put, Body: body, ContentLength: body.length, ContentMD5: md5Base64(body) }),
      this.describe(h),
    );
  }

  /** Bucket, key, server-side encryption and, for packs only (as restic), the storage class. */
  putInput(h: Handle): PutObjectCommandInput & { Bucket: string; Key: string } {
    const c = this.config;
    return {
      Bucket: c.bucket,
      Key: this.keyOf(h),
      ContentType: 'application/octet-stream',
      ...(c.storageClass !== undefined && h.type === 'data'
        ? { StorageClass: c.storageClass as 'STANDARD' }
        : {}),
      ...(c.sse !== undefined ? { ServerSideEncryption: c.sse } : {}),
      ...(c.sseKmsKeyId !== undefined ? { SSEKMSKeyId: c.sseKmsKeyId } : {}),
    };
  }

  /** S3 deletes missing keys silently; the contract wants not-found, so look first (one HEAD per remove). */
  async remove(h: Handle): Promise<void> {
    await this.stat(h);
    await this.send(
      new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.keyOf(h) }),
      this.describe(h),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.openUploads].map((u) => abortUpload(this.client, u)));
    this.openUploads.clear();
    this.client.destroy?.();
  }
}

/** `XX/<id>` below `data/` → `<id>` when XX is the id's first two characters, else undefined. */
function dataName(rel: string): string | undefined {
  const m = /^([0-9a-f]{2})\/([0-9a-f]{64})$/.exec(rel);
  return m && m[2]!.startsWith(m[1]!) ? m[2] : undefined;
}

/** The object size from `Content-Range: bytes a-b/size`. */
function totalOf(contentRange: string | undefined): number | undefined {
  const m = /\/(\d+)\s*$/.exec(contentRange ?? '');
  return m ? Number(m[1]) : undefined;
}

function destroyBody(body: unknown): void {
  (body as Partial<Readable> | undefined)?.destroy?.();
}

/** Reads a response body into one buffer of exactly `want` bytes; fewer or more is an error. */
async function readBody(body: unknown, want: number, what: string, server: string): Promise<Buffer> {
  const out = Buffer.allocUnsafe(want);
  let got = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      if (got + chunk.length > want) {
        destroyBody(body);
        throw new CairnError('fatal', `S3 sent more than the ${want} bytes asked for of ${what}.`);
      }
      chunk.copy(out, got);
      got += chunk.length;
    }
  } catch (err) {
    throw s3Error(err, what, server);
  }
  if (got !== want) throw truncatedBody(what, got, want);
  return out;
}
