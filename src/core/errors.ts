import { maskCredentials } from '../util/index.js';

/** Stable error codes. The CLI maps them to exit codes (cli/exit-codes.ts), the server to HTTP statuses. */
export type ErrorCode =
  | 'fatal'
  | 'invalid-argument'
  | 'repository-not-found'
  | 'repository-exists'
  | 'wrong-password'
  | 'lock-failed'
  | 'not-found'
  | 'corrupt'
  | 'source-unreadable'
  | 'no-space'
  | 'interrupted'
  | 'check-failed'
  | 'verify-failed'
  /** Storage refused us: wrong credentials, host key mismatch, no permission on a bucket. */
  | 'access-denied'
  /** Storage could not be reached or kept failing after all retries. */
  | 'unavailable';

/**
 * The one error class Cairn throws: a stable `code`, a one-sentence message, the cause, and whether a retry can help.
 * A password in a URL of the message is masked here, so no caller can show or log it.
 */
export class CairnError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(maskCredentials(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CairnError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

export function isCairnError(err: unknown, code?: ErrorCode): err is CairnError {
  return err instanceof CairnError && (code === undefined || err.code === code);
}

/** Node's errno code of a system error (ENOENT, EACCES, ENOSPC…), or undefined. */
export function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/**
 * Throws when `signal` fired: its reason when that is a CairnError (a lost lock says so), otherwise 'interrupted'.
 * The one abort check between steps of long work.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted !== true) return;
  if (isCairnError(signal.reason)) throw signal.reason;
  throw new CairnError('interrupted', 'The operation was interrupted.', { cause: signal.reason });
}
