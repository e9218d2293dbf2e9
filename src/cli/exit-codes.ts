/** The only place where error codes become exit codes (restic 0.17's numbers). */
import type { ErrorCode } from '../core/index.js';
import { CairnError, errnoCode } from '../core/index.js';

export const EXIT = {
  ok: 0,
  fatal: 1,
  sourceErrors: 3,
  noRepository: 10,
  lockFailed: 11,
  wrongPassword: 12,
  interrupted: 130,
} as const;

const BY_CODE: Record<ErrorCode, number> = {
  fatal: EXIT.fatal,
  'invalid-argument': EXIT.fatal,
  'repository-not-found': EXIT.noRepository,
  'repository-exists': EXIT.fatal,
  'wrong-password': EXIT.wrongPassword,
  'lock-failed': EXIT.lockFailed,
  'not-found': EXIT.fatal,
  corrupt: EXIT.fatal,
  // A source error that reaches the top stopped the backup (no snapshot): that is fatal, not "partial".
  'source-unreadable': EXIT.fatal,
  'no-space': EXIT.fatal,
  interrupted: EXIT.interrupted,
  'check-failed': EXIT.fatal,
  'verify-failed': EXIT.fatal,
  'access-denied': EXIT.fatal,
  unavailable: EXIT.fatal,
};

export function exitCodeFor(err: unknown): number {
  if (err instanceof CairnError) return BY_CODE[err.code];
  if (err instanceof Error && err.name === 'AbortError') return EXIT.interrupted;
  return EXIT.fatal;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'a file or folder does not exist',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EIO: 'an input/output error occurred',
  EMFILE: 'too many open files',
  ENOTDIR: 'a path component is not a folder',
  EISDIR: 'a path is a folder where a file was expected',
};

/**
 * Any error as one sentence. Raw system errors should have become CairnErrors already; if one slips through, it
 * still gets a readable sentence naming the path instead of a stack trace.
 */
export function errorMessage(err: unknown): string {
  if (err instanceof CairnError) return err.message;
  const code = errnoCode(err);
  if (code !== undefined && code in ERRNO_TEXT) {
    const p = (err as { path?: unknown }).path;
    return `${ERRNO_TEXT[code]}${typeof p === 'string' ? ` (${p})` : ''}.`;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}
