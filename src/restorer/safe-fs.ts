import { closeSync, constants, fchmodSync, fchownSync, fstatSync, ftruncateSync, futimesSync, lstatSync, openSync, unlinkSync, writeSync } from 'node:fs';
import { lstat, mkdir, open, rm, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CairnError, errnoCode, hasRawBytes, nameToBytes, type FsPath } from '../core/index.js';

/**
 * File system steps that never follow a symlink found inside the target: an existing entry in the way is
 * removed (not written through), files are created exclusively with O_NOFOLLOW, and every directory that
 * is reused or created is checked to be a real directory before anything is put into it.
 */


/** `target` + the components of a snapshot path, keeping non-UTF-8 names (held as lone surrogates) byte-exact. */
export function fsPath(target: string, rel: readonly string[]): FsPath {
  if (!rel.some(hasRawBytes)) return join(target, ...rel);
  const parts: Buffer[] = [Buffer.from(target)];
  for (const c of rel) parts.push(Buffer.from('/'), nameToBytes(c));
  return Buffer.concat(parts);
}

export function pathText(p: FsPath): string {
  return typeof p === 'string' ? p : p.toString('utf8');
}

const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const REOPEN_FLAGS = constants.O_WRONLY | constants.O_NOFOLLOW;

/** Which file an open descriptor is: a file closed half-written is reopened only if it is still that file. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

async function lstatOrUndefined(path: FsPath): Promise<import('node:fs').Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Makes `path` a real directory (mode 0700 until metadata is restored), replacing a non-directory in the way. */
export async function ensureRealDir(path: FsPath): Promise<void> {
  const st = await lstatOrUndefined(path);
  if (st?.isDirectory() === true) return;
  if (st !== undefined) await unlink(path);
  try {
    await mkdir(path, { mode: 0o700 });
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  const after = await lstat(path);
  if (!after.isDirectory()) {
    throw new CairnError('fatal', `${pathText(path)} changed into something other than a directory during the restore.`);
  }
}

/** Removes whatever is at `path` so that a new entry can be created there; a directory is removed only if `recursive`. */
export async function clearPath(path: FsPath, recursive = false): Promise<void> {
  const st = await lstatOrUndefined(path);
  if (st === undefined) return;
  if (st.isDirectory()) {
    if (!recursive) throw new CairnError('fatal', `${pathText(path)} is an existing directory where the snapshot has a non-directory.`);
    await rm(path, { recursive: true, force: true });
  } else {
    await unlink(path);
  }
}

/** clearPath for a non-directory, synchronously (in a restore worker, which has no event loop to spare). */
function clearPathNow(path: FsPath): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st === undefined) return;
  if (st.isDirectory()) throw new CairnError('fatal', `${pathText(path)} is an existing directory where the snapshot has a non-directory.`);
  unlinkSync(path);
}

/**
 * Creates a new regular file for writing; fails rather than follow a symlink someone put there. O_EXCL refuses any
 * existing entry, so the common case (nothing there) costs one call; only then is the entry removed and the create
 * retried.
 */
export async function createFileExclusive(path: FsPath): Promise<FileHandle> {
  try {
    return await open(path, CREATE_FLAGS, 0o600);
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  await clearPath(path);
  return open(path, CREATE_FLAGS, 0o600);
}

export async function openNoFollow(path: FsPath): Promise<FileHandle> {
  return open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
}

/**
 * An open file written with synchronous calls: for the restore's many small files one syscall each beats a
 * thread-pool round trip and a promise (the data is in memory; page-cache writes do not block for long).
 */
export class FdFile {
  private constructor(readonly fd: number) {}

  /** Like createFileExclusive, synchronously (the rare existing entry is cleared asynchronously first). */
  static async create(path: FsPath): Promise<FdFile> {
    try {
      return new FdFile(openSync(path, CREATE_FLAGS, 0o600));
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    await clearPath(path);
    return new FdFile(openSync(path, CREATE_FLAGS, 0o600));
  }

  /** Like create, entirely synchronous: for the restore workers, which create the small files they write. */
  static createNow(path: FsPath): FdFile {
    try {
      return new FdFile(openSync(path, CREATE_FLAGS, 0o600));
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    clearPathNow(path);
    return new FdFile(openSync(path, CREATE_FLAGS, 0o600));
  }

  /**
   * Opens again a file this restore created and closed before it was complete; fails if what is at `path` now is not
   * that file (replaced or swapped for a symlink meanwhile).
   */
  static reopen(path: FsPath, identity: FileIdentity): FdFile {
    const file = new FdFile(openSync(path, REOPEN_FLAGS));
    const now = file.identity();
    if (now.dev !== identity.dev || now.ino !== identity.ino) {
      file.close();
      throw new CairnError('fatal', `${pathText(path)} was replaced by another file during the restore.`);
    }
    return file;
  }

  identity(): FileIdentity {
    const st = fstatSync(this.fd);
    return { dev: st.dev, ino: st.ino };
  }

  /** Sets the file's length: a longer length leaves a hole at the end. */
  truncate(size: number): void {
    ftruncateSync(this.fd, size);
  }

  writeAll(buf: Uint8Array, position: number): void {
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, position + done);
  }

  chown(uid: number, gid: number): void {
    fchownSync(this.fd, uid, gid);
  }

  chmod(mode: number): void {
    fchmodSync(this.fd, mode);
  }

  utimes(atime: number, mtime: number): void {
    futimesSync(this.fd, atime, mtime);
  }

  close(): void {
    closeSync(this.fd);
  }
}
