import { CairnError } from '../core/index.js';
import type { CryptoKey } from '../crypto/index.js';
import { open, seal } from '../crypto/index.js';
import { formatPolynomial, isIrreducible, parsePolynomial } from '../chunker/index.js';
import type { RepoConfig } from './types.js';

/** The config file: a sealed box of uncompressed JSON (also in v2), no trailing newline. */
export function encodeConfig(key: CryptoKey, config: RepoConfig): Buffer {
  const json = JSON.stringify({
    version: config.version,
    id: config.id,
    chunker_polynomial: formatPolynomial(config.chunkerPolynomial),
  });
  return seal(key, Buffer.from(json));
}

export function decodeConfig(key: CryptoKey, sealed: Uint8Array): RepoConfig {
  let plain: Buffer;
  try {
    plain = open(key, sealed);
  } catch (err) {
    throw new CairnError('corrupt', 'The repository config cannot be decrypted with the master key.', { cause: err });
  }
  let doc: { version?: unknown; id?: unknown; chunker_polynomial?: unknown };
  try {
    doc = JSON.parse(plain.toString('utf8')) as typeof doc;
  } catch (err) {
    throw new CairnError('corrupt', 'The repository config is not valid JSON.', { cause: err });
  }
  if (doc.version !== 1 && doc.version !== 2) {
    throw new CairnError('fatal', `Repository format version ${String(doc.version)} is not supported.`);
  }
  if (typeof doc.id !== 'string' || doc.id === '') throw new CairnError('corrupt', 'The repository config has no id.');
  const poly = doc.chunker_polynomial;
  if (typeof poly !== 'string' || !/^[0-9a-fA-F]{1,16}$/.test(poly)) {
    throw new CairnError('corrupt', 'The repository config has no valid chunker polynomial.');
  }
  const chunkerPolynomial = parsePolynomial(poly);
  // restic refuses such a repository too: chunking with a reducible polynomial would not be restic's.
  if (!isIrreducible(chunkerPolynomial)) {
    throw new CairnError('corrupt', `The repository's chunker polynomial ${poly} is not irreducible.`);
  }
  return { version: doc.version, id: doc.id, chunkerPolynomial };
}
