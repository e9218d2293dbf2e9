/**
 * Dashboard passwords as scrypt hash strings `scrypt$N$r$p$<salt b64>$<hash b64>` (made by `cairn hash-password`,
 * stored in server.users): node:crypto's scrypt with a random 16-byte salt, compared in constant time.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { PASSWORD_HASH_PATTERN } from '../config/index.js';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** 2^15 × 8: 32 MiB and about 0.1 s per login on a small server (OWASP's floor for scrypt is 2^17 at p = 1). */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, { N, r, p }: ScryptParams, keyLen: number): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; node refuses above maxmem (32 MiB by default), so allow what the params ask.
  const maxmem = 256 * N * r + 1024 * 1024;
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keyLen, { N, r, p, maxmem }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, params, KEY_BYTES);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Whether the password matches the hash string; false for a string not in the format (the config check refuses those). */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = PASSWORD_HASH_PATTERN.exec(hash);
  if (!m) return false;
  const [, N, r, p, salt, want] = m;
  const wanted = Buffer.from(want!, 'base64');
  const key = await derive(password, Buffer.from(salt!, 'base64'), { N: +N!, r: +r!, p: +p! }, wanted.length);
  return timingSafeEqual(key, wanted);
}

/** A hash nobody's password matches, checked for unknown user names so that they take as long as known ones. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('base64'));
  return decoy;
}
