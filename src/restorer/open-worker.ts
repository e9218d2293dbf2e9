/**
 * Worker-thread entry for restores: opens (decrypt, decompress, verify) the blobs of pack reads. Loaded from the
 * compiled dist/restorer/open-worker.js; the master key arrives once in workerData.
 */
import { workerData } from 'node:worker_threads';
import { keyFromBytes } from '../crypto/index.js';
import { serveWorkerJobs } from '../util/index.js';
import { openSlices, responseTransfers, type OpenRequest, type OpenResponse } from './blob-opener.js';

const key = keyFromBytes(Buffer.from((workerData as { keyBytes: Uint8Array }).keyBytes));

serveWorkerJobs<OpenRequest, OpenResponse>((req) => {
  const body = openSlices(key, req);
  return { body, transfer: responseTransfers(body) };
});
