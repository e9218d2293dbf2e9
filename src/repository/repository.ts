import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Backend, FileInfo } from '../backend/index.js';
import type { BlobType, FileType, Id } from '../core/index.js';
import { CairnError, isCairnError, isId } from '../core/index.js';
import type { CryptoKey } from '../crypto/index.js';
import { masterKeyToJSON, newRandomKey } from '../crypto/index.js';
import { randomPolynomial } from '../chunker/index.js';
import type { Clock } from '../util/index.js';
import { forEachLimit, systemClock, systemRepeater } from '../util/index.js';
import { BlobStore } from './blob-store.js';
import { Cache } from './cache.js';
import { BlobCodec } from './codec/index.js';
import { decodeConfig, encodeConfig } from './config.js';
import { decodeIndex } from './index-codec.js';
import { toEntry } from './master-index.js';
import { addKeyFile, currentUser, listKeyFiles, openMasterKey } from './keys.js';
import type { LockEnv, RepoLock } from './locks.js';
import { acquireLock, listLocks, removeLocks } from './locks.js';
import type { LockDoc } from './locks.js';
import { HEADER_TAIL, headerLength, parseHeaderTail, parsePackHeader } from './pack.js';
import { matchesName, readRechecked } from './reread.js';
import { formatTimeUtc } from './time.js';
import type {
  IndexEntry,
  IndexFile,
  InitOptions,
  KeyInfo,
  Lock,
  PackBlob,
  PreparedBlob,
  RepoConfig,
  RepositoryOptions,
  SaveResult,
} from './types.js';
import type { UnpackedType } from './unpacked.js';
import { UnpackedStore } from './unpacked.js';
import { WriteGuard } from './write-guard.js';

const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;
const INDEX_LOAD_CONCURRENCY = 4;
/** Each upload holds a pack buffer (packSize): more connections than this add memory, not speed. */
const MAX_PARALLEL_UPLOADS = 4;

/**
 * An open repository: the master key, the config, and every operation on blobs, packs, index, unpacked files,
 * keys and locks. Open with `Repository.open`, create with `Repository.init`.
 */
export class Repository {
  readonly config: RepoConfig;
  /** Sealing and opening blobs with this repository's key and compression (hand `toWorkerData()` to workers). */
  readonly codec: BlobCodec;
  private readonly backend: Backend;
  private readonly key: CryptoKey;
  private currentKeyId: Id;
  private readonly opts: RepositoryOptions;
  private readonly clock: Clock;
  private readonly cache: Cache | undefined;
  private cachePruned = false;
  private readonly files: UnpackedStore;
  private readonly blobs: BlobStore;
  private readonly locks = new Set<RepoLock>();
  /** Every write goes through it; a lost lock stops it. */
  private readonly guard: WriteGuard;

  private constructor(raw: Backend, config: RepoConfig, key: CryptoKey, keyId: Id, opts: RepositoryOptions) {
    this.guard = new WriteGuard(raw);
    const backend: Backend = this.guard;
    this.backend = backend;
    this.config = config;
    this.key = key;
    this.currentKeyId = keyId;
    this.opts = opts;
    this.clock = opts.clock ?? systemClock;
    this.codec = new BlobCodec(key, config.version, opts.compression);
    this.cache = opts.cacheDir === undefined ? undefined : new Cache(opts.cacheDir, config.id);
    this.files = new UnpackedStore(backend, key, config.version, this.cache);
    this.blobs = new BlobStore({
      backend,
      key,
      codec: this.codec,
      packSize: opts.packSize ?? DEFAULT_PACK_SIZE,
      maxUploads: opts.maxPackUploads ?? Math.min(backend.connections ?? 1, MAX_PARALLEL_UPLOADS),
      indexFlushBlobs: opts.indexFlushBlobs ?? 50_000,
      clock: this.clock,
      cache: this.cache,
      unpacked: this.files,
    });
  }

