/**
 * Worker-thread entry for `check --read-data`: opens (decrypt, decompress, verify) the blobs of pack segments.
 * Loaded from the compiled dist/maintenance/verify-pack-worker.js; the blob codec (with the master key) arrives once
 * in workerData.
 */
import { workerData } from 'node:worker_threads';
import { BlobCodec, type BlobCodecData } from '../repository/index.js';
import { serveWorkerJobs } from '../util/index.js';
import { openSegmentBlobs, type OpenErrors, type OpenRequest } from './pack-verifier.js';

const codec = BlobCodec.fromWorkerData(workerData as BlobCodecData);

serveWorkerJobs<OpenRequest, OpenErrors>((req) => ({ body: openSegmentBlobs(codec, req) }));
