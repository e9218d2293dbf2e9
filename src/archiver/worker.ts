/**
 * Worker-thread entry: compresses and seals blobs, and reads + hashes + seals whole small files, for the archiver.
 * Loaded from the compiled dist/archiver/worker.js (plain module, no TypeScript loader needed). The key arrives once
 * in workerData.
 */
import { workerData } from 'node:worker_threads';
import { keyFromBytes } from '../crypto/index.js';
import type { CompressionMode } from '../compress/index.js';
import { serveWorkerJobs } from '../util/index.js';
import { sealRequest, type SealParams, type SealRequest, type SealResponse } from './seal-blob.js';
import { readFiles, type ReadFilesRequest, type ReadFilesResponse } from './small-files.js';

interface WorkerInit {
  keyBytes: Uint8Array;
  compression: CompressionMode;
}

const init = workerData as WorkerInit;
const params: SealParams = { key: keyFromBytes(Buffer.from(init.keyBytes)), compression: init.compression };

serveWorkerJobs<SealRequest | ReadFilesRequest, SealResponse | ReadFilesResponse>((req) => {
  const res = 'kind' in req ? readFiles(params, req) : sealRequest(params, req);
  return { body: res, transfer: res.out ? [res.out] : [] };
});