  /** Where the repository is, as the backend names it. */
  get location(): string {
    return this.backend.location;
  }

  /** How many requests the backend serves at once, if it says (a hint for parallel reads). */
  get connections(): number | undefined {
    return this.backend.connections;
  }

  /** The size at which packs written by this session are closed. */
  get packSize(): number {
    return this.opts.packSize ?? DEFAULT_PACK_SIZE;
  }

  /** The id of the key file the password opened (changes with changePassword). */
  get keyId(): Id {
    return this.currentKeyId;
  }

  /** Creates a repository: structure, first key file, then config. Fails if a config exists. */
  static async init(backend: Backend, opts: InitOptions): Promise<Repository> {
    const exists = await backend.stat({ type: 'config', name: 'config' }).then(
      () => true,
      (err: unknown) => {
        if (isCairnError(err, 'not-found')) return false;
        throw err;
      },
    );
    if (exists) throw new CairnError('repository-exists', `A repository already exists at ${backend.location}.`);
    const config: RepoConfig = {
      version: opts.version ?? 2,
      id: randomBytes(32).toString('hex'),
      chunkerPolynomial: opts.chunkerPolynomial ?? randomPolynomial(),
    };
    const key = newRandomKey();
    await backend.create();
    const keyId = await addKeyFile(backend, opts.password, key, {
      hostname: opts.hostname,
      username: opts.username,
      created: formatTimeUtc((opts.clock ?? systemClock).nowNs()),
      params: opts.scryptParams,
    });
    await backend.write({ type: 'config', name: 'config' }, encodeConfig(key, config));
    const repo = new Repository(backend, config, key, keyId, opts);
    await repo.cache?.init();
    return repo;
  }

  /** Opens a repository with a password; 'repository-not-found' without config, 'wrong-password' if no key opens. */
  static async open(backend: Backend, opts: RepositoryOptions): Promise<Repository> {
    let sealedConfig: Buffer;
    try {
      sealedConfig = await backend.read({ type: 'config', name: 'config' });
    } catch (err) {
      if (isCairnError(err, 'not-found')) {
        throw new CairnError('repository-not-found', `There is no repository at ${backend.location}.`, { cause: err });
      }
      throw err;
    }
    const { key, keyId } = await openMasterKey(backend, opts.password, opts.keyHint);
    let config: RepoConfig;
    try {
      config = decodeConfig(key, sealedConfig);
    } catch (err) {
      // Damage on the way is told from damage at rest by reading once more.
      if (!isCairnError(err, 'corrupt')) throw err;
      config = decodeConfig(key, await backend.read({ type: 'config', name: 'config' }));
    }
    const repo = new Repository(backend, config, key, keyId, opts);
    await repo.cache?.init();
    return repo;
  }

  // ---- index ----

  /**
   * Brings the master index up to date with the repository: loads every index file not loaded yet and drops those
   * that are gone (removed by another process's prune since the last load).
   */
  async loadIndex(opts: { onDamaged?: (id: Id, err: CairnError) => void } = {}): Promise<void> {
    const listed = new Set<Id>();
    for await (const fi of this.files.list('index')) listed.add(fi.name);
    const ids = [...listed].filter((id) => !this.blobs.indexFiles.has(id));
    const gone = [...this.blobs.indexFiles.keys()].filter((id) => !listed.has(id));
    this.blobs.forgetIndexFiles(gone);
    await forEachLimit(ids, INDEX_LOAD_CONCURRENCY, async (id) => {
      let doc: IndexFile;
      try {
        doc = decodeIndex(await this.files.load('index', id), `Index file ${id}`);
      } catch (err) {
        // Repair skips a damaged index file (and replaces it); everyone else must not work with part of the index.
        if (opts.onDamaged === undefined || !isCairnError(err, 'corrupt')) throw err;
        opts.onDamaged(id, err);
        return;
      }
      for (const pack of doc.packs) {
        for (const b of pack.blobs) this.blobs.index.add(b.id, toEntry(pack.id, b));
      }
      this.blobs.indexFiles.set(id, doc.packs.map((p) => p.id));
    });
    // Once per new index content: a backup calls loadIndex more than once, and listing the cache is not free.
    if (this.cache && (ids.length > 0 || gone.length > 0 || !this.cachePruned)) {
      this.cachePruned = true;
      const keep = new Set(this.blobs.index.packs());
      await this.cache.prune('data', keep).catch(() => 0);
    }
  }

