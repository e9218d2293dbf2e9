/**
 * @module backend/wrap
 * PLACEHOLDER — being implemented. Contract: see /work/notes/issue3.md.
 */
import type { Backend } from '../backend.js';

export interface RetryOptions {
  attempts?: number;
}
export interface LimitOptions {
  connections?: number;
  uploadBytesPerSecond?: number;
  downloadBytesPerSecond?: number;
}
export function withRetry(backend: Backend, opts: RetryOptions = {}): Backend {
  void opts;
  return backend;
}
export function withLimits(backend: Backend, opts: LimitOptions = {}): Backend {
  void opts;
  return backend;
}
