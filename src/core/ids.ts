import { createHash } from 'node:crypto';
import { CairnError } from './errors.js';

/** A 64-character lower-case hex SHA-256: blob ids, storage ids, snapshot ids. */
export type Id = string;

const ID_PATTERN = /^[0-9a-f]{64}$/;

export function isId(s: string): boolean {
  return ID_PATTERN.test(s);
}

export function parseId(s: string): Id {
  if (!isId(s)) throw new CairnError('invalid-argument', `"${s}" is not a valid 64-character hex id.`);
  return s;
}

export function sha256(data: Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** The id of some bytes: hex of their SHA-256. */
export function hashId(data: Uint8Array): Id {
  return createHash('sha256').update(data).digest('hex');
}

export function shortId(id: Id): string {
  return id.slice(0, 8);
}
