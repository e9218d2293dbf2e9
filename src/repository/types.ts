import type { BlobType, Id } from '../core/index.js';
import type { CompressionMode } from '../compress/index.js';
import type { Clock, Repeater } from '../util/index.js';

export interface RepoConfig {
  version: 1 | 2;
  id: string;
  chunkerPolynomial: bigint;
}

/** Where one blob lives. `uncompressedLength` is present only for compressed blobs. */
export interface IndexEntry {
  type: BlobType;
  packId: Id;
  offset: number;
  length: number;
  uncompressedLength?: number;
}

/** One entry of a pack header, with its offset computed from the entries before it. */
export interface PackBlob {
  type: BlobType;
  id: Id;
  offset: number;
  length: number;
  uncompressedLength?: number;
}

/** A blob already compressed and sealed (by a worker thread), ready to append to a pack. */
export interface PreparedBlob {
  type: BlobType;
  id: Id;
  sealed: Uint8Array;
  uncompressedLength?: number;
}

export interface SaveResult {
  id: Id;
  /** The blob was already in the repository (or queued in this session): nothing was added. */
  known: boolean;
  /** Bytes added to the repository (sealed size), 0 when known. */
  sizeInRepo: number;
}

/** scrypt cost parameters of a key file. */
export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

export interface RepositoryOptions {
  password: string;
  /** Key file to try first (id or prefix). */
  keyHint?: string;
  /** Folder of the local metadata cache; undefined = no cache. */
  cacheDir?: string;
  /** Target pack size in bytes (default 16 MiB). */
  packSize?: number;
  compression?: CompressionMode;
  clock?: Clock;
  hostname?: string;
  username?: string;
  /** scrypt parameters for key files this session creates; default: calibrated (tests pass cheap ones). */
  scryptParams?: KdfParams;
  /** Told about things done on the user's behalf (e.g. a stale lock removed). */
  onWarning?: (message: string) => void;
  /**
   * Taking a lock removes other hosts' locks older than this (by this computer's clock). Unset, only this host's
   * locks of processes that no longer run are removed: with clock skew, an old-looking lock may be live.
   */
  unlockStaleAfterMs?: number;
  /** Schedules the lock refresh (tests tick it by hand). */
  repeat?: Repeater;
  /** Packs uploading at the same time (default: the backend's `connections`, at most 4); memory ≈ (this + 3) × packSize. */
  maxPackUploads?: number;
  /** Blobs after which an index file is written during a long run (default 50,000). */
  indexFlushBlobs?: number;
}

export interface InitOptions extends RepositoryOptions {
  /** Chunker polynomial to use (to dedup with another repository); random if absent. */
  chunkerPolynomial?: bigint;
  version?: 1 | 2;
}

export interface KeyInfo {
  id: Id;
  current: boolean;
  username: string;
  hostname: string;
  created: string;
}

export interface Lock {
  readonly exclusive: boolean;
  /** Aborted, with a lock-failed error as its reason, when the lock is lost: stop work and write nothing more. */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

/** One pack as an index file lists it. */
export interface IndexPack {
  id: Id;
  blobs: PackBlob[];
}

/** A decoded index file. */
export interface IndexFile {
  supersedes: Id[];
  packs: IndexPack[];
}
