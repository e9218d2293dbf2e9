/**
 * Worker-thread entry: compresses and seals blobs, and reads + hashes + seals whole small files, for the archiver.
 * Loaded from the compiled dist/archiver/worker.js (plain module, no TypeScript loader needed). The blob codec (with
 * the master key) arrives once in workerData.
 */
import { workerData } from 'node:worker_threads';
import { BlobCodec, type BlobCodecData } from '../repository/codec/index.js';
import { serveWorkerJobs } from '../util/index.js';
import { sealRequest, type SealRequest, type SealResponse } from './seal-blob.js';
import { readFiles, type ReadFilesRequest, type ReadFilesResponse } from './small-files.js';

const codec = BlobCodec.fromWorkerData(workerData as BlobCodecData);

serveWorkerJobs<SealRequest | ReadFilesRequest, SealResponse | ReadFilesResponse>((req) => {
  const res = 'kind' in req ? readFiles(codec, req) : sealRequest(codec, req);
  return { body: res, transfer: res.out ? [res.out] : [] };
});
