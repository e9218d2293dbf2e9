import { randomBytes } from 'node:crypto';
import { CairnError } from '../core/index.js';

/** AES-256 key for encryption plus Poly1305-AES MAC keys; `macR` is always clamped. */
export interface CryptoKey {
  encrypt: Buffer;
  macK: Buffer;
  macR: Buffer;
}

const CLAMP = Buffer.from('ffffff0ffcffff0ffcffff0ffcffff0f', 'hex');

export function clampR(r: Uint8Array): Buffer {
  const out = Buffer.from(r);
  for (let i = 0; i < 16; i++) out[i]! &= CLAMP[i]!;
  return out;
}

/** Splits 64 key bytes (encrypt || mac.k || mac.r) into a key, clamping r. */
export function keyFromBytes(bytes: Uint8Array): CryptoKey {
  if (bytes.length !== 64) throw new CairnError('fatal', 'A key needs 64 bytes.');
  return {
    encrypt: Buffer.from(bytes.subarray(0, 32)),
    macK: Buffer.from(bytes.subarray(32, 48)),
    macR: clampR(bytes.subarray(48, 64)),
  };
}

export function newRandomKey(): CryptoKey {
  return keyFromBytes(randomBytes(64));
}

function allZero(b: Uint8Array): boolean {
  return b.every((x) => x === 0);
}

export function isValidKey(key: CryptoKey): boolean {
  return !allZero(key.encrypt) && !allZero(key.macK) && !allZero(key.macR);
}

/** The master key as restic's JSON: `{"mac":{"k":…,"r":…},"encrypt":…}`. */
export function masterKeyToJSON(key: CryptoKey): string {
  return JSON.stringify({
    mac: { k: key.macK.toString('base64'), r: key.macR.toString('base64') },
    encrypt: key.encrypt.toString('base64'),
  });
}

export function masterKeyFromJSON(text: string | Uint8Array): CryptoKey {
  let doc: unknown;
  try {
    doc = JSON.parse(typeof text === 'string' ? text : Buffer.from(text).toString('utf8'));
  } catch (err) {
    throw new CairnError('corrupt', 'The master key is not valid JSON.', { cause: err });
  }
  const d = doc as { mac?: { k?: unknown; r?: unknown }; encrypt?: unknown };
  if (typeof d.encrypt !== 'string' || typeof d.mac?.k !== 'string' || typeof d.mac.r !== 'string') {
    throw new CairnError('corrupt', 'The master key lacks encrypt, mac.k or mac.r.');
  }
  const key: CryptoKey = {
    encrypt: Buffer.from(d.encrypt, 'base64'),
    macK: Buffer.from(d.mac.k, 'base64'),
    macR: clampR(Buffer.from(d.mac.r, 'base64')),
  };
  if (key.encrypt.length !== 32 || key.macK.length !== 16 || key.macR.length !== 16 || !isValidKey(key)) {
    throw new CairnError('corrupt', 'The master key has wrong lengths or zero parts.');
  }
  return key;
}
