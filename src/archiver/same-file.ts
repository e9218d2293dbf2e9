import { constants, type BigIntStats } from 'node:fs';
import { replacementOf } from '../source/index.js';

/**
 * A regular file as its folder's listing saw it. Between that `lstat` and the open (when a read slot frees) the path
 * may have been replaced; restic opens with O_NOFOLLOW and refuses an opened file that is not the listed one, and
 * so does Cairn: reading a symlink's target or a device in its place would store other bytes (or read forever)
 * under the listed file's name, mode and owner.
 */
export interface ListedFile {
  size: number;
  dev: bigint;
  ino: bigint;
}

/**
 * Never through a symlink; O_NONBLOCK so that a FIFO or device put in the file's place cannot block the open; no
 * access time update (O_NOATIME, which needs ownership: callers retry without it on EPERM), as restic does.
 */
export const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;
export const NOATIME = constants.O_NOATIME ?? 0;

/** The listed file was replaced by `now` ("a symbolic link", "another file", …) before it was opened. */
export class ReplacedError extends Error {
  constructor(readonly now: string) {
    super(`replaced by ${now}`);
  }
}

/**
 * The error for a failed open: a symlink in the file's place (O_NOFOLLOW: ELOOP) is a replacement, and so is a
 * socket (ENXIO, which a regular file never gives).
 */
export function openError(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return new ReplacedError('a symbolic link');
  if (code === 'ENXIO') return new ReplacedError('a socket or device');
  return err;
}

/** What now stands in the listed file's place, judged by the opened descriptor; undefined if it is the same file. */
export function replacedBy(opened: BigIntStats, listed: ListedFile): string | undefined {
  if (opened.isFile() && opened.dev === listed.dev && opened.ino === listed.ino) return undefined;
  return replacementOf('file', opened);
}
