import type { Id } from '../core/index.js';
import { CairnError, hashId } from '../core/index.js';
import { decompress } from '../compress/index.js';
import type { CryptoKey } from '../crypto/index.js';
import { open } from '../crypto/index.js';

/**
 * Pure (usable in worker threads): decrypts a sealed blob, decompresses it when `uncompressedLength` is given and
 * checks that its plaintext hashes to `id`. Throws 'corrupt' (a short reason) on any mismatch.
 */
export function openBlob(key: CryptoKey, sealed: Uint8Array, id: Id, uncompressedLength?: number): Buffer {
  const payload = open(key, sealed);
  const plain = uncompressedLength === undefined ? payload : decompress(payload, uncompressedLength);
  if (hashId(plain) !== id) throw new CairnError('corrupt', 'its content does not match its id');
  return plain;
}
