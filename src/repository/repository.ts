// CONTRACT SKELETON — the repository helper replaces every body; signatures are what other rooms code against.
import type { Backend, FileInfo } from '../backend/index.js';
import type { BlobType, FileType, Id } from '../core/index.js';
import type { CompressionMode } from '../compress/index.js';
import type { CryptoKey } from '../crypto/index.js';
import type { Clock } from '../util/index.js';

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
  /** Aborted when the lock could not be refreshed for too long: stop work. */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

export class Repository {
  readonly backend!: Backend;
  readonly config!: RepoConfig;
  readonly key!: CryptoKey;
  readonly keyId!: Id;
  readonly compression!: CompressionMode;

  static init(_backend: Backend, _opts: InitOptions): Promise<Repository> { throw new Error('todo'); }
  static open(_backend: Backend, _opts: RepositoryOptions): Promise<Repository> { throw new Error('todo'); }

  loadIndex(): Promise<void> { throw new Error('todo'); }
  lookup(_type: BlobType, _id: Id): IndexEntry | undefined { throw new Error('todo'); }
  has(_type: BlobType, _id: Id): boolean { throw new Error('todo'); }
  /** Every indexed blob (for check and stats). */
  indexEntries(): Iterable<[Id, IndexEntry]> { throw new Error('todo'); }

  loadBlob(_type: BlobType, _id: Id): Promise<Buffer> { throw new Error('todo'); }
  saveBlob(_type: BlobType, _plaintext: Uint8Array, _id?: Id): Promise<SaveResult> { throw new Error('todo'); }
  savePreparedBlob(_blob: PreparedBlob): Promise<SaveResult> { throw new Error('todo'); }
  flush(): Promise<void> { throw new Error('todo'); }

  saveUnpacked(_type: 'snapshots' | 'index' | 'locks', _json: Uint8Array): Promise<Id> { throw new Error('todo'); }
  loadUnpacked(_type: 'snapshots' | 'index' | 'locks', _id: Id): Promise<Buffer> { throw new Error('todo'); }
  list(_type: FileType): AsyncIterable<FileInfo> { throw new Error('todo'); }
  resolveId(_type: FileType, _prefix: string): Promise<Id> { throw new Error('todo'); }

  lock(_opts: { exclusive: boolean }): Promise<Lock> { throw new Error('todo'); }
  close(): Promise<void> { throw new Error('todo'); }
}
