import { errnoCode } from '../core/index.js';
import type { SourceError } from './source.js';

/** A failed system call on `item` as one sentence for the user (a vanished file, no permission, anything else). */
export function toSourceError(item: string, during: string, err: unknown): SourceError {
  const code = errnoCode(err);
  let message: string;
  if (code === 'ENOENT') message = `${item} does not exist (it vanished during the backup).`;
  else if (code === 'EACCES' || code === 'EPERM') message = `Permission denied reading ${item}.`;
  else message = `Cannot read ${item}: ${err instanceof Error ? err.message : String(err)}.`;
  return { item, during, message };
}
