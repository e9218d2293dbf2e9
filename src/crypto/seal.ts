import { createCipheriv, createSecretKey, randomFillSync, timingSafeEqual, type Cipheriv, type KeyObject } from 'node:crypto';
import { CairnError } from '../core/index.js';
import type { CryptoKey } from './key.js';
import { createPoly1305, type Poly1305Mac } from './poly1305.js';

/** Bytes a sealed box adds to its plaintext: a 16-byte IV in front and a 16-byte MAC behind. */
export const SEAL_OVERHEAD = 32;

/**
 * Plaintext bytes encrypted per AES-CTR call while sealing: the ciphertext piece is still in
 * cache when it is copied out and fed to the MAC. A multiple of 16, so the counter stays aligned.
 */
const SEAL_STEP = 256 * 1024;

// AES-ECB without padding encrypts each 16-byte block of an update on its own, so one cipher per
// key serves every nonce and counter block: it saves a createCipheriv (~10 us) per sealed box,
// which dominates the cost of small blobs (trees, small files).
const ecbCiphers = new WeakMap<Buffer, Cipheriv>();

function ecb(aesKey: Buffer): Cipheriv {
  let aes = ecbCiphers.get(aesKey);
  if (aes === undefined) {
    aes = createCipheriv(aesKey.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', aesKey, null).setAutoPadding(
      false,
    );
    ecbCiphers.set(aesKey, aes);
  }
  return aes;
}

// createCipheriv with a raw key costs ~14 us of CPU (Node imports the key each time), with a KeyObject ~1 us:
// one KeyObject per key makes a CTR cipher per box cheap (bench/micro-crypto.mjs, "ctr set-up").
const ctrKeys = new WeakMap<Buffer, KeyObject>();

function ctrCipher(aesKey: Buffer, iv: Uint8Array): Cipheriv {
  let keyObject = ctrKeys.get(aesKey);
  if (keyObject === undefined) {
    keyObject = createSecretKey(aesKey);
    ctrKeys.set(aesKey, keyObject);
  }
  return createCipheriv('aes-256-ctr', keyObject, iv);
}

function macNonce(key: CryptoKey, iv: Uint8Array): Buffer {
  return ecb(key.macK).update(iv);
}

/**
 * Up to this size, CTR runs as ECB over counter blocks plus an XOR here, skipping createCipheriv: cheaper than a CTR
 * cipher on a reused KeyObject below ~4 KiB, dearer above (bench/micro-crypto.mjs).
 */
const SMALL = 4096;
// Word-aligned scratch space: counter blocks, then the data XORed 32 bits at a time.
const counters = new Uint8Array(SMALL);
const counterView = new DataView(counters.buffer);
const scratch = new Uint8Array(SMALL);
const scratchWords = new Int32Array(scratch.buffer);
const streamCopy = new Uint8Array(SMALL);
const streamWords = new Int32Array(streamCopy.buffer);

/** AES-256-CTR of a small input (<= SMALL bytes) into out[offset..]. */
function ctrSmall(key: CryptoKey, iv: Uint8Array, input: Uint8Array, out: Uint8Array, offset: number): void {
  const bytes = Math.ceil(input.length / 16) * 16;
  // The counter block is one 128-bit big-endian integer, here four 32-bit words.
  const ivView = new DataView(iv.buffer, iv.byteOffset, 16);
  let w0 = ivView.getUint32(0);
  let w1 = ivView.getUint32(4);
  let w2 = ivView.getUint32(8);
  let w3 = ivView.getUint32(12);
  for (let at = 0; at < bytes; at += 16) {
    counterView.setUint32(at, w0);
    counterView.setUint32(at + 4, w1);
    counterView.setUint32(at + 8, w2);
    counterView.setUint32(at + 12, w3);
    w3 = (w3 + 1) >>> 0;
    if (w3 === 0) {
      w2 = (w2 + 1) >>> 0;
      if (w2 === 0) {
        w1 = (w1 + 1) >>> 0;
        if (w1 === 0) w0 = (w0 + 1) >>> 0;
      }
    }
  }
  streamCopy.set(ecb(key.encrypt).update(counters.subarray(0, bytes)));
  scratch.set(input);
  for (let i = 0; i < bytes >> 2; i++) scratchWords[i]! ^= streamWords[i]!;
  out.set(scratch.subarray(0, input.length), offset);
}

