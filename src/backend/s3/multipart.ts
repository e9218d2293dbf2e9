import { createHash } from 'node:crypto';
import type { CompletedPart, CreateMultipartUploadCommandInput } from '@aws-sdk/client-s3';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import type { CairnError } from '../../core/index.js';
import { s3Error } from './errors.js';

/** The one method of S3Client the backend uses, so tests can hand in a stub. */
export interface S3Sender {
  send(command: unknown): Promise<unknown>;
}

export interface MultipartOptions {
  partSize: number;
  /** Parts in flight at once. */
  concurrency: number;
  /** Tries per part, the first included. */
  attempts: number;
  /** Waiting between tries of a part; injected so tests run without delays. */
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/** An upload that was started and not yet completed or aborted: what `close()` must clean up. */
export interface OpenUpload {
  Bucket: string;
  Key: string;
  UploadId: string;
}

/** S3 allows at most this many parts per upload. */
const MAX_PARTS = 10_000;
const PART_BACKOFF_MS = 250;
const PART_BACKOFF_CAP_MS = 8_000;

export function md5Base64(data: Uint8Array): string {
  return createHash('md5').update(data).digest('base64');
}

/**
 * Uploads `data` in parts. Each part is retried on its own with backoff, so one broken connection costs one part,
 * not the whole object. S3 shows the object only after CompleteMultipartUpload, so a failure never leaves a partial
 * object visible; on failure the upload is aborted so its parts do not linger (and cost) on the server.
 */
export async function uploadMultipart(
  client: S3Sender,
  create: CreateMultipartUploadCommandInput & { Bucket: string; Key: string },
  data: Uint8Array,
  opts: MultipartOptions,
  open: Set<OpenUpload>,
  server: string,
): Promise<void> {
  const what = create.Key;
  let uploadId: string | undefined;
  try {
    const started = (await client.send(new CreateMultipartUploadCommand(create))) as { UploadId?: string };
    uploadId = started.UploadId;
  } catch (err) {
    throw s3Error(err, what, server);
  }
  if (!uploadId) throw s3Error(new Error('CreateMultipartUpload returned no UploadId'), what, server);
  const upload: OpenUpload = { Bucket: create.Bucket, Key: create.Key, UploadId: uploadId };
  open.add(upload);
  try {
    const parts = await uploadParts(client, upload, data, opts, server);
    await client.send(new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: parts } }));
  } catch (err) {
    await abortUpload(client, upload);
    throw s3Error(err, what, server);
  } finally {
    open.delete(upload);
  }
}

/** Best effort: an abort that fails leaves invisible parts that a bucket lifecycle rule removes. */
export async function abortUpload(client: S3Sender, upload: OpenUpload): Promise<void> {
  try {
    await client.send(new AbortMultipartUploadCommand(upload));
  } catch {
    // Nothing more to do: the object was never visible, and the original error is what the caller needs to see.
  }
}

async function uploadParts(
  client: S3Sender,
  upload: OpenUpload,
  data: Uint8Array,
  opts: MultipartOptions,
  server: string,
): Promise<CompletedPart[]> {
  const partSize = Math.max(opts.partSize, Math.ceil(data.length / MAX_PARTS));
  const count = Math.max(1, Math.ceil(data.length / partSize));
  const parts: CompletedPart[] = new Array<CompletedPart>(count);
  let next = 0;
  let failure: CairnError | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < count) {
      const index = next++;
      const body = data.subarray(index * partSize, Math.min(data.length, (index + 1) * partSize));
      try {
        const ETag = await uploadPart(client, upload, index + 1, body, opts, server);
        parts[index] = { PartNumber: index + 1, ETag };
      } catch (err) {
        failure ??= s3Error(err, `part ${index + 1} of ${upload.Key}`, server);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, count) }, worker));
  if (failure !== undefined) throw failure;
  return parts;
}

export async function uploadPart(
  client: S3Sender,
  upload: OpenUpload,
  partNumber: number,
  body: Uint8Array,
  opts: MultipartOptions,
  server: string,
): Promise<string> {
  const md5 = md5Base64(body);
  for (let attempt = 1; ; attempt++) {
    try {
      const out = (await client.send(
        new UploadPartCommand({
          ...upload,
          PartNumber: partNumber,
          Body: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
          ContentLength: body.byteLength,
          ContentMD5: md5,
        }),
      )) as { ETag?: string };
      if (!out.ETag) throw new Error(`UploadPart ${partNumber} returned no ETag`);
      return out.ETag;
    } catch (err) {
      const mapped = s3Error(err, `part ${partNumber} of ${upload.Key}`, server);
      if (!mapped.retryable || attempt >= opts.attempts) throw mapped;
      const ceiling = Math.min(PART_BACKOFF_CAP_MS, PART_BACKOFF_MS * 2 ** (attempt - 1));
      await opts.sleep(opts.random() * ceiling);
    }
  }
}
