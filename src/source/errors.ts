import { errnoCode } from '../core/index.js';
import type { EntryStat, SourceError } from './source.js';

/** A failed system call on `item` as one sentence for the user (a vanished file, no permission, anything else). */
export function toSourceError(item: string, during: string, err: unknown): SourceError {
  const code = errnoCode(err);
  let message: string;
  if (code === 'ENOENT') message = `${item} does not exist (it vanished during the backup).`;
  else if (code === 'EACCES' || code === 'EPERM') message = `Permission denied reading ${item}.`;
  else message = `Cannot read ${item}: ${err instanceof Error ? err.message : String(err)}.`;
  return { item, during, message };
}

/**
 * An item that is no longer what its listing saw when it is opened (restic's "changed type"): it was replaced by
 * `now` (see `replacementOf`) during the backup and is left out rather than read through or as something else.
 */
export function replacedError(item: string, during: string, now: string): SourceError {
  return { item, during, message: `${item} was replaced by ${now} during the backup; it is left out.` };
}

/** What now stands where a listed item of kind `listed` was: "a symbolic link", "another file", …. */
export function replacementOf(listed: 'file' | 'folder', st: Pick<EntryStat, 'isFile' | 'isDirectory' | 'isSymbolicLink' | 'isFIFO' | 'isSocket'>): string {
  if (st.isFile()) return listed === 'file' ? 'another file' : 'a file';
  if (st.isDirectory()) return listed === 'folder' ? 'another folder' : 'a folder';
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'a device';
}
