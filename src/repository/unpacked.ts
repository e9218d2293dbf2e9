import type { Backend, FileInfo } from '../backend/index.js';
import type { FileType, Id } from '../core/index.js';
import { CairnError, hashId, isCairnError } from '../core/index.js';
import { decodeUnpacked, encodeUnpacked } from '../compress/index.js';
import type { CryptoKey } from '../crypto/index.js';
import { open, seal } from '../crypto/index.js';
import type { Cache } from './cache.js';
import { matchesName, readRechecked } from './reread.js';

export type UnpackedType = 'snapshots' | 'index' | 'locks';

/**
 * Index, snapshot and lock files: a sealed box of (0x02 || zstd frame) in v2, plain JSON in v1, named by the sha256
 * of the stored bytes. Index and snapshot files go through the cache; locks never do (they change all the time).
 */
export class UnpackedStore {
  constructor(
    private readonly backend: Backend,
    private readonly key: CryptoKey,
    private readonly version: 1 | 2,
    private readonly cache: Cache | undefined,
  ) {}

  async save(type: UnpackedType, json: Uint8Array): Promise<Id> {
    const sealed = seal(this.key, encodeUnpacked(json, this.version));
    const id = hashId(sealed);
    await this.backend.write({ type, name: id }, sealed);
    if (this.cache && type !== 'locks') await this.cache.put(type, id, sealed);
    return id;
  }

  /** The raw stored bytes, verified against the storage id (from the cache when it has a good copy). */
  async loadRaw(type: UnpackedType, id: Id): Promise<Buffer> {
    const cached = this.cache && type !== 'locks' ? await this.cache.get(type, id) : undefined;
    if (cached) return cached;
    const data = await readRechecked(this.backend, { type, name: id }, matchesName(id));
    if (hashId(data) !== id) {
      throw new CairnError('corrupt', `${type}/${id} is damaged: its content does not match its name.`);
    }
    if (this.cache && type !== 'locks') await this.cache.put(type, id, data);
    return data;
  }

  async load(type: UnpackedType, id: Id): Promise<Buffer> {
    const raw = await this.loadRaw(type, id);
    try {
      return decodeUnpacked(open(this.key, raw));
    } catch (err) {
      if (isCairnError(err, 'corrupt')) {
        throw new CairnError('corrupt', `${type}/${id} cannot be decrypted or decoded: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  /** Deletes one file and its cached copy (a removal is one backend call: it either happened or it did not). */
  async remove(type: UnpackedType, id: Id): Promise<void> {
    await this.backend.remove({ type, name: id });
    if (this.cache && type !== 'locks') await this.cache.remove(type, id);
  }

  /** Lists a file type; after a complete listing, cached copies of files that are gone are removed. */
  async *list(type: FileType): AsyncIterable<FileInfo> {
    const seen = new Set<Id>();
    for await (const fi of this.backend.list(type)) {
      seen.add(fi.name);
      yield fi;
    }
    if (this.cache && (type === 'index' || type === 'snapshots' || type === 'data')) {
      await this.cache.prune(type, seen).catch(() => 0);
    }
  }
}
