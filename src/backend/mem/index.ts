/** @module backend/mem An in-memory Backend for unit tests. */
export { MemBackend } from './mem.js';
