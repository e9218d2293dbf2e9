/**
 * Worker-thread entry for `check --read-data`: hashes whole packs and opens (decrypt, decompress, verify) their
 * blobs. Loaded from the compiled dist/maintenance/verify-pack-worker.js; the blob codec (with the master key)
 * arrives once in workerData.
 */
import { workerData } from 'node:worker_threads';
import { BlobCodec, type BlobCodecData } from '../repository/index.js';
import { serveWorkerJobs } from '../util/index.js';
import { verifyPackBlobs, type VerifyOutcome, type VerifyRequest } from './pack-verifier.js';

const codec = BlobCodec.fromWorkerData(workerData as BlobCodecData);

serveWorkerJobs<VerifyRequest, VerifyOutcome>((req) => ({ body: verifyPackBlobs(codec, req) }));
