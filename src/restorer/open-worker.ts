/**
 * Worker-thread entry for restores: opens (decrypt, decompress, verify) the blobs of pack reads and writes their
 * plaintexts into the restored files (descriptors opened by the main thread). Loaded from the
 * compiled dist/restorer/open-worker.js; the blob codec (with the master key) arrives once in workerData.
 */
import { workerData } from 'node:worker_threads';
import { BlobCodec, type BlobCodecData } from '../repository/codec/index.js';
import { serveWorkerJobs } from '../util/index.js';
import { openAndWriteSlices, type OpenRequest, type WriteOutcome } from './blob-opener.js';

const codec = BlobCodec.fromWorkerData(workerData as BlobCodecData);

serveWorkerJobs<OpenRequest, WriteOutcome>((req) => ({ body: openAndWriteSlices(codec, req) }));
