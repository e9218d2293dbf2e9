import { CairnError, errnoCode } from '../../core/index.js';

/** Turns a Node file-system error into a CairnError with one clear sentence naming `what`. */
export function fsError(err: unknown, what: string): CairnError {
  if (err instanceof CairnError) return err;
  const code = errnoCode(err);
  switch (code) {
    case 'ENOENT':
      return new CairnError('not-found', `${what} does not exist.`, { cause: err });
    case 'ENOSPC':
    case 'EDQUOT':
      return new CairnError('no-space', `The disk is full: ${what} could not be written.`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new CairnError('fatal', `Permission denied for ${what}.`, { cause: err });
    case 'EROFS':
      return new CairnError('fatal', `${what} is on a read-only file system.`, { cause: err });
    case 'EIO':
      return new CairnError('fatal', `An input/output error occurred on ${what}.`, { cause: err });
    default: {
      const detail = err instanceof Error ? err.message : String(err);
      return new CairnError('fatal', `File-system error on ${what}: ${detail}.`, { cause: err });
    }
  }
}