/** AES-256-CTR(input) written to out[offset..], fed to `mac` piece by piece while still in cache. */
function ctrInto(
  key: CryptoKey,
  iv: Uint8Array,
  input: Uint8Array,
  out: Uint8Array,
  offset: number,
  mac?: Poly1305Mac,
): void {
  if (input.length <= SMALL) {
    ctrSmall(key, iv, input, out, offset);
    mac?.update(out.subarray(offset, offset + input.length));
    return;
  }
  const ctr = ctrCipher(key.encrypt, iv);
  let at = offset;
  for (let pos = 0; pos < input.length; pos += SEAL_STEP) {
    const piece = ctr.update(input.subarray(pos, Math.min(pos + SEAL_STEP, input.length)));
    out.set(piece, at);
    mac?.update(piece);
    at += piece.length;
  }
  ctr.final();
}

// IVs are cut from a pool of random bytes: one randomFillSync per 256 IVs instead of per box.
const ivPool = Buffer.allocUnsafe(4096);
let ivPos = ivPool.length;

function fillIv(out: Uint8Array, offset: number): void {
  for (;;) {
    if (ivPos === ivPool.length) {
      randomFillSync(ivPool);
      ivPos = 0;
    }
    const iv = ivPool.subarray(ivPos, ivPos + 16);
    ivPos += 16;
    if (iv.some((b) => b !== 0)) {
      out.set(iv, offset);
      return;
    }
  }
}

/**
 * Writes restic's sealed box IV || AES-256-CTR(plaintext) || Poly1305-AES(ciphertext) to
 * out[offset..offset + plaintext.length + SEAL_OVERHEAD] and returns the number of bytes written.
 * `out` must not overlap `plaintext`.
 */
export function sealInto(key: CryptoKey, plaintext: Uint8Array, out: Uint8Array, offset = 0): number {
  const total = plaintext.length + SEAL_OVERHEAD;
  if (offset < 0 || offset + total > out.length) {
    throw new CairnError('invalid-argument', 'The output buffer is too small for the sealed box.');
  }
  fillIv(out, offset);
  const iv = out.subarray(offset, offset + 16);
  const mac = createPoly1305(key.macR, macNonce(key, iv));
  ctrInto(key, iv, plaintext, out, offset + 16, mac);
  mac.digestInto(out, offset + 16 + plaintext.length);
  return total;
}

/** IV || AES-256-CTR(plaintext) || Poly1305-AES(ciphertext): restic's sealed box. */
export function seal(key: CryptoKey, plaintext: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(plaintext.length + SEAL_OVERHEAD);
  sealInto(key, plaintext, out, 0);
  return out;
}

/** Checks the MAC, then decrypts. A wrong key or damaged bytes give a `corrupt` error. */
export function open(key: CryptoKey, sealed: Uint8Array): Buffer {
  if (sealed.length < SEAL_OVERHEAD) throw new CairnError('corrupt', 'Ciphertext is shorter than 32 bytes.');
  const iv = sealed.subarray(0, 16);
  if (iv.every((b) => b === 0)) throw new CairnError('corrupt', 'Ciphertext has an all-zero IV.');
  const ciphertext = sealed.subarray(16, sealed.length - 16);
  const tag = Buffer.allocUnsafe(16);
  const mac = createPoly1305(key.macR, macNonce(key, iv));
  mac.update(ciphertext);
  mac.digestInto(tag);
  if (!timingSafeEqual(tag, sealed.subarray(sealed.length - 16))) {
    throw new CairnError('corrupt', 'Ciphertext verification failed (wrong key or damaged data).');
  }
  if (ciphertext.length <= SMALL) {
    const plaintext = Buffer.allocUnsafe(ciphertext.length);
    ctrSmall(key, iv, ciphertext, plaintext, 0);
    return plaintext;
  }
  const ctr = ctrCipher(key.encrypt, iv);
  const plaintext = ctr.update(ciphertext);
  ctr.final(); // CTR has no padding: final() is empty, the plaintext is already whole
  return plaintext;
}
