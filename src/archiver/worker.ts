/**
 * Worker-thread entry: compresses and seals blobs, and reads + hashes + seals whole small files, for the archiver.
 * Loaded from the compiled dist/archiver/worker.js (plain module, no TypeScript loader needed). The blob codec (with
 * the master key) arrives once in workerData.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { BlobCodec, type BlobCodecData } from '../repository/codec/index.js';
import { sealRequest, type SealRequest } from './seal-blob.js';
import { readFiles, type ReadFilesRequest } from './small-files.js';

const codec = BlobCodec.fromWorkerData(workerData as BlobCodecData);

parentPort?.on('message', (req: SealRequest | ReadFilesRequest) => {
  try {
    const res = 'kind' in req ? readFiles(codec, req) : sealRequest(codec, req);
    parentPort?.postMessage(res, res.out ? [res.out] : []);
  } catch (err) {
    parentPort?.postMessage({ job: req.job, error: err instanceof Error ? err.message : String(err) });
  }
});
