/**
 * @module backend/wrap
 * Behaviour that applies to every backend, as wrappers that take a Backend and return a Backend: `withRetry`
 * (transient failures retried with exponential backoff and full jitter, a clear sentence when it gives up) and
 * `withLimits` (a bound on concurrent calls, upload and download rate limits). The registry composes them as
 * `withRetry(withLimits(backend))`, so every retry is limited too.
 */
export { withRetry, isRetryable, retryOptionsFromEnv, DEFAULT_RETRY } from './retry.js';
export type { RetryOptions, RetryInfo } from './retry.js';
export { withLimits, withUploadLimit } from './limits.js';
export type { LimitOptions } from './limits.js';
export { realTimer, ManualTimer } from './timer.js';
export type { Timer } from './timer.js';