  lookup(type: BlobType, id: Id): IndexEntry | undefined {
    return this.blobs.index.lookup(type, id);
  }

  /** Every location of a blob (it may be stored in several packs). */
  lookupAll(type: BlobType, id: Id): IndexEntry[] {
    return this.blobs.index.lookupAll(type, id);
  }

  has(type: BlobType, id: Id): boolean {
    return this.blobs.index.has(type, id);
  }

  /** Every indexed blob (for check and stats). */
  indexEntries(): Iterable<[Id, IndexEntry]> {
    return this.blobs.index.entries();
  }

  /** The indexed blobs of each pack, grouped by pack. */
  indexedPacks(): Map<Id, PackBlob[]> {
    return this.blobs.index.byPack();
  }

  /** Number of indexed blob locations. */
  get indexSize(): number {
    return this.blobs.index.size;
  }

  /** Every index file, decoded (for check). */
  async listIndexFiles(): Promise<({ id: Id } & IndexFile)[]> {
    const out: ({ id: Id } & IndexFile)[] = [];
    for await (const fi of this.files.list('index')) {
      out.push({ id: fi.name, ...decodeIndex(await this.files.load('index', fi.name), `Index file ${fi.name}`) });
    }
    return out;
  }

  // ---- blobs ----

  /** The verified plaintext of a blob; another copy is tried when one is damaged. */
  loadBlob(type: BlobType, id: Id): Promise<Buffer> {
    return this.blobs.loadBlob(type, id);
  }

  /** The verified plaintext of the copy of a blob at `entry` (check keeps its own index); trees go through the cache. */
  loadBlobAt(id: Id, entry: IndexEntry): Promise<Buffer> {
    return this.blobs.loadCopy(entry.type, id, entry);
  }

  /**
   * The sealed bytes of several blobs of one pack (e.g. a restore's blobs of that pack) in a single backend read from
   * `offset` to `offset + length`; open each slice with `codec.open` (here or in a worker).
   */
  readPackRange(packId: Id, offset: number, length: number): Promise<Buffer> {
    return this.blobs.readPackRange(packId, offset, length);
  }

  /** Queues a blob unless the index or this session already has it; resolves when it is in an open pack. */
  saveBlob(type: BlobType, plaintext: Uint8Array, id?: Id): Promise<SaveResult> {
    return this.blobs.saveBlob(type, plaintext, id);
  }

  /** Queues a blob that a worker already compressed and sealed with this repository's key. */
  savePreparedBlob(blob: PreparedBlob): Promise<SaveResult> {
    return this.blobs.savePrepared(blob);
  }

  /** Queues a blob even when the index already has it (prune's repack); the caller saves each blob once. */
  saveBlobCopy(blob: PreparedBlob): Promise<void> {
    return this.blobs.saveCopy(blob);
  }

  /** Writes the open packs and an index file for all packs written this session. */
  flush(): Promise<void> {
    return this.blobs.flush();
  }

  /**
   * Replaces the index: flushes, writes index files naming every indexed pack but `drop` (calling `onWritten` after
   * each), and only then deletes the index files that were there before. A crash at any point leaves index files
   * that together name every pack still needed.
   */
  async rewriteIndex(
    drop: ReadonlySet<Id>,
    opts: { onWritten?: (id: Id) => void; onRemoved?: (id: Id) => void } = {},
  ): Promise<{ written: number; removed: number }> {
    await this.flush();
    let written = 0;
    const obsolete = await this.blobs.rewriteIndex(drop, this.opts.indexFlushBlobs ?? 50_000, (id) => {
      written++;
      opts.onWritten?.(id);
    });
    await this.removeFiles('index', obsolete, opts.onRemoved);
    return { written, removed: obsolete.length };
  }

