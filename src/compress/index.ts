/**
 * @module compress
 * zstd framing for blobs and for "unpacked" files (index, snapshots, locks), as restic's v2 format has it.
 */
export { compress, decompress, encodeUnpacked, decodeUnpacked, ZstdCompressor } from './zstd.js';
export type { CompressionMode } from './zstd.js';
