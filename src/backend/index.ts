/**
 * @module backend
 * Where repository files live: one narrow interface (list, stat, ranged read, atomic write, remove) with one
 * implementation per storage kind, each in its own folder. Cross-cutting behaviour wraps a Backend.
 */
export type { Backend, Handle, FileInfo, ObjectStore } from './backend.js';
export { networkFailure } from './errors.js';
export type { NetworkFailure } from './errors.js';
export { loadTlsSettings } from './tls.js';
export type { TlsFlags, TlsSettings } from './tls.js';