  /**
   * Changes, in memory only, what the index says about some packs (repair): the blobs of `forget` are dropped, and
   * each pack of `headers` is indexed with the blobs its header lists, replacing what was known of it. `rewriteIndex`
   * then makes it durable.
   */
  reindexPacks(forget: ReadonlySet<Id>, headers: ReadonlyMap<Id, readonly PackBlob[]>): void {
    this.blobs.reindexPacks(forget, headers);
  }

  /** Deletes files a few at a time (through the write guard), calling `onRemoved` after each; a missing one counts as gone. */
  async removeFiles(type: 'data' | 'index' | 'snapshots', ids: Iterable<Id>, onRemoved?: (id: Id) => void): Promise<void> {
    await forEachLimit(ids, Math.max(2, Math.min(this.backend.connections ?? 2, 8)), async (id) => {
      await this.backend.remove({ type, name: id }).catch((err: unknown) => {
        if (!isCairnError(err, 'not-found')) throw err;
      });
      onRemoved?.(id);
    });
  }

  /**
   * Whether the storage lets this session delete repository files, found out without changing anything: deleting
   * a file that does not exist is refused outright by an append-only server and fails with 'not-found' elsewhere.
   */
  async canDelete(): Promise<boolean> {
    try {
      await this.backend.remove({ type: 'data', name: randomBytes(32).toString('hex') });
      return true;
    } catch (err) {
      if (isCairnError(err, 'not-found')) return true;
      if (isCairnError(err, 'access-denied')) return false;
      throw err;
    }
  }

  // ---- packs ----

  /** A whole pack file, read a second time if its content does not match its name (check reports what remains). */
  async readPack(packId: Id): Promise<Buffer> {
    return readRechecked(this.backend, { type: 'data', name: packId }, matchesName(packId));
  }

  /** The blobs of a pack from its header, reading only the end of the file. */
  async loadPackHeader(packId: Id): Promise<PackBlob[]> {
    const what = `Pack ${packId}`;
    const { size } = await this.backend.stat({ type: 'data', name: packId });
    if (size < 36) throw new CairnError('corrupt', `${what} is too short to be a pack.`);
    let tail = await this.backend.read({ type: 'data', name: packId }, Math.max(0, size - HEADER_TAIL));
    const needed = headerLength(tail, size, what) + 4;
    if (needed > tail.length) tail = await this.backend.read({ type: 'data', name: packId }, size - needed);
    return parseHeaderTail(this.key, tail, size, what);
  }

  /** Pure: the blobs listed in the header of a whole pack file, or in its last bytes when `fileSize` is larger. */
  parsePackHeader(packBytes: Uint8Array, fileSize = packBytes.length): PackBlob[] {
    if (fileSize === packBytes.length) return parsePackHeader(this.key, packBytes);
    return parseHeaderTail(this.key, packBytes, fileSize, 'the pack');
  }

  // ---- unpacked files ----

  saveUnpacked(type: UnpackedType, json: Uint8Array): Promise<Id> {
    return this.files.save(type, json);
  }

  /** Decrypted, decoded JSON bytes; 'corrupt' naming the file if its content does not match its name. */
  loadUnpacked(type: UnpackedType, id: Id): Promise<Buffer> {
    return this.files.load(type, id);
  }

  /** Deletes an index or snapshot file (and its cached copy). */
  removeUnpacked(type: UnpackedType, id: Id): Promise<void> {
    return this.files.remove(type, id);
  }

  list(type: FileType): AsyncIterable<FileInfo> {
    return this.files.list(type);
  }

