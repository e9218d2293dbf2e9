import type { Id } from '../core/index.js';
import { CairnError, hashId } from '../core/index.js';
import { decompress } from '../compress/index.js';
import type { CryptoKey } from '../crypto/index.js';
import { open } from '../crypto/index.js';
import type { PackBlob, Repository } from '../repository/index.js';
import type { IndexedBlob } from './check-index.js';

/** Decrypts, decompresses and verifies one sealed blob; any failure is a CairnError 'corrupt'. */
export function openBlob(key: CryptoKey, sealed: Uint8Array, blob: PackBlob): Buffer {
  let plain: Buffer;
  try {
    plain = open(key, sealed);
  } catch (err) {
    throw new CairnError('corrupt', 'MAC check failed, the bytes are damaged.', { cause: err });
  }
  const data = blob.uncompressedLength === undefined ? plain : decompress(plain, blob.uncompressedLength);
  const actual = hashId(data);
  if (actual !== blob.id) throw new CairnError('corrupt', `content hashes to ${actual}, not to the blob id.`);
  return data;
}

/**
 * Loads a blob through check's own index, trying every copy: the repository's index may not have loaded when an
 * index file is broken, and check should still look at everything else.
 */
export async function loadIndexedBlob(repo: Repository, id: Id, places: readonly IndexedBlob[]): Promise<Buffer> {
  let lastError: Error = new CairnError('not-found', `Blob ${id} is not in the index.`);
  for (const place of places) {
    try {
      const sealed = await repo.backend.read({ type: 'data', name: place.packId }, place.offset, place.length);
      return openBlob(repo.key, sealed, place);
    } catch (err) {
      lastError = err instanceof Error ? err : new CairnError('fatal', String(err));
    }
  }
  throw lastError;
}
