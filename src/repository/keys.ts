import os from 'node:os';
import type { Backend } from '../backend/index.js';
import type { Id } from '../core/index.js';
import { CairnError, hashId, isCairnError } from '../core/index.js';
import type { CreateKeyFileOptions, CryptoKey } from '../crypto/index.js';
import { createKeyFile, openKeyFile, parseKeyFile } from '../crypto/index.js';
import { matchesName, readRechecked } from './reread.js';
import type { KdfParams, KeyInfo } from './types.js';

/** restic 0.14 gives up after trying this many key files. */
const MAX_KEYS_TRIED = 20;

export interface KeyMeta {
  hostname?: string | undefined;
  username?: string | undefined;
  /** RFC3339Nano creation time. */
  created: string;
  params?: KdfParams | undefined;
}

/** Key file ids in the order to try them: those matching the hint first, then listing order. */
async function candidateKeys(backend: Backend, keyHint?: string): Promise<Id[]> {
  const ids: Id[] = [];
  for await (const fi of backend.list('keys')) ids.push(fi.name);
  if (!keyHint) return ids;
  const hinted = ids.filter((id) => id.startsWith(keyHint));
  return [...hinted, ...ids.filter((id) => !id.startsWith(keyHint))];
}

/** Finds the key file the password opens; 'wrong-password' if none of the first 20 does. */
export async function openMasterKey(
  backend: Backend,
  password: string,
  keyHint?: string,
): Promise<{ key: CryptoKey; keyId: Id }> {
  const ids = (await candidateKeys(backend, keyHint)).slice(0, MAX_KEYS_TRIED);
  for (const id of ids) {
    try {
      // A key file damaged on the way would otherwise look like a wrong password.
      const bytes = await readRechecked(backend, { type: 'keys', name: id }, matchesName(id));
      return { key: await openKeyFile(bytes, password), keyId: id };
    } catch (err) {
      if (isCairnError(err, 'wrong-password') || isCairnError(err, 'corrupt') || isCairnError(err, 'not-found')) continue;
      throw err;
    }
  }
  throw new CairnError('wrong-password', 'The password does not open any key of the repository.');
}

/** Writes a new key file for `masterKey` protected by `password`; returns its id. */
export async function addKeyFile(backend: Backend, password: string, masterKey: CryptoKey, meta: KeyMeta): Promise<Id> {
  const options: CreateKeyFileOptions = {
    hostname: meta.hostname ?? os.hostname(),
    username: meta.username ?? currentUser(),
    created: meta.created,
  };
  // Without explicit parameters the crypto room calibrates scrypt (once per process), as restic does.
  if (meta.params) options.params = meta.params;
  const bytes = await createKeyFile(password, masterKey, options);
  const id = hashId(bytes);
  await backend.write({ type: 'keys', name: id }, bytes);
  return id;
}

export async function listKeyFiles(backend: Backend, currentId: Id): Promise<KeyInfo[]> {
  const out: KeyInfo[] = [];
  for await (const fi of backend.list('keys')) {
    try {
      const doc = parseKeyFile(await backend.read({ type: 'keys', name: fi.name }));
      out.push({
        id: fi.name,
        current: fi.name === currentId,
        username: doc.username,
        hostname: doc.hostname,
        created: doc.created,
      });
    } catch (err) {
      if (!isCairnError(err, 'corrupt') && !isCairnError(err, 'not-found')) throw err;
    }
  }
  return out.sort((a, b) => a.created.localeCompare(b.created));
}

export function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return '';
  }
}
