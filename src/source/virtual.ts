import type { DirEntry, EntryStat, SourceListing, StreamEntry } from './source.js';
import { compareNames } from '../core/index.js';

/**
 * Entries that exist only in the snapshot (the `/mysql` folder of a dump, `/.cairn/sources.json`): made-up metadata
 * as restic uses for stdin — owner the current process, times now.
 */
export function virtualDirStat(mtimeNs: bigint = BigInt(Date.now()) * 1_000_000n): EntryStat {
  const no = (): boolean => false;
  return {
    mode: BigInt(0o40755),
    uid: BigInt(process.getuid?.() ?? 0),
    gid: BigInt(process.getgid?.() ?? 0),
    size: 0n,
    nlink: 1n,
    ino: 0n,
    dev: 0n,
    rdev: 0n,
    mtimeNs,
    atimeNs: mtimeNs,
    ctimeNs: mtimeNs,
    isFile: no,
    isDirectory: () => true,
    isSymbolicLink: no,
    isBlockDevice: no,
    isCharacterDevice: no,
    isFIFO: no,
    isSocket: no,
  };
}

/** A folder that only the snapshot has, at `path` (absolute, as shown to users). */
export function virtualDir(name: string, path: string): DirEntry {
  return { kind: 'dir', name, path, stat: virtualDirStat() };
}

/** A stream entry with restic's stdin metadata (mode 0644, owner the current process). */
export function streamEntry(name: string, path: string, open: StreamEntry['open']): StreamEntry {
  return { kind: 'stream', name, path, mode: 0o644, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, open };
}

/** A listing of these entries in name order. */
export function sortedListing(entries: SourceListing['entries']): SourceListing {
  return { entries: [...entries].sort((a, b) => compareNames(a.name, b.name)), errors: [] };
}
