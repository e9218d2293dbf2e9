/** Request bodies into memory with a bound: the Backend writes whole files, and packs are at most ~128 MiB. */
import type { IncomingMessage } from 'node:http';
import { CairnError } from '../core/index.js';
import type { Upload } from './handlers.js';

function declaredLength(req: IncomingMessage): number | undefined {
  const h = req.headers['content-length'];
  if (h === undefined || !/^\d+$/.test(h)) return undefined;
  return Number(h);
}

/**
 * Reads at most `limit` bytes. Past the limit it stops reading (the stream stays paused; the reply closes the
 * connection) and resolves undefined. A client that goes away rejects.
 */
function readBody(
  req: IncomingMessage,
  limit: number,
  declared: number | undefined,
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    // With a declared length one buffer is filled in place: no second copy of a 128 MiB pack.
    const whole = declared !== undefined && declared <= limit ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Buffer | undefined | CairnError): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
      if (result instanceof CairnError) reject(result);
      else resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      if (size + chunk.length > limit || (whole && size + chunk.length > whole.length)) {
        req.pause();
        done(undefined);
        return;
      }
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    };
    const onEnd = (): void => {
      if (whole)
        done(
          size === whole.length
            ? whole
            : new CairnError('invalid-argument', 'The request body is shorter than its Content-Length.'),
        );
      else done(Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void =>
      done(new CairnError('interrupted', 'The upload failed while it was received.', { cause: err }));
    const onAborted = (): void =>
      done(new CairnError('interrupted', 'The client closed the connection during the upload.'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

export function uploadOf(req: IncomingMessage): Upload {
  const declared = declaredLength(req);
  let used = false;
  return {
    declaredLength: declared,
    read: (limit) => {
      // The stream can be consumed once; a second read (never done by the handlers) would hang.
      if (used) return Promise.reject(new CairnError('fatal', 'The request body was already read.'));
      used = true;
      return readBody(req, limit, declared);
    },
  };
}
