/**
 * @module crypto
 * restic's cryptography as pure functions over bytes: the master key, sealed boxes (AES-256-CTR with
 * Poly1305-AES over the ciphertext) and password-protected key files (scrypt).
 */
export { seal, open, SEAL_OVERHEAD } from './seal.js';
export { keyFromBytes, newRandomKey, masterKeyToJSON, masterKeyFromJSON, isValidKey } from './key.js';
export type { CryptoKey } from './key.js';
