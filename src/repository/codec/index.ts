/**
 * @module repository/codec
 * Sealing and opening blobs (compression rule, encryption, verification) as pure functions over bytes and the
 * master key. Its own room so that worker threads load it without the rest of the repository.
 */
export { BlobCodec, blobCompression, plainLength } from './blob-codec.js';
export type { BlobCodecData, BlobCompression, SealedBytes } from './blob-codec.js';
export { SEAL_OVERHEAD } from '../../crypto/index.js';
export type { CompressionMode } from '../../compress/index.js';
