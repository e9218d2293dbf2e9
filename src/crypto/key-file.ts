import { randomBytes, scrypt } from 'node:crypto';
import { z } from 'zod';
import { CairnError, isCairnError } from '../core/index.js';
import { systemClock, type Clock } from '../util/index.js';
import { keyFromBytes, masterKeyFromJSON, masterKeyToJSON, type CryptoKey } from './key.js';
import { open, seal } from './seal.js';

/** scrypt cost parameters, stored per key file. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** A key file as restic stores it in `keys/<id>`; `salt` and `data` stay base64 as in the file. */
export interface KeyFileDoc {
  created: string;
  username: string;
  hostname: string;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  data: string;
}

export interface CreateKeyFileOptions {
  hostname: string;
  username: string;
  /** RFC3339Nano creation time (informational). */
  created: string;
  /** Defaults to `calibrateScrypt()`'s result (measured once per process). */
  params?: ScryptParams;
}

const SALT_LENGTH = 64;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/**
 * Bigger scrypt memory than this in a key file is refused rather than allocated: restic's KDFMemory budget (60 MiB),
 * which bounds every key restic creates (N = 2^15, r = 8 uses 32 MiB), so a crafted key file cannot exhaust memory.
 */
const MAX_SCRYPT_MEMORY = 60 * 1024 * 1024;

const keyFileSchema = z.object({
  created: z.string().default(''),
  username: z.string().default(''),
  hostname: z.string().default(''),
  kdf: z.literal('scrypt'),
  N: z.number().int(),
  r: z.number().int(),
  p: z.number().int(),
  salt: z.string().regex(BASE64),
  data: z.string().regex(BASE64),
});

function checkParams({ N, r, p }: ScryptParams): string | undefined {
  if (!Number.isSafeInteger(N) || N < 2 || (N & (N - 1)) !== 0) return 'N is not a power of two';
  if (!Number.isSafeInteger(r) || !Number.isSafeInteger(p) || r < 1 || p < 1) return 'r or p is below 1';
  // scrypt holds 128·r·N bytes for V and 128·r·p for B (Node allocates B for all p lanes at once).
  if (128 * r * (N + p) > MAX_SCRYPT_MEMORY || r * p >= 2 ** 30) return 'the parameters need too much memory';
  return undefined;
}

/** Parses and validates a key file's JSON (CairnError 'corrupt' when malformed). */
export function parseKeyFile(bytes: Uint8Array): KeyFileDoc {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (err) {
    throw new CairnError('corrupt', 'The key file is not valid JSON.', { cause: err });
  }
  const parsed = keyFileSchema.safeParse(json);
  if (!parsed.success) {
    throw new CairnError('corrupt', `The key file is malformed: ${parsed.error.issues[0]?.path.join('.')}.`, {
      cause: parsed.error,
    });
  }
  const doc = parsed.data;
  const problem = checkParams(doc);
  if (problem !== undefined)
    throw new CairnError('corrupt', `The key file's scrypt parameters are invalid: ${problem}.`);
  if (Buffer.from(doc.salt, 'base64').length !== SALT_LENGTH) {
    throw new CairnError('corrupt', `The key file's salt is not ${SALT_LENGTH} bytes long.`);
  }
  return doc;
}

function deriveKey(
  password: string | Uint8Array,
  salt: Uint8Array,
  { N, r, p }: ScryptParams,
): Promise<CryptoKey> {
  // Node refuses scrypt above maxmem (default 32 MiB); N=32768, r=8 alone needs 32 MiB.
  const maxmem = 128 * N * r + 128 * r * p + 16 * 1024 * 1024;
  const pw = typeof password === 'string' ? Buffer.from(password, 'utf8') : password;
  return new Promise((resolve, reject) => {
    scrypt(pw, salt, 64, { N, r, p, maxmem }, (err, derived) => {
      if (err) reject(new CairnError('fatal', 'scrypt key derivation failed.', { cause: err }));
      else resolve(keyFromBytes(derived));
    });
  });
}

// Go's encoding/json escapes these; restic writes them that way, so we do too.
function goJSON(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

let calibrated: Promise<ScryptParams> | undefined;

/** Encrypts the master key under a password: the bytes of a restic key file (name = sha256 of them). */
export async function createKeyFile(
  password: string | Uint8Array,
  masterKey: CryptoKey,
  options: CreateKeyFileOptions,
): Promise<Buffer> {
  const params = options.params ?? (await (calibrated ??= calibrateScrypt()));
  const problem = checkParams(params);
  if (problem !== undefined)
    throw new CairnError('invalid-argument', `Invalid scrypt parameters: ${problem}.`);
  const salt = randomBytes(SALT_LENGTH);
  const userKey = await deriveKey(password, salt, params);
  const data = seal(userKey, Buffer.from(masterKeyToJSON(masterKey), 'utf8'));
  const doc: KeyFileDoc = {
    created: options.created,
    username: options.username,
    hostname: options.hostname,
    kdf: 'scrypt',
    N: params.N,
    r: params.r,
    p: params.p,
    salt: salt.toString('base64'),
    data: data.toString('base64'),
  };
  return Buffer.from(goJSON(doc), 'utf8');
}

/** Derives the password's key and decrypts the master key ('wrong-password' on MAC failure). */
export async function openKeyFile(bytes: Uint8Array, password: string | Uint8Array): Promise<CryptoKey> {
  const doc = parseKeyFile(bytes);
  const userKey = await deriveKey(password, Buffer.from(doc.salt, 'base64'), doc);
  let plaintext: Buffer;
  try {
    plaintext = open(userKey, Buffer.from(doc.data, 'base64'));
  } catch (err) {
    if (isCairnError(err, 'corrupt'))
      throw new CairnError('wrong-password', 'Wrong password or no key found.', { cause: err });
    throw err;
  }
  return masterKeyFromJSON(plaintext);
}

export interface CalibrateOptions {
  /** Target derivation time in milliseconds; restic aims at 500. */
  targetMs?: number;
  clock?: Clock;
}

/**
 * restic's parameters: r = 8, N = 2^15 (the largest power of two under restic's 60 MiB budget),
 * and p raised until one derivation takes about `targetMs` on this machine (p >= 1).
 */
export async function calibrateScrypt(options: CalibrateOptions = {}): Promise<ScryptParams> {
  const targetMs = options.targetMs ?? 500;
  const clock = options.clock ?? systemClock;
  const N = 32768;
  const r = 8;
  const salt = randomBytes(SALT_LENGTH);
  await deriveKey('calibrate', salt, { N, r, p: 1 }); // warm-up: first run pays for the allocation
  const start = clock.nowNs();
  await deriveKey('calibrate', salt, { N, r, p: 1 });
  const oneMs = Math.max(Number(clock.nowNs() - start) / 1e6, 1);
  const p = Math.min(Math.max(Math.floor(targetMs / oneMs), 1), 64);
  return { N, r, p };
}
