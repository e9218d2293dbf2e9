/**
 * @module crypto
 * restic's cryptography as pure functions over bytes: the master key, sealed boxes (AES-256-CTR with
 * Poly1305-AES over the ciphertext) and password-protected key files (scrypt). Poly1305 runs on a
 * WebAssembly kernel (built by `npm run build:wasm`; one instance per thread, all calls synchronous),
 * so `seal`/`open` are safe to call from worker threads.
 */
export { seal, sealInto, open, SEAL_OVERHEAD } from './seal.js';
export { keyFromBytes, newRandomKey, masterKeyToJSON, masterKeyFromJSON, isValidKey } from './key.js';
export type { CryptoKey } from './key.js';
export { createKeyFile, openKeyFile, parseKeyFile, calibrateScrypt } from './key-file.js';
export type { ScryptParams, KeyFileDoc, CreateKeyFileOptions, CalibrateOptions } from './key-file.js';
export { poly1305, createPoly1305, poly1305Implementation } from './poly1305.js';
export type { Poly1305Mac } from './poly1305.js';
