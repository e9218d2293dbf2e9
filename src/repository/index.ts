/**
 * @module repository
 * The store on a Backend: config, keys, packs, index, blobs, unpacked files and locks.
 * Blobs are sealed (and zstd-compressed in v2) into packs of one blob type; index files map blob ids to pack
 * ranges and are written only after the packs they name; index, snapshot and lock files are "unpacked" files.
 */
export { Repository } from './repository.js';
export { BlobCodec, blobCompression, plainLength, SEAL_OVERHEAD } from './codec/index.js';
export type { BlobCodecData, BlobCompression, CompressionMode, SealedBytes } from './codec/index.js';
export { encodeIndex, decodeIndex } from './index-codec.js';
export { splitRanges } from './pack-ranges.js';
export type { PackRange } from './pack-ranges.js';
export { MasterIndex } from './master-index.js';
export type {
  RepoConfig,
  IndexEntry,
  PreparedBlob,
  SaveResult,
  RepositoryOptions,
  InitOptions,
  KeyInfo,
  Lock,
  PackBlob,
  IndexFile,
  IndexPack,
  KdfParams,
} from './types.js';
export type { LockDoc } from './locks.js';
