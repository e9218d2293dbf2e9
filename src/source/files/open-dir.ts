import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync } from 'node:fs';
import { errnoCode, fsPathOf } from '../../core/index.js';
import { replacedError, replacementOf, toSourceError } from '../errors.js';
import type { EntryStat, SourceError } from '../source.js';

/** Where a folder is on disk, as its listing saw it. */
export type FolderIdentity = Pick<EntryStat, 'dev' | 'ino'>;

/** An opened folder: list its names from `readPath`, then `closeFolder` it. */
export interface OpenFolder {
  fd: number;
  /** `/proc/self/fd/N` on Linux: it names the opened folder whatever becomes of its path meanwhile. */
  readPath: string;
}

/** Never follows a symlink; O_DIRECTORY also refuses a FIFO or device, so the open cannot block. */
const FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;
const FD_LINKS = existsSync('/proc/self/fd') ? '/proc/self/fd/' : undefined;

/**
 * Opens folder `dir` to list it, without following a symlink, and checks that it is the folder its parent's listing
 * saw (same device and inode), as restic does. A folder that was replaced (by a symlink, a file, another folder),
 * vanished or cannot be read gives the SourceError to report; the caller leaves the folder out.
 */
export function openFolder(dir: string, listed: FolderIdentity): OpenFolder | SourceError {
  let fd: number;
  try {
    fd = openSync(fsPathOf(dir), FLAGS);
  } catch (err) {
    // Linux says ENOTDIR for a symlink opened with O_DIRECTORY | O_NOFOLLOW, other systems ELOOP.
    const code = errnoCode(err);
    return code === 'ENOTDIR' || code === 'ELOOP' ? whatIsThere(dir, err) : toSourceError(dir, 'readdir', err);
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    if (st.dev === listed.dev && st.ino === listed.ino) return { fd, readPath: FD_LINKS ? FD_LINKS + fd : dir };
    closeSync(fd);
    return replacedError(dir, 'readdir', replacementOf('folder', st));
  } catch (err) {
    closeSync(fd);
    return toSourceError(dir, 'readdir', err);
  }
}

/**
 * Closes a folder opened by `openFolder` once its entries were `lstat`ed (through `dir`, so by path): a SourceError
 * if `dir` no longer leads to that folder, since those entries may then be another folder's.
 */
export function closeFolder(dir: string, folder: OpenFolder, listed: FolderIdentity): SourceError | undefined {
  closeSync(folder.fd);
  try {
    const st = lstatSync(fsPathOf(dir), { bigint: true });
    if (st.isDirectory() && st.dev === listed.dev && st.ino === listed.ino) return undefined;
    return replacedError(dir, 'readdir', replacementOf('folder', st));
  } catch (err) {
    return toSourceError(dir, 'readdir', err);
  }
}

function whatIsThere(dir: string, openError: unknown): SourceError {
  try {
    return replacedError(dir, 'readdir', replacementOf('folder', lstatSync(fsPathOf(dir))));
  } catch {
    return toSourceError(dir, 'readdir', openError);
  }
}
