/**
 * Plain files in a bucket (the daemon's archives), streamed: the body is cut into parts as it arrives, so memory
 * stays at a few parts whatever the file's size. A body smaller than one part goes up as one PUT. S3 shows the object
 * only when the PUT or CompleteMultipartUpload succeeded; a failure or an abort aborts the upload, so a half-written
 * object never appears under the name.
 */
import type { CompletedPart } from '@aws-sdk/client-s3';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import type { FileInfo, ObjectStore } from '../backend.js';
import { s3Error } from './errors.js';
import { listKeys } from './list.js';
import type { S3Config } from './location.js';
import type { MultipartOptions, OpenUpload, S3Sender } from './multipart.js';
import { abortUpload, md5Base64, uploadPart } from './multipart.js';

export class S3ObjectStore implements ObjectStore {
  readonly location: string;
  private readonly root: string;
  private readonly server: string;
  private readonly opts: MultipartOptions;

  constructor(
    private readonly config: S3Config,
    private readonly client: S3Sender & { destroy?: () => void },
  ) {
    this.location = config.location;
    this.root = config.prefix === '' ? '' : `${config.prefix}/`;
    this.server = config.endpoint ?? `s3.${config.region}.amazonaws.com`;
    this.opts = {
      partSize: config.partSize,
      concurrency: config.partConcurrency,
      attempts: config.partAttempts,
      sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
      random: Math.random,
    };
  }

  async put(name: string, body: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<number> {
    const c = this.config;
    const input = {
      Bucket: c.bucket,
      Key: this.root + name,
      ContentType: 'application/octet-stream',
      ...(c.storageClass !== undefined ? { StorageClass: c.storageClass as 'STANDARD' } : {}),
      ...(c.sse !== undefined ? { ServerSideEncryption: c.sse } : {}),
      ...(c.sseKmsKeyId !== undefined ? { SSEKMSKeyId: c.sseKmsKeyId } : {}),
    };
    const what = `${this.location}/${name}`;
    let upload: OpenUpload | undefined;
    const parts: CompletedPart[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: Error | undefined;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    const send = async (data: Buffer): Promise<void> => {
      if (upload === undefined) {
        const out = (await this.client.send(new CreateMultipartUploadCommand(input))) as {
          UploadId?: string;
        };
        if (!out.UploadId) throw new Error('CreateMultipartUpload returned no UploadId');
        upload = { Bucket: input.Bucket, Key: input.Key, UploadId: out.UploadId };
      }
      const number = parts.length + 1;
      parts.push({ PartNumber: number });
      const u = upload;
      const p = uploadPart(this.client, u, number, data, this.opts, this.server).then(
        (ETag) => void (parts[number - 1] = { PartNumber: number, ETag }),
        (err: unknown) => void (failure ??= err instanceof Error ? err : new Error(String(err))),
      );
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      // Memory stays bounded: at most `concurrency` parts travel while the next one fills.
      if (inFlight.size >= this.opts.concurrency) await Promise.race(inFlight);
    };
    try {
      for await (const chunk of body) {
        signal.throwIfAborted();
        if (failure !== undefined) throw failure;
        pending.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
        pendingBytes += chunk.byteLength;
        total += chunk.byteLength;
        while (pendingBytes >= this.opts.partSize) {
          const all = Buffer.concat(pending);
          await send(all.subarray(0, this.opts.partSize));
          const rest = all.subarray(this.opts.partSize);
          pending = rest.length > 0 ? [rest] : [];
          pendingBytes = rest.length;
        }
      }
      signal.throwIfAborted();
      const last = Buffer.concat(pending);
      if (upload === undefined) {
        await this.client.send(
          new PutObjectCommand({
            ...input,
            Body: last,
            ContentLength: last.length,
            ContentMD5: md5Base64(last),
          }),
        );
        return total;
      }
      if (last.length > 0) await send(last);
      await Promise.all(inFlight);
      if (failure !== undefined) throw failure;
      signal.throwIfAborted();
      await this.client.send(
        new CompleteMultipartUploadCommand({ ...upload, MultipartUpload: { Parts: parts } }),
      );
      return total;
    } catch (err) {
      await Promise.allSettled(inFlight);
      if (upload !== undefined) await abortUpload(this.client, upload);
      if (signal.aborted) throw signal.reason;
      throw s3Error(err, what, this.server);
    }
  }

  async *list(): AsyncIterable<FileInfo> {
    try {
      for await (const { key, size } of listKeys(this.client, this.config, this.root, true))
        yield { name: key.slice(this.root.length), size };
    } catch (err) {
      throw s3Error(err, this.location, this.server);
    }
  }

  async remove(name: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.config.bucket, Key: this.root + name }));
    } catch (err) {
      throw s3Error(err, `${this.location}/${name}`, this.server);
    }
  }

  close(): Promise<void> {
    this.client.destroy?.();
    return Promise.resolve();
  }
}
