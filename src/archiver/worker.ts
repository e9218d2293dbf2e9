/**
 * Worker-thread entry: compresses and seals blobs, and reads + hashes + seals whole small files, for the archiver.
 * Loaded from the compiled dist/archiver/worker.js (plain module, no TypeScript loader needed). The key arrives once
 * in workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { keyFromBytes } from '../crypto/index.js';
import type { CompressionMode } from '../compress/index.js';
import { sealRequest, type SealParams, type SealRequest } from './seal-blob.js';
import { readFiles, type ReadFilesRequest } from './small-files.js';

interface WorkerInit {
  keyBytes: Uint8Array;
  compression: CompressionMode;
}

const init = workerData as WorkerInit;
const params: SealParams = { key: keyFromBytes(Buffer.from(init.keyBytes)), compression: init.compression };

parentPort?.on('message', (req: SealRequest | ReadFilesRequest) => {
  try {
    const res = 'kind' in req ? readFiles(params, req) : sealRequest(params, req);
    parentPort?.postMessage(res, res.out ? [res.out] : []);
  } catch (err) {
    parentPort?.postMessage({ job: req.job, error: err instanceof Error ? err.message : String(err) });
  }
});