  /** The id of the one file whose name starts with `prefix`. */
  async resolveId(type: FileType, prefix: string): Promise<Id> {
    if (prefix === '' || !/^[0-9a-f]+$/.test(prefix)) {
      throw new CairnError('invalid-argument', `"${prefix}" is not an id or id prefix.`);
    }
    if (isId(prefix)) {
      const found = await this.backend.stat({ type, name: prefix }).then(
        () => true,
        () => false,
      );
      if (found) return prefix;
    }
    const matches: Id[] = [];
    for await (const fi of this.backend.list(type)) if (fi.name.startsWith(prefix)) matches.push(fi.name);
    if (matches.length === 0) throw new CairnError('not-found', `No ${type} file matches "${prefix}".`);
    if (matches.length > 1) {
      throw new CairnError('invalid-argument', `"${prefix}" is ambiguous: ${matches.length} ${type} files match.`);
    }
    return matches[0]!;
  }

  // ---- keys ----

  /** A key file's JSON as stored (key files are not encrypted as a whole). */
  readKeyFile(id: Id): Promise<Buffer> {
    return this.backend.read({ type: 'keys', name: id });
  }

  masterKeyJSON(): string {
    return masterKeyToJSON(this.key);
  }

  async addKey(password: string, meta: { hostname?: string; username?: string } = {}): Promise<Id> {
    return addKeyFile(this.backend, password, this.key, {
      hostname: meta.hostname ?? this.opts.hostname,
      username: meta.username ?? this.opts.username,
      created: formatTimeUtc(this.clock.nowNs()),
      params: this.opts.scryptParams,
    });
  }

  listKeys(): Promise<KeyInfo[]> {
    return listKeyFiles(this.backend, this.currentKeyId);
  }

  async removeKey(id: Id): Promise<void> {
    const full = await this.resolveId('keys', id);
    if (full === this.currentKeyId) {
      throw new CairnError('invalid-argument', 'The key in use cannot be removed; open the repository with another key.');
    }
    await this.backend.remove({ type: 'keys', name: full });
  }

  /** Adds a key for the new password, then removes the current one. */
  async changePassword(newPassword: string): Promise<Id> {
    const old = this.currentKeyId;
    const id = await this.addKey(newPassword);
    this.currentKeyId = id;
    await this.backend.remove({ type: 'keys', name: old });
    return id;
  }

  // ---- locks ----

  private lockEnv(): LockEnv {
    return {
      backend: this.backend,
      files: this.files,
      clock: this.clock,
      hostname: this.opts.hostname ?? os.hostname(),
      username: this.opts.username ?? currentUser(),
      onWarning: this.opts.onWarning,
      unlockStaleAfterMs: this.opts.unlockStaleAfterMs,
      repeat: this.opts.repeat ?? systemRepeater,
    };
  }

  async lock(opts: { exclusive: boolean }): Promise<Lock> {
    const lock = await acquireLock(this.lockEnv(), opts.exclusive);
    this.locks.add(lock);
    // Without its lock, the repository may be pruned under us: nothing more may be written.
    lock.signal.addEventListener('abort', () => this.guard.stop(lock.signal.reason), { once: true });
    const release = lock.release.bind(lock);
    lock.release = async () => {
      this.locks.delete(lock);
      await release();
    };
    return lock;
  }

  /** The lock files with their holders and whether each is stale. */
  listLocks(): Promise<{ id: Id; doc: LockDoc; stale: boolean }[]> {
    return listLocks(this.lockEnv());
  }

  /** Deletes lock files (only stale ones with `staleOnly`); returns how many. */
  removeLocks(opts: { staleOnly: boolean }): Promise<number> {
    return removeLocks(this.lockEnv(), opts.staleOnly);
  }

  /** Writes what is queued (unless a lost lock stopped writing), releases this session's locks and closes the backend. */
  async close(): Promise<void> {
    try {
      if (this.blobs.dirty && !this.guard.stopped) await this.flush();
    } finally {
      for (const lock of [...this.locks]) await lock.release().catch(() => undefined);
      await this.backend.close();
    }
  }
}
