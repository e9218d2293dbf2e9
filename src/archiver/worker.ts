/**
 * Worker-thread entry: compresses and seals blobs, cuts and hashes the chunks of large files and streams, and reads + hashes + seals whole small files, for the archiver.
 * Loaded from the compiled dist/archiver/worker.js (plain module, no TypeScript loader needed). The blob codec (with
 * the master key) arrives once in workerData.
 */
import { workerData } from 'node:worker_threads';
import { BlobCodec, type BlobCodecData } from '../repository/codec/index.js';
import { serveWorkerJobs } from '../util/index.js';
import { sealRequest, type SealRequest, type SealResponse } from './seal-blob.js';
import { readFiles, type ReadFilesRequest, type ReadFilesResponse } from './small-files.js';
import { chunkRequest, type ChunkRequest, type ChunkResponse } from './chunk-job.js';

const codec = BlobCodec.fromWorkerData(workerData as BlobCodecData);

serveWorkerJobs<SealRequest | ReadFilesRequest | ChunkRequest, SealResponse | ReadFilesResponse | ChunkResponse>((req) => {
  const res = !('kind' in req) ? sealRequest(codec, req) : req.kind === 'read' ? readFiles(codec, req) : chunkRequest(req);
  return { body: res, transfer: 'out' in res && res.out ? [res.out] : [] };
});
