import fs from 'node:fs/promises';
import { lstatSync, readdirSync, type BigIntStats } from 'node:fs';
import { toSourceError } from '../errors.js';
import { fsPathOf, nameFromBytes, sortNames } from '../../core/index.js';
import type { DirEntry, FileEntry, SourceError, SourceListing, SpecialEntry, SymlinkEntry } from '../source.js';
import type { Excluder } from './exclude.js';
import { closeFolder, openFolder, type FolderIdentity } from './open-dir.js';

/**
 * An entry of the files source: the public entry plus the device of the target it was found under, which
 * `--one-file-system` compares a folder's device with.
 */
export type FsEntry = (DirEntry | FileEntry | SymlinkEntry | SpecialEntry) & { rootDev: bigint };

export interface FsListing extends SourceListing {
  entries: FsEntry[];
}

/** `lstat` with bigint fields; a missing file yields a SourceError instead of a throw. */
export async function lstatEntry(file: string): Promise<BigIntStats | SourceError> {
  try {
    return await fs.lstat(fsPathOf(file), { bigint: true });
  } catch (err) {
    return toSourceError(file, 'lstat', err);
  }
}

/** The entry of `name` at `path` with its lstat, tagged by kind. */
export function fsEntry(name: string, path: string, stat: BigIntStats, rootDev: bigint): FsEntry {
  const kind = stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : stat.isSymbolicLink() ? 'symlink' : 'special';
  return { kind, name, path, stat, rootDev };
}

/**
 * The entries of folder `dir`, excluded ones removed, sorted by name in UTF-8 byte order (the order of tree nodes).
 * Name patterns are checked before `lstat`, so excluded entries cost no system call. The listing and the `lstat`s are
 * synchronous system calls in a row, as restic's walk makes them: on a warm cache each costs about a microsecond,
 * while a promise round trip through the thread pool costs ten times that and dominated no-change backups.
 * With `listed` (the folder's identity in its parent's listing) the folder is opened without following a symlink and
 * must still be that folder (open-dir.ts); otherwise, or when it cannot be read, `dirError` says why.
 */
export async function listDir(dir: string, excluder: Excluder, rootDev: bigint, listed?: FolderIdentity): Promise<FsListing> {
  if (listed === undefined) return listNames(dir, dir, excluder, rootDev);
  const folder = openFolder(dir, listed);
  if ('item' in folder) return { entries: [], errors: [], dirError: folder };
  let listing: FsListing;
  try {
    listing = await listNames(dir, folder.readPath, excluder, rootDev);
  } finally {
    const replaced = closeFolder(dir, folder, listed);
    if (replaced) listing = { entries: [], errors: [], dirError: replaced };
  }
  return listing;
}

/** listDir's work once the names of `dir` can be read from `readPath`. */
async function listNames(dir: string, readPath: string, excluder: Excluder, rootDev: bigint): Promise<FsListing> {
  let names: string[];
  const errors: SourceError[] = [];
  try {
    names = readdirSync(fsPathOf(readPath));
  } catch (err) {
    return { entries: [], errors: [], dirError: toSourceError(dir, 'readdir', err) };
  }
  if (names.some((n) => n.includes('\ufffd'))) names = exactNames(readPath);
  sortNames(names);
  if (excluder.hasTagRules) {
    const only = await excluder.keepOnlyTag(dir, names);
    if (only) names = only;
  }
  const entries: FsEntry[] = [];
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  for (const name of names) {
    const p = prefix + name;
    if (excluder.excludedByName(p)) continue;
    let st: BigIntStats;
    try {
      st = lstatSync(fsPathOf(p), { bigint: true });
    } catch (err) {
      errors.push(toSourceError(p, 'lstat', err));
      continue;
    }
    if (!excluder.excludedBySize(st.isDirectory(), Number(st.size))) entries.push(fsEntry(name, p, st, rootDev));
  }
  return { entries, errors };
}

/**
 * The names of `dir` read again as bytes, when a string listing showed U+FFFD: Node decodes names lossily, so each
 * byte that is not UTF-8 is kept as a lone surrogate (`nameFromBytes`), which `fsPathOf` turns back into the bytes.
 */
function exactNames(readPath: string): string[] {
  return readdirSync(fsPathOf(readPath), { encoding: 'buffer' }).map(nameFromBytes);
}
