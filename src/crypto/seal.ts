import { createCipheriv, randomBytes, timingSafeEqual } from 'node:crypto';
import { poly1305 } from '@noble/ciphers/_poly1305.js';
import { CairnError } from '../core/index.js';
import type { CryptoKey } from './key.js';

/** Bytes a sealed box adds to its plaintext: a 16-byte IV in front and a 16-byte MAC behind. */
export const SEAL_OVERHEAD = 32;

function macOf(key: CryptoKey, iv: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  const aes = createCipheriv('aes-128-ecb', key.macK, null).setAutoPadding(false);
  const s = aes.update(iv);
  const oneTimeKey = Buffer.concat([key.macR, s]);
  return poly1305(ciphertext, oneTimeKey);
}

function freshIv(): Buffer {
  for (;;) {
    const iv = randomBytes(16);
    if (iv.some((b) => b !== 0)) return iv;
  }
}

/** IV || AES-256-CTR(plaintext) || Poly1305-AES(ciphertext): restic's sealed box. */
export function seal(key: CryptoKey, plaintext: Uint8Array): Buffer {
  const iv = freshIv();
  const out = Buffer.allocUnsafe(plaintext.length + SEAL_OVERHEAD);
  iv.copy(out, 0);
  const ctr = createCipheriv('aes-256-ctr', key.encrypt, iv);
  const n = ctr.update(plaintext).copy(out, 16);
  ctr.final();
  const ciphertext = out.subarray(16, 16 + n);
  out.set(macOf(key, iv, ciphertext), 16 + n);
  return out;
}

/** Checks the MAC, then decrypts. A wrong key or damaged bytes give a `corrupt` error. */
export function open(key: CryptoKey, sealed: Uint8Array): Buffer {
  if (sealed.length < SEAL_OVERHEAD) throw new CairnError('corrupt', 'Ciphertext is shorter than 32 bytes.');
  const iv = sealed.subarray(0, 16);
  if (iv.every((b) => b === 0)) throw new CairnError('corrupt', 'Ciphertext has an all-zero IV.');
  const ciphertext = sealed.subarray(16, sealed.length - 16);
  const mac = sealed.subarray(sealed.length - 16);
  if (!timingSafeEqual(Buffer.from(macOf(key, iv, ciphertext)), mac)) {
    throw new CairnError('corrupt', 'Ciphertext verification failed (wrong key or damaged data).');
  }
  const ctr = createCipheriv('aes-256-ctr', key.encrypt, iv);
  return Buffer.concat([ctr.update(ciphertext), ctr.final()]);
}
