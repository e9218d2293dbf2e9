/**
 * Request bodies streamed into a temporary file with a bound, hashed on the way: memory does not grow with the size
 * of an upload, and a client that goes silent is cut off by the server's idle timeout.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CairnError } from '../core/index.js';
import { HttpError } from './errors.js';
import { storeError } from './store.js';

export interface Received {
  size: number;
  /** Hex sha256 of the body. */
  sha256: string;
}

/** The request body, read on demand (once). */
export interface Upload {
  /** The Content-Length the client declared, if any. */
  readonly declaredLength: number | undefined;
  /**
   * Streams the body into the new file `file` (synced before it resolves). More than `limit` bytes is a 413;
   * `onChunk` may refuse a chunk by throwing (the quota of a body without Content-Length). The caller removes
   * `file` if this rejects.
   */
  receive(file: string, limit: number, onChunk?: (bytes: number) => void): Promise<Received>;
  /**
   * Reads and drops a bounded body so that the client sees the refusal instead of a reset connection; does
   * nothing if the client still waits for `100 Continue` (it then never sends the body).
   */
  discard(): Promise<void>;
}

function declaredLength(req: IncomingMessage): number | undefined {
  const h = req.headers['content-length'];
  if (h === undefined || !/^\d+$/.test(h)) return undefined;
  return Number(h);
}

/** `onStart` runs before the first byte is asked for (it answers `Expect: 100-continue`). */
export function uploadOf(req: IncomingMessage, onStart: () => void = () => undefined): Upload {
  let used = false;
  const awaitsContinue = /100-continue/i.test(String(req.headers.expect ?? ''));
  return {
    async discard() {
      if (used || awaitsContinue) return;
      used = true;
      await new Promise<void>((resolve) => {
        req
          .on('end', resolve)
          .on('error', () => resolve())
          .on('close', resolve);
        req.resume();
      });
    },
    declaredLength: declaredLength(req),
    async receive(file, limit, onChunk) {
      if (used) throw new CairnError('fatal', 'The request body was already read.');
      used = true;
      const hash = createHash('sha256');
      let size = 0;
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > limit) return done(new HttpError(413, 'The upload is larger than allowed.'));
          try {
            onChunk?.(chunk.length);
          } catch (err) {
            return done(err as Error);
          }
          hash.update(chunk);
          done(null, chunk);
        },
      });
      try {
        await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
      } catch (err) {
        throw storeError(err, 'the upload folder');
      }
      onStart();
      try {
        await pipeline(req, meter, createWriteStream(file, { flags: 'wx', mode: 0o600, flush: true }));
      } catch (err) {
        if (err instanceof HttpError || err instanceof CairnError) throw err;
        if (req.readableAborted || req.destroyed) {
          throw new CairnError('interrupted', 'The client closed the connection during the upload.', {
            cause: err,
          });
        }
        throw storeError(err, 'the upload');
      }
      return { size, sha256: hash.digest('hex') };
    },
  };
}
